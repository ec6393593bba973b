"""A readable summary of a workbook's structure, for golden comparisons and assertions.

Compares what matters to a clerk and to our reader — sheets, merges, formulas, which cells are
unlocked, validations, protection — and nothing that varies between writers (bytes, styles ids).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange

from govxl.forms.workbook import SHEET_ID


def structure(path: Path) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {
        "sheets": [ws.title for ws in wb.worksheets],
        "lock_structure": bool(wb.security and wb.security.lockStructure),
    }
    for ws in wb.worksheets:
        formulas = {}
        unlocked = []
        hidden = {
            c.coordinate
            for r in ws.merged_cells.ranges
            for row in ws[r.coord]
            for c in row
            if c.coordinate != r.start_cell.coordinate
        }
        labels = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas[cell.coordinate] = cell.value
                elif isinstance(cell.value, str) and cell.value:
                    labels[cell.coordinate] = cell.value
                if cell.coordinate in hidden:
                    continue
                if cell.protection is not None and not cell.protection.locked:
                    unlocked.append(cell.coordinate)
        out[ws.title] = {
            "state": ws.sheet_state,
            "protected": bool(ws.protection.sheet),
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "formulas": formulas,
            "unlocked": unlocked,
            "labels": labels,
            "validations": sorted(
                (
                    str(dv.sqref),
                    dv.type or "",
                    dv.operator or "",
                    str(dv.formula1 or ""),
                    str(dv.formula2 or ""),
                )
                for dv in ws.data_validations.dataValidation
            ),
        }
    wb.close()
    _unversioned(out)
    return out


def _unversioned(out: dict[str, Any]) -> None:
    """The identity sheet names the govxl version that wrote it: a release is not a change of
    structure, so goldens hold ``{version}`` there (as XlsxWriter's comparisons drop dates)."""
    labels = out.get(SHEET_ID, {}).get("labels", {})
    for where, text in list(labels.items()):
        if text == "govxl_version":
            labels[where.replace("A", "B", 1)] = "{version}"


def covered(sqref: str) -> frozenset[str]:
    """The cells of a range list (``"D6:F6 D8"``), however a writer chose to spell it."""
    return frozenset(
        f"{get_column_letter(col)}{row}"
        for r in MultiCellRange(sqref).ranges
        for row, col in r.cells
    )
