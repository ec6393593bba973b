"""Run a form's rules on a return: the same rule objects the template shows as live checks.

Messages fill the rule's own Chinese template with the two sides of the comparison, and point at
the check cell the clerk sees turn red (or, for Python-only rules, at the first cell involved).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from govxl.check.findings import Finding, finding
from govxl.forms import Form, Instance, Severity
from govxl.forms.compute import Outcome, Value, compute, is_number, run
from govxl.forms.layout import a1, layout
from govxl.forms.notes import instance_keys, note_key, noted
from govxl.forms.returns import Return
from govxl.values import Kind, parse_value

JUMP_HIGH, JUMP_LOW = 5, Decimal("0.2")


def _fmt(v: object) -> str:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral() else str(v)
    return "" if v is None else str(v)


def _place(ret: Return, inst: Instance, cell_id: str | None = None) -> dict[str, str]:
    """Sheet, A1 cell and labels for a finding about ``inst``."""
    form = ret.form
    first = cell_id or next((r for r in inst.refs if not r.startswith("prev.")), inst.refs[0])
    first = first.removeprefix("prev.")
    cell = form.cells[first]
    lay = layout(form, cell.table, ret.year)
    where = lay.checks.get(inst.key) if cell_id is None else None
    row_label, col_label = cell.labels(ret.year)
    cells = {form.cells[r.removeprefix("prev.")].row for r in inst.refs}
    return {
        "sheet": lay.table.sheet,
        "cell": a1(*where) if where else lay.a1(first),
        "row_label": row_label if len(cells) == 1 else "",
        "column_label": col_label,
    }


def check_rules(
    ret: Return, trusted: Iterable[str], typed: Mapping[str, object], *, file: str = ""
) -> list[Finding]:
    """This year's rules on the tables that could be read (``trusted``)."""
    trusted = set(trusted)
    values = compute(ret.form, ret.values)
    out: list[Finding] = []
    for inst, tables in _this_year(ret.form):
        if not tables <= trusted:
            continue
        if inst.target is not None:
            if inst.target in typed:
                out.extend(_typed_total(ret, inst, values, typed[inst.target], file))
            continue
        outcome = run(inst, values)
        if outcome.status == "fail":
            out.append(_failed(ret, inst, outcome, file))
    explain(ret, out)
    return out


def _this_year(form: Form) -> tuple[tuple[Instance, frozenset[str]], ...]:
    """The instances that need no last-year figures, each with the tables it reads (per form,
    once: collect runs this for every return)."""
    return form._memo(
        "this_year_rules",
        lambda: tuple(
            (inst, frozenset(form.cells[r].table for r in inst.refs))
            for inst in form.instances
            if not inst.uses_prev
        ),
    )


def _typed_total(
    ret: Return, inst: Instance, values: Mapping[str, Value], reported: object, file: str
) -> list[Finding]:
    parsed = parse_value(reported, Kind.DELTA)
    if parsed.value is None or not is_number(parsed.value):
        return []
    outcome = run(inst, {**values, inst.target or "": parsed.value})
    if outcome.status != "fail":
        return []
    msg = inst.rule.message.format(lhs=_fmt(outcome.lhs), rhs=_fmt(outcome.rhs))
    return [
        finding(
            "total-mismatch",
            msg,
            rule=inst.key,
            value=_fmt(outcome.lhs),
            expected=_fmt(outcome.rhs),
            file=file,
            **_place(ret, inst, inst.target),
        )
    ]


def _failed(ret: Return, inst: Instance, outcome: Outcome, file: str) -> Finding:
    """A failed rule, its message filled with the two sides, at the cell the clerk sees."""
    msg = inst.rule.message.format(lhs=_fmt(outcome.lhs), rhs=_fmt(outcome.rhs))
    return finding(
        "rule-failed",
        msg,
        severity=inst.rule.severity,
        rule=inst.key,
        value=_fmt(outcome.lhs),
        expected=_fmt(outcome.rhs),
        file=file,
        **_place(ret, inst),
    )


def explain(ret: Return, found: list[Finding]) -> None:
    """Mark 核实 warnings that the unit explained on its 说明 sheet.

    A note may name the rule (R9), the rule on one row or column (R9[rules]), the check cell
    that turned amber, or any cell the rule reads — with or without the sheet name
    (:mod:`govxl.forms.notes`: the workbook's live check uses the same keys).
    """
    refs = noted(ret.notes)
    if not refs:
        return
    by_key = {i.key: i for i in ret.form.instances}
    for f in found:
        if f.severity is not Severity.WARNING:
            continue
        inst = by_key.get(f.rule)
        if inst is not None:
            keys = set(instance_keys(ret.form, inst, ret.year))
        else:  # a warning about one cell: named by the cell
            keys = {note_key(f.cell), note_key(f"{f.sheet}!{f.cell}")} if f.cell else set()
        if keys & refs:
            f.explained = True


def check_previous(ret: Return, previous: Mapping[str, Value], *, file: str = "") -> list[Finding]:
    """Rules against last year's figures (R6–R8), and year-on-year jumps (提示)."""
    values = compute(ret.form, ret.values)
    out: list[Finding] = []
    flagged: set[str] = set()
    for inst in ret.form.instances:
        if not inst.uses_prev:
            continue
        outcome = run(inst, values, previous)
        if outcome.status == "fail":
            out.append(_failed(ret, inst, outcome, file))
            if inst.rule.severity is not Severity.ERROR:
                flagged.update(inst.refs)
    for cell in ret.form.cells.values():
        now, then = values.get(cell.id), previous.get(cell.id)
        if not (is_number(now) and is_number(then)) or cell.type.value == "delta":
            continue
        if cell.id in flagged:  # already a 核实 (R13): the 提示 would say it twice
            continue
        if then >= 10 and (now > then * JUMP_HIGH or now < then * JUMP_LOW):  # type: ignore[operator]
            lay = layout(ret.form, cell.table, ret.year)
            row_label, col_label = cell.labels(ret.year)
            out.append(
                finding(
                    "yoy-jump",
                    f"与上年（{_fmt(then)}）相比变化异常（本年 {_fmt(now)}），请核实是否填错。",
                    sheet=lay.table.sheet,
                    cell=lay.a1(cell.id),
                    row_label=row_label,
                    column_label=col_label,
                    value=_fmt(now),
                    expected=_fmt(then),
                    file=file,
                )
            )
    explain(ret, out)
    return out
