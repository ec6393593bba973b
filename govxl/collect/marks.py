"""Marks in a 退回 copy that clear when the cell is corrected.

A mark is a conditional format, never a fixed fill: on a check cell it is the template's own
(the cell shows × or △ while the check fails); on any other cell it holds while the cell still
has what govxl found there — the wrong figure, text, the blank — and, for a 核实, while the 说明
sheet does not explain it. The 审核意见 sheet's 现状 column is the same condition as a
formula, so it says 已改正 exactly when the mark is gone.
"""

from __future__ import annotations

from dataclasses import dataclass

from govxl.check.findings import Finding
from govxl.forms import Instance, Severity
from govxl.forms.compute import CHECK_OK
from govxl.forms.formulas import explained_formula, sheet_ref
from govxl.forms.layout import a1, layout
from govxl.forms.returns import Return

FILLS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFE08A"}
"""强制 red, 核实 amber; a 提示 gets its comment but no fill (a neutral note)."""


@dataclass(frozen=True)
class Mark:
    """Where a finding sits and the condition, as an Excel expression, that it still holds."""

    sheet: str
    cell: str
    severity: Severity
    condition: str
    """Unqualified references: for a conditional format on the cell's own sheet."""
    qualified: str
    """The same with the sheet's name: for the 现状 column on the 审核意见 sheet."""


def _literal(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def still(ref: str, original: object, is_check: bool, label: str = "") -> str:
    """The cell at ``ref`` still holds ``original`` (or, a check cell, still fails).

    A unit's text never goes into a formula, not even as a quoted literal: text where a number
    belongs is wrong whatever it says, so the mark holds while the cell holds text; a label
    holds its mark until it is the template's ``label`` again (our own text)."""
    if is_check:
        return f'AND(LEN({ref})>0,LEFT({ref},1)<>"{CHECK_OK}")'
    if label:
        return f"NOT(EXACT({ref},{_literal(label)}))"
    if original is None or original == "":
        return f"COUNTBLANK({ref})>0"
    if isinstance(original, bool):
        return f"AND(ISLOGICAL({ref}),{ref}={str(original).upper()})"
    if isinstance(original, int | float):
        return f"AND(ISNUMBER({ref}),{ref}={original!r})"
    return f"ISTEXT({ref})"


def mark_for(
    ret: Return,
    finding: Finding,
    original: object,
    instances: dict[str, Instance],
    checks: set[tuple[str, str]],
) -> Mark | None:
    """The mark of one finding at a cell; None for a formula the unit cannot retype (a total:
    its comment says what to do)."""
    if not finding.cell:
        return None
    is_check = (finding.sheet, finding.cell) in checks
    if isinstance(original, str) and original.startswith("=") and not is_check:
        return None
    conditions = []
    label = finding.expected if finding.code == "label-changed" else ""
    for ref in (finding.cell, f"{sheet_ref(finding.sheet)}!{finding.cell}"):
        cond = still(ref, original, is_check, label)
        inst = instances.get(finding.rule)
        if finding.severity is Severity.WARNING and inst is not None and not is_check:
            # a 核实 at a figure (last year's checks): cleared too by a note on the 说明 sheet
            cond = f"AND({cond},NOT({explained_formula(ret.form, inst, ret.year)}))"
        conditions.append(cond)
    return Mark(finding.sheet, finding.cell, finding.severity, conditions[0], conditions[1])


def operand_marks(ret: Return, finding: Finding, instances: dict[str, Instance]) -> list[Mark]:
    """A failed live check also marks the figures it reads (the check itself does not print):
    while the check fails, so they clear with it."""
    inst = instances.get(finding.rule)
    if inst is None or not inst.live or inst.table is None:
        return []
    lay = layout(ret.form, inst.table, ret.year)
    check = a1(*lay.checks[inst.key], True)
    condition = still(check, None, True)
    qualified = still(f"{sheet_ref(finding.sheet)}!{check}", None, True)
    return [
        Mark(finding.sheet, lay.a1(ref), finding.severity, condition, qualified)
        for ref in inst.refs
    ]


def check_cells(ret: Return) -> set[tuple[str, str]]:
    """(sheet, A1) of every live check cell: their marks are the template's own."""
    out = set()
    for table in ret.form.tables:
        lay = layout(ret.form, table.id, ret.year)
        out |= {(table.sheet, a1(*place)) for place in lay.checks.values()}
    return out
