"""The sheets around the tables: 基本信息, 文字部分, 说明 and the very hidden identity sheet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from govxl import __version__
from govxl.dates import parse_date
from govxl.forms import formulas
from govxl.forms.layout import layout
from govxl.forms.returns import INFO_FIELDS
from govxl.forms.workbook import (
    ID_KEYS,
    NOTE_FIRST_ROW,
    NOTE_ROWS,
    SHEET_ID,
    SHEET_INFO,
    SHEET_MARKS,
    SHEET_NOTES,
    SHEET_TEXT,
    form_label,
    info_cell,
    text_cells,
)
from govxl.template.sheetxml import dimension, lines_needed, rows_xml
from govxl.template.tablesheet import severity_marks

if TYPE_CHECKING:
    from govxl.template.builder import Builder

DATE_VALIDATION = {
    "validate": "date",
    "criteria": "between",
    "minimum": parse_date("2019-01-01"),
    "maximum": parse_date("2100-12-31"),
    "input_title": "落款日期",
    "input_message": "请填写报告的落款日期，如 2026-1-15，显示为 2026年1月15日。",
    "error_title": "输入有误",
    "error_message": "请填写日期，如 2026-1-15。",
}
TEXT_WIDTH = 80
"""Width of the column the report's texts are typed in."""
TEXT_START = {"p1": 220.0, "p5": 140.0, "p6": 140.0}
"""Height (points) a text part's box starts with; the row grows with the text."""


def write_info(b: Builder) -> None:
    ws = b.sheet(SHEET_INFO, landscape=False)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 64)
    ws.merge_range(0, 0, 0, 1, "基本信息", b.fmt["title"])
    ws.set_row(0, 26)
    for key, label, personal in INFO_FIELDS:
        _field(b, ws, key, label, personal)
    row = 3 + len(INFO_FIELDS)
    ws.write_string(row, 0, "校验结果", b.fmt["label"])
    b.info_status = (row, 1)
    if b.coverage:
        ws.write_string(row + 1, 0, "汇总范围", b.fmt["label"])
        ws.write_string(row + 1, 1, b.coverage, b.fmt["fixed"])
        ws.set_row(row + 1, 15 * lines_needed(b.coverage, 64) + 4)


def _field(b: Builder, ws: Worksheet, key: str, label: str, personal: bool) -> None:
    """One line of 基本信息: fixed by the template (the form, a personalised copy's unit) or
    typed by the unit."""
    fixed = {
        "unit_name": b.ret.unit_name,
        "unit_code": b.ret.unit_code,
        "year": b.ret.year,
        "form": form_label(b.form),
    }
    row = info_cell(key)[0]
    ws.write_string(row, 0, label, b.fmt["label"])
    value = fixed.get(key) if key in fixed else b.ret.info.get(key, "")
    locked = key == "form" or (personal and b.personal) or (key == "year" and bool(value))
    if key == "year":
        _year(b, ws, row, value, locked)
    elif key == "signed":
        _signed(b, ws, row, str(value or ""), locked)
    else:
        fmt = b.fmt["fixed" if locked else "input_text"]
        b.write_value(ws, row, 1, str(value) if value else None, fmt)
    if not locked and key == "phone":
        ws.data_validation(
            row,
            1,
            row,
            1,
            {
                "validate": "length",
                "criteria": "<=",
                "value": 40,
                "error_message": "电话号码过长。",
            },
        )
    if key == "form":
        ws.set_row(row, 15 * lines_needed(str(value), 64) + 4)


def _year(b: Builder, ws: Worksheet, row: int, value: object, locked: bool) -> None:
    if value:
        ws.write_number(row, 1, int(str(value)), b.fmt["fixed" if locked else "input_text"])
        return
    ws.write_blank(row, 1, None, b.fmt["input_text"])
    ws.data_validation(
        row,
        1,
        row,
        1,
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": 2019,
            "maximum": 2100,
            "error_message": "请填写四位数的年份，如 2025。",
        },
    )


def _signed(b: Builder, ws: Worksheet, row: int, value: str, locked: bool) -> None:
    """落款日期: a date cell shown as 2026年1月15日, whatever was typed or imported."""
    day = parse_date(value)
    fmt = b.fmt["fixed_date" if locked else "input_date"]
    if day is not None:
        ws.write_datetime(row, 1, day, fmt)
    else:
        b.write_value(ws, row, 1, value or None, fmt)
    if not locked:
        ws.data_validation(row, 1, row, 1, dict(DATE_VALIDATION))


def info_finish(b: Builder) -> None:
    """The overall status needs every table sheet to exist first."""
    ws = b.wb.get_worksheet_by_name(SHEET_INFO)
    assert ws is not None
    row, col = b.info_status
    ws.write_formula(
        row,
        col,
        formulas.overall_formula(b.table_sheets),
        b.fmt["status"],
        formulas.overall_value(b.statuses),
    )
    severity_marks(ws, row, col, row, col, b)
    ws.set_row(row, 20)
    b.protect(ws)


def write_texts(b: Builder) -> None:
    ws = b.sheet(SHEET_TEXT, landscape=False)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, TEXT_WIDTH)
    ws.merge_range(0, 0, 0, 1, "文字部分（报告正文第一、五、六部分）", b.fmt["title"])
    ws.set_row(0, 26)
    places = text_cells(b.form)
    for part in b.form.parts:
        if part.kind != "text":
            continue
        row = places[part.id][0]
        ws.write_string(row, 0, part.title, b.fmt["label"])
        text = b.ret.texts.get(part.id) or None  # not yet written: a blank cell
        role = "text_area" if b.input_hook is None else "fixed_text_area"
        b.write_value(ws, row, 1, text, b.fmt[role])
        needed = 14.5 * lines_needed(text or "", TEXT_WIDTH) + 6
        b.grow_row(ws, row, min(409.0, max(TEXT_START.get(part.id, 140.0), needed)))
    b.protect(ws)


def write_notes(b: Builder) -> None:
    ws = b.sheet(SHEET_NOTES, landscape=False)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 64)
    ws.merge_range(0, 0, 0, 2, "说明（对“核实”类提示的情况说明）", b.fmt["title"])
    ws.merge_range(
        1,
        0,
        1,
        2,
        "校验出现“核实”提示（标黄）而数字确实无误时，请在此写明涉及的规则（如 R9）或"
        "单元格（如 E6）及原因；写明后，表中的提示变为“√ 已说明”，审核时视为已说明。",
        b.fmt["guide"],
    )
    ws.set_row(1, 34)
    ws.repeat_rows(2)
    for col, head in enumerate(("序号", "涉及的规则或单元格", "情况说明")):
        ws.write_string(2, col, head, b.fmt["header"])
    for i in range(NOTE_ROWS):
        ref, text = b.ret.notes[i] if i < len(b.ret.notes) else ("", "")
        row = NOTE_FIRST_ROW + i
        ws.write_number(row, 0, i + 1, b.fmt["fixed"])
        # an empty note is a blank cell, not an empty string (which COUNTA would count)
        b.write_value(ws, row, 1, ref or None, b.fmt["input_text"])
        b.write_value(ws, row, 2, text or None, b.fmt["input_text"])
        b.grow_row(ws, row, max(22.0, 14.5 * lines_needed(text or "", 64) + 6))
    b.protect(ws)


def write_marks(b: Builder) -> None:
    """Each input's mark, 1 or 0, on a very hidden sheet: the status lines and the checks add
    them up (``forms.formulas.marked_sum``). govxl's reader never opens this sheet."""
    ws = b.wb.add_worksheet(SHEET_MARKS)
    ws.write_string(0, 0, "本表由模板自动计算，请勿修改。")
    for table in b.form.tables:
        lay = layout(b.form, table.id, b.ret.year)
        for cid, (row, col) in lay.helpers.items():
            cell = b.form.cells[cid]
            at = f"{formulas.sheet_ref(table.sheet)}!{lay.a1(cid)}"
            marked = formulas.cell_marked(b.ret.values.get(cid), cell.type)
            ws.write_formula(row, col, formulas.helper_formula(cell.type, at), None, int(marked))
    ws.protect("", {})
    ws.very_hidden()


def write_identity(b: Builder) -> None:
    ws = b.wb.add_worksheet(SHEET_ID)
    values = {
        "form": b.form.id,
        "form_digest": b.form.digest,
        "form_title": b.form.title,
        "unit_code": b.ret.unit_code,
        "unit_name": b.ret.unit_name,
        "year": str(b.ret.year or ""),
        "kind": b.ret.kind,
        "level": b.ret.level,
        "generated": b.generated.isoformat(timespec="seconds"),
        "govxl_version": __version__,
        "money_unit": b.ret.money_unit,
    }
    for i, key in enumerate(ID_KEYS):
        ws.write_string(i, 0, key)
        ws.write_string(i, 1, values[key])
    members = [("member", m.code, m.name, m.sha256, m.file, m.via) for m in b.ret.members]
    if members:  # a summary's units, thousands of them: streamed as XML, not cell by cell
        first = len(ID_KEYS) + 1
        b.row_patches[SHEET_ID] = lambda: (
            rows_xml(members, first, [0] * 6),
            dimension(first, len(members), 6),
        )
    ws.protect("", {})
    ws.very_hidden()
