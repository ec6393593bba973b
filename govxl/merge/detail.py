"""The 明细 sheet: one row per unit, one column per input cell — the summary's ground truth.

Every figure on a summary's tables is ``SUM`` over a column of this sheet, so a reader can follow
any total to the units behind it. Cell ids sit in a hidden header row, so a summary can be read
back exactly (for a roll-up one level up, or as last year's figures) without matching labels.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from types import NoneType

from xlsxwriter.worksheet import Worksheet

from govxl.check.summary import Contribution
from govxl.forms import CellType, Form
from govxl.forms.compute import Value
from govxl.forms.layout import a1
from govxl.forms.workbook import (
    DETAIL_FIRST,
    DETAIL_FIXED,
    DETAIL_HEAD_ROWS,
    DETAIL_ID_ROW,
    DETAIL_KEYS,
    SHEET_DETAIL,
)
from govxl.template.builder import Builder, page_setup
from govxl.template.sheetxml import row_height
from govxl.xmltext import escape


def column_of(form: Form, cell_id: str) -> int:
    return DETAIL_FIRST + form.input_index()[cell_id]


def sum_formula(form: Form, cell_id: str, n: int) -> str:
    col = column_of(form, cell_id)
    if n == 0:
        return "=0"
    return f"=SUM('{SHEET_DETAIL}'!{a1(DETAIL_HEAD_ROWS, col)}:{a1(DETAIL_HEAD_ROWS + n - 1, col)})"


DETAIL_WIDTHS = (10, 20, 8, 16, 10)
FIGURE_WIDTH = 8
PRINT_SCALE = 0.7
"""明细 prints at about 70%: a form has over a hundred figures to a unit, many pages wide."""


def write_detail(b: Builder, form: Form, rows: list[Contribution], year: int | None) -> None:
    wb = b.wb
    ws = wb.add_worksheet(SHEET_DETAIL)
    base = {"border": 1, "font_name": "宋体", "font_size": 9, "valign": "top"}
    head = wb.add_format(
        {**base, "bold": True, "text_wrap": True, "align": "center", "bg_color": "#DDEBF7"}
    )
    text = wb.add_format(base)
    num = wb.add_format({**base, "num_format": "0"})
    money = text  # the same look: one Format object, so it gets a style index of its own
    tables = {t.id: t.title.split("、", 1)[-1] for t in form.tables}
    for j, label in enumerate(DETAIL_FIXED):
        ws.merge_range(0, j, 2, j, label, head)
        ws.write_string(DETAIL_ID_ROW, j, DETAIL_KEYS[j])
    labels = []
    for cell in form.inputs():
        col = column_of(form, cell.id)
        row_label, col_label = cell.labels(year)
        ws.write_string(0, col, tables[cell.table], head)
        ws.write_string(1, col, row_label, head)
        ws.write_string(2, col, col_label, head)
        ws.write_string(DETAIL_ID_ROW, col, cell.id)
        labels.append((row_label, col_label))
    ws.set_row(0, max(row_height([t], [FIGURE_WIDTH], 9) for t in tables.values()))
    ws.set_row(1, max(row_height([r], [FIGURE_WIDTH], 9) for r, _ in labels))
    ws.set_row(2, max(row_height([c], [FIGURE_WIDTH], 9) for _, c in labels))
    ws.set_row(DETAIL_ID_ROW, None, None, {"hidden": True})
    # Make sure each cell format gets its style index, then render the data rows as XML.
    ws.write_string(DETAIL_ID_ROW, 0, "code", text)
    ws.write_string(DETAIL_ID_ROW, DETAIL_FIRST, form.inputs()[0].id, num)
    b.row_patches[SHEET_DETAIL] = lambda: detail_rows(form, rows, text, num, money)
    for j, width in enumerate(DETAIL_WIDTHS):
        ws.set_column(j, j, width)
    last = DETAIL_FIRST + len(form.inputs()) - 1
    ws.set_column(DETAIL_FIRST, last, FIGURE_WIDTH)
    ws.freeze_panes(DETAIL_HEAD_ROWS, 2)
    ws.autofilter(DETAIL_ID_ROW, 0, DETAIL_ID_ROW + max(len(rows), 1), last)
    _print_setup(ws, form, b.ret.unit_name)
    ws.protect(
        "",
        {
            "autofilter": True,
            "sort": True,
            "format_columns": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )


def _print_setup(ws: Worksheet, form: Form, who: str) -> None:
    """Landscape A4 at about 70%, the headings and each unit's code and name on every page."""
    page_setup(ws, landscape=True, header_left=who, title=SHEET_DETAIL, heading="各单位明细数据")
    width = sum(DETAIL_WIDTHS) + FIGURE_WIDTH * len(form.inputs())
    page = 130 / PRINT_SCALE - sum(DETAIL_WIDTHS[:2])  # what a page holds beside the names
    ws.fit_to_pages(max(1, math.ceil((width - sum(DETAIL_WIDTHS[:2])) / page)), 0)
    ws.repeat_rows(0, 2)
    ws.repeat_columns(0, 1)


def detail_rows(
    form: Form,
    rows: list[Contribution],
    text,
    num,
    money,
) -> tuple[Iterator[str], str]:
    """The member rows of 明细 as sheet XML (one string per row, made as it is written), and
    the sheet's dimension."""

    st, sn, sm = text.xf_index, num.xf_index, money.xf_index
    if None in (st, sn, sm):
        raise RuntimeError("明细 formats were not used before closing")
    letters = [a1(0, col)[:-1] for col in range(DETAIL_FIRST + len(form.inputs()))]
    ids = list(form.input_index())
    last = a1(DETAIL_HEAD_ROWS + max(len(rows), 1) - 1, len(letters) - 1)
    return _rows_xml(rows, ids, letters, st, sn, sm), f"A1:{last}"


def _other(ref: str, v: Value, st: int, sn: int, sm: int) -> str:
    if isinstance(v, Decimal):
        return f'<c r="{ref}" s="{sm}"><v>{float(v)!r}</v></c>'
    if v is None:
        return f'<c r="{ref}" s="{sn}"/>'
    return (
        f'<c r="{ref}" s="{st}" t="inlineStr"><is><t xml:space="preserve">'
        f"{escape(str(v))}</t></is></c>"
    )


_UNSEEN = ("", ())
"""A row pattern not met yet (``None`` is a pattern that has no template)."""


def _row_template(
    types: tuple[type, ...], letters: list[str], sn: int, sm: int
) -> tuple[str, tuple[int, ...]] | None:
    """A row's figures as one template, for rows of counts, blanks and money: "\0" stands for
    the row number, %d for a count, %s for money (written as its float), and a blank is just
    a styled cell. Also the places of the money among the figures. None for other values
    (text, True): those rows go cell by cell."""
    parts: list[str] = []
    money: list[int] = []
    for col, t in zip(letters, types, strict=True):
        if t is int:
            parts.append(f'<c r="{col}\0" s="{sn}"><v>%d</v></c>')
        elif t is Decimal:
            money.append(len(parts) - types[: len(parts)].count(NoneType))  # among the non-blank
            parts.append(f'<c r="{col}\0" s="{sm}"><v>%s</v></c>')
        elif t is NoneType:
            parts.append(f'<c r="{col}\0" s="{sn}"/>')
        else:
            return None
    return "".join(parts), tuple(money)


def _rows_xml(
    rows: list[Contribution], ids: list[str], letters: list[str], st: int, sn: int, sm: int
) -> Iterator[str]:
    value_letters = letters[DETAIL_FIRST : DETAIL_FIRST + len(ids)]
    # A row is two C-level string operations on a template (see _row_template), one per
    # pattern of value types: units mostly share a few patterns, so rows cost little Python.
    templates: dict[tuple[type, ...], tuple[str, tuple[int, ...]] | None] = {}
    for i, c in enumerate(rows):
        r = DETAIL_HEAD_ROWS + i + 1
        cells = []
        m = c.member
        for j, v in enumerate((m.code, m.name, m.via, m.file, m.sha256)):
            if not v:  # an empty text is a blank cell, as spreadsheet programs write it
                cells.append(f'<c r="{letters[j]}{r}" s="{st}"/>')
                continue
            cells.append(
                f'<c r="{letters[j]}{r}" s="{st}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
            )
        values = tuple(map(c.values.get, ids))
        types = tuple(map(type, values))
        template = templates.get(types, _UNSEEN)
        if template is _UNSEEN:
            template = _row_template(types, value_letters, sn, sm)
            if len(templates) < 1024:  # bounded: a pattern per unit at worst
                templates[types] = template
        if template is not None:
            text, money = template
            args = [v for v in values if v is not None]
            for k in money:
                args[k] = repr(float(args[k]))
            cells.append(text.replace("\0", str(r)) % tuple(args))
        else:  # text or True among the figures: cell by cell
            cells += [
                f'<c r="{col}{r}" s="{sn}"><v>{v}</v></c>'
                if v.__class__ is int
                else _other(f"{col}{r}", v, st, sn, sm)
                for col, v in zip(value_letters, values, strict=True)
            ]
        yield f'<row r="{r}">' + "".join(cells) + "</row>"


def total(form: Form, rows: list[Contribution]) -> dict[str, Value]:
    """Exact sums per input cell: integers, money in Decimal, 本年增/减 with its sign."""
    sums: dict[str, Value] = {}
    cells = form.inputs()
    getters = [c.values.get for c in rows]
    for cell in cells:
        zero: int | Decimal = Decimal(0) if cell.type is CellType.MONEY else 0
        column = [get(cell.id) for get in getters]
        if set(map(type, column)) <= _COUNTS:  # the usual column: whole numbers, summed in C
            sums[cell.id] = sum(column, zero)  # type: ignore[arg-type]  # ints only, checked
            continue
        # exact classes, not isinstance: True is an int but never a count; floats are not summed
        sums[cell.id] = sum(
            (v for v in column if v.__class__ is int or v.__class__ is Decimal), zero
        )
    return sums


_COUNTS = {int}
