"""The return workbook around the official tables: its sheets and where each field sits.

The template writer puts every field here and the reader looks for it here, so the two cannot
drift apart. The tables' own addresses come from :mod:`govxl.forms.layout`.
"""

from __future__ import annotations

from govxl.forms.model import Form
from govxl.forms.returns import INFO_FIELDS, Return

SHEET_GUIDE = "填报说明"
SHEET_INFO = "基本信息"
SHEET_TEXT = "文字部分"
SHEET_NOTES = "说明"
SHEET_ID = "_govxl"
"""The very hidden identity sheet: which form, unit and year the workbook was made for."""
SHEET_MARKS = "校验标记"
"""The very hidden sheet of each input's mark (1 or 0), beside nothing a clerk reads: govxl's
reader never opens it, so it costs reading a return nothing."""
MARKS_STRIDE = 32
"""Columns per table on the marks sheet: table k's marks mirror its inputs from column 32k."""

NOTE_ROWS = 30
NOTE_FIRST_ROW = 3
"""Row of the first explanation on the 说明 sheet (column B: rule or cell, column C: reason)."""

ID_KEYS = (
    "form",
    "form_digest",
    "form_title",
    "unit_code",
    "unit_name",
    "year",
    "kind",
    "level",
    "generated",
    "govxl_version",
    "money_unit",
)
"""Rows of the identity sheet (column A key, column B value), in this order. New keys go at the
end: a file made before them has a blank row there, then its summary's members."""

MONEY_UNITS = ("元", "万元")
"""What a district may choose for the money cells its form leaves without a unit."""
DEFAULT_MONEY_UNIT = "元"


def info_cell(key: str) -> tuple[int, int]:
    """Where the 基本信息 sheet keeps a field (0-based row, column)."""
    keys = [k for k, _, _ in INFO_FIELDS]
    return 2 + keys.index(key), 1


def form_label(form: Form) -> str:
    """How 基本信息 names the form: its title and basis, never its internal id."""
    return f"{form.title}（{form.basis}）"


def open_unit_note(ret: Return) -> str:
    """The line that states the unit the district chose, for the sheet and the prompt."""
    cells = ret.form.open_unit_cells()
    if not cells or not ret.money_unit:
        return ""
    names = "、".join(dict.fromkeys(c.column_label for c in cells))
    return f"{names}以“{ret.money_unit}”为单位"


def text_cells(form: Form) -> dict[str, tuple[int, int]]:
    """Where the 文字部分 sheet keeps each text part."""
    parts = [p for p in form.parts if p.kind == "text"]
    return {p.id: (2 + i, 1) for i, p in enumerate(parts)}


# The 明细 sheet of a summary: one row per unit counted, one column per input cell.
SHEET_DETAIL = "明细"
SHEET_STATUS = "报送情况"
"""A summary's list of every unit: 已汇总, 未汇总 (with why) or 未报送."""
STATUS_COLUMNS = ("单位代码", "单位名称", "汇总情况", "说明", "文件")
DETAIL_FIXED = ("单位代码", "单位名称", "经由", "文件", "文件校验码")
"""The columns before the figures, as printed; their keys sit in the hidden id row."""
DETAIL_KEYS = ("code", "name", "via", "file", "sha256")
DETAIL_HEAD_ROWS = 4
"""Table, row label, column label, then the hidden row of cell ids."""
DETAIL_ID_ROW = 3
DETAIL_FIRST = len(DETAIL_FIXED)
"""Column of the first figure."""
