"""Workbooks saved by Microsoft Excel: read as openpyxl reads them, and never taken for a return.

The 309 files beside the checkout (``shared/real-workbooks/excel-made``, XlsxWriter's reference
files, each saved by Excel) hold what Excel writes and govxl's own files do not: shared and array
formulas, rich text, comments, tables, hidden sheets, protection, dates. govxl must read every one
without a traceback and within its limits; what it uses — values, formulas, sheet protection and
visibility, the structure lock, which numbers are dates — must equal what openpyxl reads.

Where the two differ by design (compared as noted in :func:`openpyxl_view`):

* a formula is ``=…`` in openpyxl, the text after ``=`` in govxl; an array formula is an
  ``ArrayFormula`` object in openpyxl, its text in govxl (on the range's first cell);
* a date is a ``datetime`` in openpyxl, the serial number Excel stores (flagged ``is_date``) in
  govxl; govxl also takes the built-in formats 27–36 and 50–58 for dates (Excel in Chinese
  saves its date formats under those ids), which openpyxl does not know;
* openpyxl leaves Excel's escapes of control characters (``_x001B_``) in the text, but for
  ``_x005F_`` (an escaped underscore), which it deletes wherever it stands; govxl decodes them
  all as Excel shows them (checked against the file's own text);
* an empty string is a value in openpyxl and nothing in govxl (an empty cell).
"""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.formula import ArrayFormula
from workbooks import EXCEL_MADE, excel_made

from govxl.check.read import inspect_file
from govxl.reader import read_workbook

PATHS = sorted(EXCEL_MADE.glob("*.xls[xm]")) if EXCEL_MADE.is_dir() else []
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_the_excel_saved_workbooks_are_all_there() -> None:
    assert len(excel_made()) == 309


def openpyxl_view(path: Path) -> dict[str, object]:
    """What openpyxl reads, in the terms govxl reports it (see the module docstring)."""
    book = _load(path)
    cached: list[openpyxl.Workbook] = []  # formulas' results, loaded only if there are formulas
    lock = book.security is not None and bool(book.security.lockStructure)
    sheets: dict[str, object] = {}
    for ws in book:
        cells: dict[str, tuple[object, str | None, bool]] = {}
        if isinstance(ws, openpyxl.worksheet.worksheet.Worksheet):
            # the cells the file holds (iter_rows would make every cell of the bounding box)
            for cell in list(ws._cells.values()):
                formula = _formula(cell)
                if formula is None:
                    value = cell.value
                else:
                    if not cached:
                        cached.append(_load(path, data_only=True))
                    value = cached[0][ws.title][cell.coordinate].value
                if isinstance(value, datetime | date | time | timedelta):
                    value, dated = to_excel(value, book.epoch), True
                else:
                    dated = False
                if value == "":
                    value = None
                if value is not None or formula is not None:
                    cells[cell.coordinate] = (value, formula, dated)
        sheets[ws.title] = (ws.sheet_state, bool(ws.protection.sheet), cells)
    return {"structure locked": lock, "sheets": sheets}


def _load(path: Path, data_only: bool = False) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "Print area cannot be set to Defined name"
        return openpyxl.load_workbook(path, data_only=data_only)


def _formula(cell: Cell) -> str | None:
    """The formula of a cell (not a string that starts with ``=``, which openpyxl would also
    take for one when it is assigned: ``data_type`` says what the file holds)."""
    if cell.data_type != "f":
        return None
    value = cell.value.text if isinstance(cell.value, ArrayFormula) else cell.value
    return str(value).removeprefix("=")


def govxl_view(path: Path) -> dict[str, object]:
    wb = read_workbook(path)
    sheets: dict[str, object] = {}
    for name, sheet in wb.sheets.items():
        cells = {
            addr: (None if cell.value == "" else cell.value, cell.formula, cell.is_date)
            for addr, cell in sheet.cells.items()
            if cell.value not in (None, "") or cell.formula is not None
        }
        sheets[name] = (sheet.state, sheet.protected, cells)
    return {"structure locked": wb.structure_locked, "sheets": sheets}


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_an_excel_saved_workbook_is_read_as_openpyxl_reads_it(path: Path) -> None:
    ours, theirs = govxl_view(path), openpyxl_view(path)
    escaped = _escaped_texts(path, ours, theirs)
    assert ours == theirs
    assert escaped == (path.name in ESCAPES)


ESCAPES = {
    "escapes09.xlsx",
    "shared_strings01.xlsx",
    "shared_strings02.xlsx",
    "shared_strings03.xlsx",
}
_EXCEL_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def _escaped_texts(path: Path, ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Where the two read a text differently, the file holds Excel's escapes (``_x001B_`` for
    the character U+001B): openpyxl only deletes ``x005F_`` from the text, govxl decodes every
    escape as Excel shows it. Check each such text against the bytes of the file, then take
    openpyxl's cell as read. True when there was one."""
    raw = _shared_strings(path)
    found = False
    for name, (_, _, cells) in theirs["sheets"].items():
        mine = ours["sheets"][name][2]
        for addr, (value, formula, dated) in cells.items():
            text = mine.get(addr, (None,))[0]
            if isinstance(value, str) and isinstance(text, str) and text != value:
                sources = [r for r in raw if r.replace("x005F_", "") == value]
                assert text in {_EXCEL_ESCAPE.sub(_as_shown, r) for r in sources}, sources
                cells[addr] = (text, formula, dated)
                found = True
    return found


def _as_shown(m: re.Match[str]) -> str:
    """One of Excel's escapes decoded; what XML cannot hold (U+FFFE, U+FFFF, half a surrogate
    pair) as U+FFFD, as govxl keeps it, so that it can be written out again."""
    code = int(m[1], 16)
    return "\ufffd" if 0xD800 <= code <= 0xDFFF or code >= 0xFFFE else chr(code)


def _shared_strings(path: Path) -> list[str]:
    """The texts of the shared string table as they stand in the file (ElementTree)."""
    with zipfile.ZipFile(path) as z:
        if "xl/sharedStrings.xml" not in z.namelist():
            return []
        root = ET.fromstring(z.read("xl/sharedStrings.xml"))
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    return ["".join(t.text or "" for t in si.iter(main + "t")) for si in root]


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_an_excel_saved_workbook_is_not_taken_for_a_return(path: Path) -> None:
    res = inspect_file(path)
    assert res.ret is None
    assert [f.code for f in res.findings] == ["not-a-return"]
    message = res.findings[0].message
    assert path.name in message and len(CHINESE.findall(message)) >= 10, message
