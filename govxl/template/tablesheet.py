"""One official table on its sheet: labels, inputs with their validation and marks, totals, the
checks beside the table, the live status line above it, and a print setup that puts the official
table alone on one A4 page.

Rows from the top: the status line (on screen only), the title, the 填报单位 line, the table. The
printed area is the title, that line and the table: the checks lie right of it or below it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlsxwriter.worksheet import Worksheet

from govxl.dates import date_text
from govxl.forms import Cell, CellType, formulas
from govxl.forms.compute import CHECK_FAIL, CHECK_NOTE, CHECK_OK, CHECK_WARN
from govxl.forms.layout import SIGN_ROW, STATUS_ROW, TITLE_ROW, SheetLayout, a1, layout
from govxl.forms.workbook import open_unit_note
from govxl.template.sheetxml import lines_needed

if TYPE_CHECKING:
    from govxl.template.builder import Builder

PORTRAIT_WIDTH = 100.0
"""Widest table (in column units) that still fits an A4 portrait page at a readable size."""

INPUT_ROLE = {
    CellType.COUNT: "input_count",
    CellType.MONEY: "input_money",
    CellType.DELTA: "input_delta",
    CellType.TEXT: "input_text",
}
FIXED_ROLE = {
    CellType.COUNT: "fixed_count",
    CellType.MONEY: "fixed_money",
    CellType.DELTA: "fixed_delta",
    CellType.TEXT: "fixed",
}
PROMPT_TITLE_MAX = 32
"""Excel cuts an input prompt's title at 32 characters."""


def validation(ctype: CellType, unit: str) -> dict[str, Any]:
    """The data validation of an input cell: its range is the type's (``CellType.bounds``)."""
    lo, hi = ctype.bounds
    if ctype is CellType.MONEY:
        where = f"单位：{unit}，" if unit else ""
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "input_message": f"请填写金额数字（{where}不带单位），没有的请填 0。",
            "error_message": "这里只能填写不小于 0 的数字，不要带“元”“万元”等单位。",
        }
    if ctype is CellType.DELTA:
        return {
            "validate": "integer",
            "criteria": "between",
            "minimum": int(lo),
            "maximum": int(hi),
            "input_message": "填写增减的数目：增加填正数，减少填负数（如 -59），没有变化填 0。",
            "error_message": "这里只能填写整数，减少请填负数（如 -59），不要写“减”字。",
        }
    return {
        "validate": "integer",
        "criteria": "between",
        "minimum": int(lo),
        "maximum": int(hi),
        "input_message": "请填写不小于 0 的整数；没有的请填 0。",
        "error_message": "这里只能填写不小于 0 的整数（件数）。没有的请填 0。",
    }


def prompt_title(label: str) -> str:
    """A row label as an input prompt's title: whole, or cut after a punctuation mark with "…"
    (never in the middle of a word) when it is longer than Excel shows."""
    if len(label) <= PROMPT_TITLE_MAX:
        return label
    head = label[: PROMPT_TITLE_MAX - 1]
    cut = max(head.rfind(p) for p in "、，；（")
    return (head[:cut] if cut > 8 else head) + "…"


def write_table(b: Builder, table_id: str) -> None:
    lay = layout(b.form, table_id, b.ret.year)
    table_width = sum(lay.widths[: lay.table_last_col + 1])
    ws = b.sheet(lay.table.sheet, landscape=table_width > PORTRAIT_WIDTH)
    b.table_sheets.append(lay.table.sheet)
    for col, width in enumerate(lay.widths):
        ws.set_column(col, col, width)
    _boxes(b, ws, lay)
    _cells(b, ws, lay)
    _checks(b, ws, lay)
    _status(b, ws, lay)
    _sign(b, ws, lay)
    ws.set_row(TITLE_ROW, 26)
    ws.print_area(TITLE_ROW, 0, lay.table_last_row, lay.table_last_col)
    ws.repeat_rows(TITLE_ROW, lay.header_rows[1])
    ws.fit_to_pages(1, 1)
    ws.freeze_panes(lay.header_rows[1] + 1, 0)
    b.protect(ws)


def _boxes(b: Builder, ws: Worksheet, lay: SheetLayout) -> None:
    heights: dict[int, float] = {}
    for box in lay.boxes:
        role = {
            "row": "row_group" if box.last_row > box.row else "row",
            "check": "check_head",
        }.get(box.role, box.role)
        if box.merged:
            ws.merge_range(box.row, box.col, box.last_row, box.last_col, box.text, b.fmt[role])
        else:
            ws.write_string(box.row, box.col, box.text, b.fmt[role])
        if box.row == box.last_row and box.role != "title":
            width = sum(lay.widths[box.col : box.last_col + 1]) or 10
            size = 9 if box.role == "check" else 11
            lines = lines_needed(box.text, width * 11 / size)
            heights[box.row] = max(heights.get(box.row, 0), (size + 4) * lines + 3)
    for row, height in heights.items():
        if height > 18:
            ws.set_row(row, height)


def _cells(b: Builder, ws: Worksheet, lay: SheetLayout) -> None:
    # One validation per distinct rule (type and prompt, mostly one per row), not one per
    # cell: a sheet's validations were two thirds of its XML, read again in every return.
    validations: dict[tuple[tuple[str, Any], ...], list[tuple[int, int]]] = {}
    for cell in b.form.table_cells(lay.table.id):
        row, col = lay.cells[cell.id]
        span = lay.spans.get(cell.id, 0)
        if cell.computed:
            inst = b.form.definition_of(cell.id)
            role = "computed_money" if cell.type is CellType.MONEY else "computed"
            cached = num(b.totals.get(cell.id))
            ws.write_formula(row, col, formulas.define_formula(inst, lay), b.fmt[role], cached)
            continue
        hook = b.input_hook(cell.id) if b.input_hook else None
        fmt = b.fmt[(INPUT_ROLE if hook is None else FIXED_ROLE)[cell.type]]
        if span:
            ws.merge_range(row, col, row, col + span, "", fmt)
        if hook is not None:
            ws.write_formula(row, col, hook, fmt, num(b.totals.get(cell.id)))
            continue
        b.write_value(ws, row, col, b.ret.values.get(cell.id), fmt)
        validations.setdefault(_validation(b, cell), []).append((row, col))
    for rules_items, cells in validations.items():
        rules = dict(rules_items)
        if len(cells) > 1:
            rules["multi_range"] = " ".join(b.ranges(cells))
        ws.data_validation(*cells[0], *cells[0], rules)
    for ctype, (r0, c0, r1, c1) in formulas.input_rects(b.form, lay):
        mark = formulas.cell_mark_formula(ctype, a1(r0, c0))
        ws.conditional_format(
            r0, c0, r1, c1, {"type": "formula", "criteria": mark, "format": b.fmt["fail"]}
        )


def _validation(b: Builder, cell: Cell) -> tuple[tuple[str, Any], ...]:
    """An input cell's data validation, with its row named in the prompt."""
    label = cell.labels(b.ret.year)[0]
    open_unit = cell in b.form.open_unit_cells()
    rules = validation(cell.type, b.ret.money_unit if open_unit else "")
    if prompt_title(label) != label:
        rules["input_message"] = f"{label}：{rules['input_message']}"
    rules.update(
        input_title=prompt_title(label),
        error_title="输入有误",
        error_type="stop",
        show_input=True,
        show_error=True,
    )
    return tuple(rules.items())


def _checks(b: Builder, ws: Worksheet, lay: SheetLayout) -> None:
    by_key = {i.key: i for i in b.form.instances}
    shown = formulas.check_values(b.form, lay, b.values, b.noted, b.ret.year)
    for key, (row, col) in lay.checks.items():
        inst = by_key[key]
        ws.write_formula(
            row,
            col,
            formulas.check_formula(b.form, inst, lay, b.ret.year),
            b.fmt["check"],
            shown[key],
        )
    for r0, c0, r1, c1 in formulas.rects(list(lay.checks.values())):
        severity_marks(ws, r0, c0, r1, c1, b)
    for box in lay.boxes:
        if box.role == "check" and box.col == 0:
            ws.set_row(box.row, 48)


def severity_marks(ws: Worksheet, r0: int, c0: int, r1: int, c1: int, b: Builder) -> None:
    """Colour a check or status cell by how it starts: × red, △ amber, 提示 grey, √ green."""
    for prefix, role in (
        (CHECK_FAIL, "fail"),
        (CHECK_WARN, "warn"),
        (CHECK_NOTE, "hint"),
        (CHECK_OK, "ok"),
    ):
        ws.conditional_format(
            r0,
            c0,
            r1,
            c1,
            {"type": "text", "criteria": "begins with", "value": prefix, "format": b.fmt[role]},
        )


def _status(b: Builder, ws: Worksheet, lay: SheetLayout) -> None:
    status = formulas.status_value(b.form, lay, b.values, b.noted, b.ret.year, raw=b.ret.values)
    b.statuses.append(status)
    ws.merge_range(STATUS_ROW, 0, STATUS_ROW, lay.last_col, "", b.fmt["status"])
    ws.write_formula(STATUS_ROW, 0, formulas.status_formula(b.form, lay), b.fmt["status"], status)
    severity_marks(ws, STATUS_ROW, 0, STATUS_ROW, 0, b)
    ws.set_row(STATUS_ROW, 22)


def _sign(b: Builder, ws: Worksheet, lay: SheetLayout) -> None:
    """The 填报单位 line under the title: live from 基本信息 in a return; what a summary
    covers in a summary. A money unit the district fixed is stated here too."""
    on_sheet = lay.table.id in {c.table for c in b.form.open_unit_cells()}
    note = open_unit_note(b.ret) if on_sheet else ""
    width = sum(lay.widths[: lay.table_last_col + 1])
    narrow = width <= PORTRAIT_WIDTH
    if b.sign_text is not None:
        text = b.sign_text + (f"　（{note}）" if note else "")
        ws.merge_range(SIGN_ROW, 0, SIGN_ROW, lay.table_last_col, text, b.fmt["sign"])
    else:
        info = b.ret.info
        value = formulas.sign_value(
            b.ret.unit_name,
            info.get("contact", ""),
            info.get("phone", ""),
            date_text(info.get("signed")),
            note,
            narrow,
        )
        ws.merge_range(SIGN_ROW, 0, SIGN_ROW, lay.table_last_col, "", b.fmt["sign"])
        ws.write_formula(SIGN_ROW, 0, formulas.sign_formula(note, narrow), b.fmt["sign"], value)
        # typed later, the unit's details change the line: room for a long name, whatever the
        # name now (a personalised copy is the same bytes as the blank one but for the name)
        text = formulas.sign_value("单" * 20, "单" * 4, "0" * 13, "2026年12月31日", note, narrow)
    b.grow_row(ws, SIGN_ROW, max(20, 15 * lines_needed(text, width) + 4))


def num(value: object) -> int | float | str:
    """A cached formula result as XlsxWriter writes it."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return ""
