"""ODS and legacy XLS: values only, through python-calamine, after our own pre-scan.

Why a pre-scan: calamine trusts the file.  It builds a dense grid for every sheet when the
book is opened (one stray value at IV65536 of an .xls costs ~0.5 GB), and it sizes buffers
from counts, sizes and sector ids read from the file; when such an allocation fails Rust
aborts the whole process, which no ``except`` can catch.  So before calamine sees the bytes
we measure each sheet's extent ourselves (content.xml for .ods, BIFF records for .xls) and
check every CFB structure and BIFF count it would allocate from; .xls macros are hidden from
calamine's VBA parser in an in-memory copy.  Formulas are not available on these paths
(``formulas_known=False``); dates come back as Excel serial numbers flagged ``is_date``, as in
an .xlsx."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import python_calamine as calamine

from .core import Fail, Limits, RawCell, RawSheet, col_letters


@dataclass
class Extent:
    """What calamine will allocate for one sheet: non-empty cells and the bounding box."""

    cells: int = 0
    rows: int = 0
    cols: int = 0
    protected: bool = False

    def grow(self, last_row: int, last_col: int, count: int) -> None:
        self.cells += count
        self.rows = max(self.rows, last_row + 1)
        self.cols = max(self.cols, last_col + 1)


def dense_limit(limits: Limits) -> int:
    """Largest bounding box (rows x cols) we let calamine allocate densely (~32 B a cell)."""
    return max(limits.max_cells_per_sheet * 10, 1_000_000)


def check_extent(label: str, ext: Extent, limits: Limits) -> None:
    if ext.cells > limits.max_cells_per_sheet:
        raise Fail(
            "too-many-cells", f"工作表“{label}”的数据单元格超过 {limits.max_cells_per_sheet} 个"
        )
    if ext.rows * ext.cols > dense_limit(limits):
        raise Fail(
            "too-many-cells",
            f"工作表“{label}”的数据延伸到第 {ext.rows} 行、第 {col_letters(ext.cols)} 列，区域过大",
        )


def open_book(data: bytes, fmt: str) -> calamine.CalamineWorkbook:
    """Open with calamine; its errors and Rust panics (pyo3's PanicException is a
    BaseException) become the format's own code."""
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise Fail("encrypted") from exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        if fmt == "xls":
            raise Fail("legacy-xls", "表格数据无法解析") from exc
        raise Fail("corrupt-file", "表格数据无法解析") from exc


def _state(visible: object) -> str:
    if visible == calamine.SheetVisibleEnum.Hidden:
        return "hidden"
    return "veryHidden" if visible == calamine.SheetVisibleEnum.VeryHidden else "visible"


def calamine_sheets(
    book: calamine.CalamineWorkbook,
    wanted: set[str] | None,
    limits: Limits,
    protected: list[bool],
) -> dict[str, RawSheet]:
    """Sheets in calamine's order, which is the file's order, as is ``protected``."""
    out: dict[str, RawSheet] = {}
    for index, meta in enumerate(book.sheets_metadata):
        label = meta.name
        locked = protected[index] if index < len(protected) else False
        sheet = RawSheet(label, _state(meta.visible), locked)
        if wanted is not None and label not in wanted:
            sheet.loaded = False
        elif meta.typ == calamine.SheetTypeEnum.WorkSheet:
            _fill(sheet, book.get_sheet_by_name(label), limits)
        out[label] = sheet
    return out


def _fill(sheet: RawSheet, grid: calamine.CalamineSheet, limits: Limits) -> None:
    """Copy non-empty values; offsets come from ``end`` so either grid origin works."""
    rows = grid.to_python()
    if not rows or grid.end is None:
        return
    end_row, end_col = grid.end
    first_row = end_row - len(rows) + 2  # 1-based
    for r, values in enumerate(rows, first_row):
        first_col = end_col - len(values) + 2
        for c, value in enumerate(values, first_col):
            cell = _cell(value)
            if cell is None:
                continue
            sheet.cells[col_letters(c) + str(r)] = cell
            sheet.max_row, sheet.max_col = max(sheet.max_row, r), max(sheet.max_col, c)
            if len(sheet.cells) > limits.max_cells_per_sheet:
                raise Fail(
                    "too-many-cells",
                    f"工作表“{sheet.name}”的数据单元格超过 {limits.max_cells_per_sheet} 个",
                )


_EPOCH = datetime(1899, 12, 30)


def _cell(value: object) -> RawCell | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return RawCell(value, None, "b")
    if isinstance(value, int):
        return RawCell(value, None, "n")
    if isinstance(value, float):
        integral = value.is_integer() and abs(value) < 2**53
        return (
            RawCell(int(value) if integral else value, None, "n")
            if math.isfinite(value)
            else RawCell(str(value), None, "s")
        )
    if isinstance(value, str):
        return RawCell(value, None, "s")
    if isinstance(value, datetime):
        days = (value.replace(tzinfo=None) - _EPOCH) / timedelta(days=1)
    elif isinstance(value, date):
        days = float((value - _EPOCH.date()).days)
    elif isinstance(value, time):
        days = (
            value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        ) / 86400
    elif isinstance(value, timedelta):
        days = value / timedelta(days=1)
    else:
        return RawCell(str(value), None, "s")
    # the serial number Excel would store, flagged: the cell shows a date or time (.ods
    # office:date-value / time-value, an .xls cell with a date format)
    return RawCell(int(days) if days.is_integer() else days, None, "n", True)
