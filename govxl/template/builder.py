"""The state of one workbook being written, and what every sheet of it shares.

``govxl.template.writer.render`` drives a ``Builder`` through the sheets (table sheets in
:mod:`govxl.template.tablesheet`, the others in :mod:`govxl.template.infosheets`); the merge adds
its own sheets to it. Every sheet prints on A4 as a clerk expects: 宋体, the unit and the sheet's
name in the page header, "第 1 页，共 2 页" in the footer, fitted to the page width.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from govxl import __version__
from govxl.forms.compute import Value, as_read, compute
from govxl.forms.layout import a1
from govxl.forms.notes import noted
from govxl.forms.returns import Return
from govxl.template.formats import FONT, Formats
from govxl.template.zippatch import Rows, patch_workbook

InputHook = Callable[[str], str | None]
"""For the summary: a cell id → a formula to write instead of the input value (or None)."""


def _escape_header(text: str) -> str:
    return text.replace("&", "&&")


def _ranges(cells: list[tuple[int, int]]) -> list[str]:
    """Cells as A1 ranges, each run of neighbours in a row as one (``D6:J6``), in input order."""
    out: list[str] = []
    run: list[tuple[int, int]] = []
    for row, col in cells + [(-1, -1)]:
        if run and (row != run[-1][0] or col != run[-1][1] + 1):
            (r0, c0), (r1, c1) = run[0], run[-1]
            out.append(a1(r0, c0) if c0 == c1 else f"{a1(r0, c0)}:{a1(r1, c1)}")
            run = []
        run.append((row, col))
    return out


def page_setup(
    ws: Worksheet, *, landscape: bool, header_left: str = "", title: str = "", heading: str = ""
) -> None:
    """A4, fitted to the page width, centred; the unit and the sheet's name (``title``) in the
    page header, a ``heading`` centred above them when the sheet has no title of its own."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.8, bottom=0.6)
    font = f'&"{FONT},Regular"'
    left = f"&L{font}{_escape_header(header_left)}" if header_left else ""
    centre = f'&C&"{FONT},Bold"&12 {_escape_header(heading)}' if heading else ""
    ws.set_header(f"{left}{centre}&R{font}{_escape_header(title or ws.name)}")
    ws.set_footer(f"&C{font}第 &P 页，共 &N 页")


class Builder:
    """Writes the sheets of one workbook; ``render()`` drives it, the merge extends it."""

    def __init__(self, ret: Return, *, generated: datetime, input_hook: InputHook | None = None):
        self.ret = ret
        self.form = ret.form
        self.generated = generated
        self.input_hook = input_hook
        self.totals = compute(self.form, ret.values)
        """Every cell as the workbook's SUMs make it (a number out of its type counts too)."""
        self.values = compute(self.form, as_read(self.form, ret.values))
        """Every cell as govxl reads it: what the checks are evaluated on."""
        self.noted = noted(ret.notes)
        self.buf = io.BytesIO()
        self.wb = Workbook(
            self.buf,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "default_format_properties": {"font_name": FONT, "font_size": 11},
            },
        )
        self.wb.set_properties(
            {
                "title": self.title(),
                "author": "govxl",
                "created": generated,
                "comments": f"govxl {__version__}",
            }
        )
        self.wb.set_calc_mode("auto")
        self.fmt = Formats(self.wb)
        self.personal = bool(ret.unit_code)
        self.statuses: list[str] = []
        self.table_sheets: list[str] = []
        self.info_status = (0, 0)
        self.sign_text: str | None = None
        """What the line under each table's title says instead of the 填报单位 line (a summary:
        what it covers)."""
        self.coverage = ""
        """A summary's coverage, on 基本信息 below the status."""
        self.row_patches: dict[str, Callable[[], Rows]] = {}
        """Sheet name → (rows XML, dimension) appended after XlsxWriter closes (see
        ``lock_structure``): for the summary's 明细, thousands of plain rows."""
        self.growing: dict[str, set[int]] = {}
        """Sheet name → rows whose height is only where they start: they grow with the text."""
        self.compress_level: int | None = None
        """Deflate level of the output; None is zlib's default (a summary uses 1: speed)."""

    def title(self) -> str:
        year = f"{self.ret.year}年" if self.ret.year else ""
        who = self.ret.unit_name or ""
        return f"{who}{year}政府信息公开工作年度报告数据"

    # ------------------------------------------------------------ sheets

    def sheet(self, name: str, *, landscape: bool = True) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        page_setup(ws, landscape=landscape, header_left=self.ret.unit_name or "")
        ws.hide_gridlines(2)
        return ws

    def protect(self, ws: Worksheet) -> None:
        ws.protect(
            "",
            {
                "format_columns": True,
                "format_rows": True,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )

    def grow_row(self, ws: Worksheet, row: int, height: float) -> None:
        """Start the row at ``height`` but let Excel and LibreOffice grow it with its text (a
        fixed height would cut a long 总体情况 on screen and in print)."""
        ws.set_row(row, height)
        self.growing.setdefault(ws.name, set()).add(row)

    @staticmethod
    def write_value(ws: Worksheet, row: int, col: int, value: Value, fmt: Any) -> None:
        _write_value(ws, row, col, value, fmt)

    @staticmethod
    def ranges(cells: list[tuple[int, int]]) -> list[str]:
        return _ranges(cells)

    def close(self) -> bytes:
        self.wb.close()
        names = {
            ws.name: f"xl/worksheets/sheet{i + 1}.xml" for i, ws in enumerate(self.wb.worksheets())
        }
        parts = {names[name]: make() for name, make in self.row_patches.items()}
        growing = {names[name]: rows for name, rows in self.growing.items()}
        return patch_workbook(
            self.buf.getvalue(), parts, lock=True, level=self.compress_level, growing=growing
        )


def _write_value(ws: Worksheet, row: int, col: int, value: Value, fmt: Any) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    else:
        ws.write_number(row, col, float(value) if isinstance(value, Decimal) else value, fmt)
