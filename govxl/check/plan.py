"""What to look for in a return of one form and year, worked out once and cached.

Reading thousands of returns of the same form must not recompile the same formulas and labels for
every file: the plan holds, per table, the expected label text and formula at each address and
the input cells with their parsing rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from govxl.forms import Cell, Form, formulas
from govxl.forms.layout import STATUS_ROW, SheetLayout, a1, layout
from govxl.values import Kind

_SPACE = re.compile(r"[\s\u3000]+")


def norm_label(text: object) -> str:
    return _SPACE.sub("", str(text or "")).replace("(", "（").replace(")", "）")


def norm_formula(text: str | None) -> str:
    return _SPACE.sub("", (text or "").lstrip("=")).replace("$", "").upper()


@dataclass(frozen=True)
class InputSlot:
    cell: Cell
    a1: str
    kind: Kind
    row_label: str
    column_label: str


@dataclass(frozen=True)
class TotalSlot:
    cell: Cell
    a1: str
    formula: str
    norm: str
    row_label: str
    column_label: str
    stored: str = ""
    """The formula as a workbook stores it (no "="): most files match it exactly."""


@dataclass(frozen=True)
class TablePlan:
    table_id: str
    sheet: str
    layout: SheetLayout
    labels: tuple[tuple[str, str, str, int, int], ...]
    """(A1, normalised text, text, row, col) of every label box."""
    inputs: tuple[InputSlot, ...]
    totals: tuple[TotalSlot, ...]
    checks: tuple[tuple[str, str, str], ...]
    """(A1, normalised formula, stored formula) of every check cell and the status line."""


@cache
def plan(form: Form, year: int | None) -> tuple[TablePlan, ...]:
    return tuple(_table_plan(form, t.id, year) for t in form.tables)


def _table_plan(form: Form, table_id: str, year: int | None) -> TablePlan:
    lay = layout(form, table_id, year)
    labels = tuple(
        (a1(b.row, b.col), norm_label(b.text), b.text, b.row, b.col)
        for b in lay.boxes
        if b.role != "title" and b.text
    )
    inputs, totals = [], []
    for cell in form.table_cells(table_id):
        row_label, col_label = cell.labels(year)
        if cell.computed:
            f = formulas.define_formula(form.definition_of(cell.id), lay)
            totals.append(
                TotalSlot(
                    cell,
                    lay.a1(cell.id),
                    f,
                    norm_formula(f),
                    row_label,
                    col_label,
                    f.removeprefix("="),
                )
            )
        else:
            inputs.append(
                InputSlot(cell, lay.a1(cell.id), Kind(cell.type.value), row_label, col_label)
            )
    by_key = {i.key: i for i in form.instances}
    written = [
        (a1(*place), formulas.check_formula(form, by_key[k], lay, year))
        for k, place in lay.checks.items()
    ]
    written.append((a1(STATUS_ROW, 0), formulas.status_formula(form, lay)))
    checks = [(where, norm_formula(f), f.removeprefix("=")) for where, f in written]
    return TablePlan(
        table_id, lay.table.sheet, lay, labels, tuple(inputs), tuple(totals), tuple(checks)
    )
