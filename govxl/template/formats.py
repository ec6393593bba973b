"""Every cell format of the workbook, built once per workbook and looked up by role.

XlsxWriter wants one ``Format`` object per distinct look; building them per cell bloats the
file and hides inconsistencies. Locking follows the Excel model: everything is locked except the
roles marked as inputs, and locking only takes effect because every sheet is protected.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

FONT = "宋体"
"""SimSun: present on every Chinese Windows, mapped to a CJK font by WPS and LibreOffice."""

INPUT_FILL = "#FFF7D6"
FAIL_FILL = "#F8C9C4"
FAIL_FONT = "#9C0006"
WARN_FILL = "#FFE08A"
WARN_FONT = "#7F4F00"
OK_FONT = "#006100"
NOTE_FONT = "#595959"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
"""A signature date prints as 2026年1月15日 in every locale (not the locale's short date)."""

_BASE: dict[str, Any] = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
_BOX: dict[str, Any] = {**_BASE, "border": 1, "text_wrap": True}

ROLES: dict[str, dict[str, Any]] = {
    "title": {**_BASE, "bold": True, "font_size": 14, "align": "center"},
    "status": {**_BASE, "bold": True, "align": "left"},
    "header": {**_BOX, "align": "center", "bold": True},
    "corner": {**_BOX, "align": "center", "font_size": 10},
    "block": {**_BOX, "align": "left", "bold": True},
    "row": {**_BOX, "align": "left"},
    "row_group": {**_BOX, "align": "center"},
    "check_head": {**_BOX, "align": "center", "font_size": 9, "font_color": "#555555"},
    "check": {**_BOX, "align": "center", "font_size": 9},
    "computed": {**_BOX, "align": "right", "num_format": "0", "bg_color": "#EDEDED"},
    "computed_money": {**_BOX, "align": "right", "bg_color": "#EDEDED"},
    "input_count": {
        **_BOX,
        "align": "right",
        "num_format": "0",
        "bg_color": INPUT_FILL,
        "locked": False,
    },
    "input_money": {
        **_BOX,
        "align": "right",
        "num_format": "General",
        "bg_color": INPUT_FILL,
        "locked": False,
    },
    "input_delta": {
        **_BOX,
        "align": "right",
        "num_format": "+0;-0;0",
        "bg_color": INPUT_FILL,
        "locked": False,
    },
    "fixed_count": {**_BOX, "align": "right", "num_format": "0"},
    "fixed_money": {**_BOX, "align": "right"},
    "fixed_delta": {**_BOX, "align": "right", "num_format": "+0;-0;0"},
    "label": {**_BOX, "align": "left", "bold": True},
    "fixed": {**_BOX, "align": "left"},
    "input_text": {**_BOX, "align": "left", "bg_color": INPUT_FILL, "locked": False},
    "text_area": {
        **_BASE,
        "border": 1,
        "text_wrap": True,
        "valign": "top",
        "bg_color": INPUT_FILL,
        "locked": False,
    },
    "fixed_text_area": {**_BASE, "border": 1, "text_wrap": True, "valign": "top"},
    "guide": {**_BASE, "text_wrap": True, "valign": "top"},
    "guide_head": {**_BASE, "bold": True, "font_size": 12},
    "input_date": {
        **_BOX,
        "align": "left",
        "num_format": DATE_FORMAT,
        "bg_color": INPUT_FILL,
        "locked": False,
    },
    "fixed_date": {**_BOX, "align": "left", "num_format": DATE_FORMAT},
    "sign": {**_BASE, "align": "left", "text_wrap": True, "font_size": 10.5},
    "note": {**_BASE, "align": "left", "text_wrap": True, "font_size": 9, "font_color": NOTE_FONT},
    "fail": {"bg_color": FAIL_FILL, "font_color": FAIL_FONT},
    "warn": {"bg_color": WARN_FILL, "font_color": WARN_FONT},
    "ok": {"font_color": OK_FONT},
    "hint": {"font_color": NOTE_FONT, "italic": True},
    "plain": dict(_BASE),
}


class Formats:
    """The registry: ``fmt["header"]`` returns the one Format for that role."""

    def __init__(self, wb: Workbook) -> None:
        self._formats = {role: wb.add_format(props) for role, props in ROLES.items()}

    def __getitem__(self, role: str) -> Format:
        return self._formats[role]
