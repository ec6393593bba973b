"""Which 说明 rows explain which 核实 check: one definition for the collector and the workbook.

A unit explains a 核实 finding on its 说明 sheet by naming the rule (``R9``), the rule on one row
or column (``R9[rules]``), the check cell that turned amber, or any cell the rule reads — with or
without the sheet name, typed as clerks type: full-width (``Ｒ９`` from a Chinese input method),
with spaces, quotes or ``$`` (copied from a formula). :func:`note_key` folds all of these to one
key; :func:`key_formula` is the same folding as an Excel expression, so the check cell in the
workbook shows ``√ 已说明`` exactly when ``govxl collect`` counts the finding as explained.
"""

from __future__ import annotations

from collections.abc import Iterable

from govxl.forms.layout import a1, layout
from govxl.forms.model import Form, Instance

REMOVED = (" ", "$", "'", '"', "\n", "\r", "\t", "*", "?", "~")
"""Dropped from a reference before comparing. ``* ? ~`` too: MATCH would read them as wildcards,
so a note of "R*" would explain every check in Excel and none in govxl."""

_FOLD = {0x3000: " ", **{c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}}
"""Full-width ASCII and the ideographic space to their ASCII forms: what Excel's ASC does."""


def note_key(text: str) -> str:
    """A rule or cell reference as a clerk may write it, folded to one comparable key."""
    text = text.translate(_FOLD)
    for ch in REMOVED:
        text = text.replace(ch, "")
    return text.upper()


def noted(notes: Iterable[tuple[str, str]]) -> set[str]:
    """The keys of the 说明 rows that give a reason."""
    return {note_key(ref) for ref, why in notes if why.strip(" ")} - {""}


def instance_keys(form: Form, inst: Instance, year: int | None) -> tuple[str, ...]:
    """Every key that explains ``inst``: the rule, the rule on its row or column, its check
    cell (a live check) and every cell it reads, each with and without the sheet's name."""
    keys = [inst.rule.id, inst.key]
    places: list[tuple[str, str]] = []
    if inst.live and inst.table:
        lay = layout(form, inst.table, year)
        places.append((lay.table.sheet, a1(*lay.checks[inst.key])))
    for ref in inst.refs:
        if ref.startswith("prev."):
            continue
        lay = layout(form, form.cells[ref].table, year)
        places.append((lay.table.sheet, lay.a1(ref)))
    for sheet, where in places:
        keys += [where, f"{sheet}!{where}"]
    return tuple(dict.fromkeys(note_key(k) for k in keys))


def key_formula(ref: str) -> str:
    """:func:`note_key` in Excel: ASC folds the width, SUBSTITUTE drops, UPPER upper-cases."""
    out = f"ASC({ref})"
    for ch in REMOVED:
        lit = {"\n": "CHAR(10)", "\r": "CHAR(13)", "\t": "CHAR(9)", '"': '""""'}.get(ch)
        out = f'SUBSTITUTE({out},{lit or chr(34) + ch + chr(34)},"")'
    return f"UPPER({out})"
