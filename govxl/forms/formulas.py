"""The live formulas of a workbook, each beside its Python twin.

The Excel text and the Python value of every computed cell, check cell and status line come from
the same form definition and the same AST; the LibreOffice differential test recalculates the
Excel side and compares it with the Python side cell by cell.
"""

from __future__ import annotations

from collections.abc import Mapping

from govxl.forms import Form, Instance, expr
from govxl.forms.compute import CHECK_FAIL, CHECK_OK, CHECK_TEXT, Value, display
from govxl.forms.layout import SheetLayout, a1_range


def _runs(places: list[tuple[int, int]]) -> list[str]:
    """Cover the cells with few rectangles: horizontal runs, stacked when they line up."""
    runs: list[list[int]] = []  # [first_row, last_row, first_col, last_col]
    for r, c in sorted(set(places)):
        last = runs[-1] if runs else None
        if last and last[1] == r and last[3] == c - 1:
            last[3] = c
        else:
            runs.append([r, r, c, c])
    rects: list[list[int]] = []
    for r0, r1, c0, c1 in runs:
        above = next((x for x in rects if x[1] == r0 - 1 and (x[2], x[3]) == (c0, c1)), None)
        if above:
            above[1] = r1
        else:
            rects.append([r0, r1, c0, c1])
    return [a1_range(r0, c0, r1, c1) for r0, r1, c0, c1 in rects]


def sum_args(lay: SheetLayout, cell_ids: tuple[str, ...]) -> str:
    return ",".join(_runs([lay.cells[c] for c in cell_ids]))


def define_formula(inst: Instance, lay: SheetLayout) -> str:
    """``=SUM(...)`` of a computed cell."""
    return "=" + expr.to_excel(inst.node, lay.a1, lambda ids: sum_args(lay, ids))


def check_formula(inst: Instance, lay: SheetLayout) -> str:
    """A check cell: blank until filled, then ✓, ✗ and the rule's short text, or ✗ for text."""
    refs = ",".join(_runs([lay.cells[r] for r in inst.operands]))
    n = len(inst.operands)
    cond = expr.to_excel(inst.node, lay.a1, lambda ids: sum_args(lay, ids))
    fail = f"{CHECK_FAIL} {inst.rule.short or inst.rule.title}"
    return (
        f'=IF(COUNTA({refs})<{n},"",IF(COUNT({refs})<{n},"{CHECK_TEXT}",'
        f'IF({cond},"{CHECK_OK}","{fail}")))'
    )


def _input_places(form: Form, lay: SheetLayout) -> list[tuple[int, int]]:
    return [lay.cells[c.id] for c in form.table_cells(lay.table.id) if not c.computed]


def status_formula(form: Form, lay: SheetLayout) -> str:
    """The status line above a table: failures first, then blanks, then 本表校验通过."""
    fails = "+".join(f'COUNTIF({r},"{CHECK_FAIL}*")' for r in _runs(list(lay.checks.values())))
    blanks = "+".join(f"COUNTBLANK({r})" for r in _runs(_input_places(form, lay)))
    fails = fails or "0"
    return (
        f'=IF({fails}>0,"{CHECK_FAIL} 本表有"&({fails})&"处校验未通过，请修改标红的单元格",'
        f'IF({blanks}>0,"尚有"&({blanks})&"格未填写（没有的请填 0）","{CHECK_OK} 本表校验通过"))'
    )


def status_value(form: Form, lay: SheetLayout, values: Mapping[str, Value]) -> str:
    by_key = {i.key: i for i in form.instances}
    fails = sum(display(by_key[k], values).startswith(CHECK_FAIL) for k in lay.checks)
    blanks = sum(values.get(c.id) is None for c in form.table_cells(lay.table.id) if not c.computed)
    if fails:
        return f"{CHECK_FAIL} 本表有{fails}处校验未通过，请修改标红的单元格"
    if blanks:
        return f"尚有{blanks}格未填写（没有的请填 0）"
    return f"{CHECK_OK} 本表校验通过"


STATUS_ALL_OK = f"{CHECK_OK} 全部表格校验通过"
STATUS_ALL_TODO = "请按各表第 2 行的提示填写、修改"


def overall_formula(sheets: list[str]) -> str:
    conds = ",".join(f"LEFT('{s}'!A2,1)=\"{CHECK_OK}\"" for s in sheets)
    return f'=IF(AND({conds}),"{STATUS_ALL_OK}","{STATUS_ALL_TODO}")'


def overall_value(statuses: list[str]) -> str:
    return STATUS_ALL_OK if all(s.startswith(CHECK_OK) for s in statuses) else STATUS_ALL_TODO
