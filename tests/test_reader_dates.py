"""Which cells show a date: the number format Excel gave them (issue 13: ``1-2`` in a count).

Excel stores a date as its serial number (2 January 2026 is 46024) and says only through the
cell's number format that it is a date; the reader flags such cells ``is_date``.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest
from test_reader import MAIN_NS, REL_NS, sheet_xml, write_zip, xlsx_parts

from govxl.reader import RawCell, moment, read_workbook
from govxl.reader.styles import is_date_code


@pytest.mark.parametrize(
    ("code", "is_date"),
    [
        ("yyyy-mm-dd", True),
        ('m"月"d"日"', True),
        ('yyyy"年"m"月"d"日"', True),
        ("[$-804]yyyy/m/d;@", True),
        ("h:mm:ss", True),
        ("[h]:mm", True),  # elapsed hours
        ("mmm-yy", True),
        ("General", False),
        ("G/通用格式", False),  # General, as Excel in Chinese names it
        ("0", False),
        ('0"件"', False),
        ('#,##0.00"万元"', False),
        ("[Red]0;[Blue]-0", False),  # the d of Red is a colour
        ('"第"0"天"', False),
        ("0_);(0)", False),
        ("\\d0", False),  # an escaped d is shown as it is
        ("@", False),
        ("0.00E+00", False),
        ("[DBNum1]0", False),  # Chinese numerals
    ],
)
def test_number_formats_that_show_dates(code: str, is_date: bool) -> None:
    assert is_date_code(code) is is_date


STYLES = (
    f'<styleSheet xmlns="{MAIN_NS}"><numFmts count="2">'
    '<numFmt numFmtId="176" formatCode="m&quot;月&quot;d&quot;日&quot;"/>'
    '<numFmt numFmtId="177" formatCode="0&quot;件&quot;"/></numFmts>'
    '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
    '<cellXfs count="8"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/>'
    '<xf numFmtId="177"/><xf numFmtId="58"/><xf numFmtId="49"/><xf numFmtId="22"/>'
    '<xf numFmtId="3"/></cellXfs>'
    '<dxfs count="1"><dxf><numFmt numFmtId="3" formatCode="yyyy"/></dxf></dxfs></styleSheet>'
)


def styled(path: Path, cells: str, *, sst: str | None = None, date1904: bool = False) -> Path:
    parts = xlsx_parts(sheet_xml(cells), sst=sst)
    parts["xl/styles.xml"] = STYLES
    parts["xl/_rels/workbook.xml.rels"] = str(parts["xl/_rels/workbook.xml.rels"]).replace(
        "</Relationships>",
        f'<Relationship Id="rId3" Type="{REL_NS}/styles" Target="styles.xml"/></Relationships>',
    )
    if date1904:
        parts["xl/workbook.xml"] = str(parts["xl/workbook.xml"]).replace(
            "<sheets>", '<workbookPr date1904="1"/><sheets>'
        )
    return write_zip(path, parts)


def test_cells_whose_style_shows_a_date_are_flagged(tmp_path: Path) -> None:
    cells = "".join(f'<c r="{chr(65 + i)}1" s="{i}"><v>46024</v></c>' for i in range(8))
    cells += '<c r="A2" s="1" t="s"><v>0</v></c><c r="B2" t="d"><v>2026-01-02</v></c>'
    sst = f'<sst xmlns="{MAIN_NS}"><si><t>1-2</t></si></sst>'
    path = styled(tmp_path / "日期.xlsx", f'<row r="1">{cells}</row>', sst=sst)
    got = read_workbook(path).sheets["表1"].cells
    flagged = {addr for addr, cell in got.items() if cell.is_date}
    # general, 14, m"月"d"日", 0"件", 58 (Chinese m"月"d"日"), 49 (@), 22, 3 (#,##0)
    assert flagged == {"B1", "C1", "E1", "G1", "B2"}
    assert got["B1"] == RawCell(46024, None, "n", True)
    assert got["B2"] == RawCell(46024, None, "n", True)
    assert got["A2"] == RawCell("1-2", None, "s", False)  # text in a date style stays text


def test_a_workbook_counting_from_1904_says_so(tmp_path: Path) -> None:
    path = styled(tmp_path / "1904.xlsx", '<row r="1"><c r="A1" s="1"><v>44562</v></c></row>')
    assert not read_workbook(path).date1904
    path = styled(
        tmp_path / "mac.xlsx", '<row r="1"><c r="A1" s="1"><v>44562</v></c></row>', date1904=True
    )
    wb = read_workbook(path)
    assert wb.date1904 and wb.sheets["表1"].cells["A1"].is_date
    assert moment(44562, wb.date1904) == datetime(2026, 1, 2)
    assert moment(46024) == datetime(2026, 1, 2)


@pytest.mark.parametrize(
    ("serial", "shown"),
    [
        (1, datetime(1900, 1, 1)),
        (59, datetime(1900, 2, 28)),
        (60, datetime(1900, 2, 28)),  # Excel's 29 February 1900, which never was
        (61, datetime(1900, 3, 1)),
        (46024.75, datetime(2026, 1, 2, 18, 0)),
        (0.5, time(12, 0)),
        (-1, None),
        (1e9, None),
    ],
)
def test_serial_numbers_are_the_dates_excel_shows(serial: float, shown: object) -> None:
    assert moment(serial) == shown
