"""Rows streamed as sheet XML into an XlsxWriter workbook read like cells XlsxWriter wrote."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from xlsxwriter.workbook import Workbook

from govxl.reader import read_workbook
from govxl.template.sheetxml import dimension, rows_xml, style
from govxl.template.writer import patch_workbook

ROWS = [
    ("U1", '=HYPERLINK("http://x","点我")', 3, None, True),
    ("U2", "含\x07控制字符 & <尖括号>", 0, "", "+1+1"),
    ("U3", "第一行\n第二行", 12345678901, "x", False),
]


def _book(total_row: int | None) -> tuple[bytes, int, int]:
    buf = io.BytesIO()
    wb = Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("表")
    head = wb.add_format({"bold": True})
    cell = wb.add_format({"border": 1})
    for j, h in enumerate(("代码", "名称", "数", "空", "其他")):
        ws.write_string(0, j, h, head)
    if total_row is not None:
        ws.write_string(total_row, 0, "合计", cell)  # below the streamed rows
    wb.close()
    # a format gets a style only if a written cell uses it: without the totals line, the
    # streamed rows take the header's
    return buf.getvalue(), style(head), style(cell if total_row is not None else head)


@pytest.mark.parametrize("total_row", [None, len(ROWS) + 2])
def test_streamed_rows_read_back_as_written(total_row: int | None, tmp_path: Path) -> None:
    data, _, s = _book(total_row)
    rows = {
        "xl/worksheets/sheet1.xml": (rows_xml(ROWS, 1, [s] * 5), dimension(1, len(ROWS) + 2, 5))
    }
    out = patch_workbook(data, rows)
    path = tmp_path / "表.xlsx"
    path.write_bytes(out)
    # govxl's reader undoes Excel's _xHHHH_ escapes as Excel does (openpyxl leaves them)
    cells = read_workbook(path).sheets["表"].cells
    got = [
        tuple(cells[f"{col}{r}"].value if f"{col}{r}" in cells else None for col in "ABCDE")
        for r in (2, 3, 4)
    ]
    assert got == [
        ("U1", '=HYPERLINK("http://x","点我")', 3, None, "True"),
        ("U2", "含\x07控制字符 & <尖括号>", 0, None, "+1+1"),
        ("U3", "第一行\n第二行", 12345678901, "x", "False"),
    ]
    ws = openpyxl.load_workbook(path)["表"]
    # text that looks like a formula is text: an inline string, never <f>
    assert ws["B2"].data_type == "s"
    if total_row is not None:
        assert ws.cell(total_row + 1, 1).value == "合计"
    sheet = zipfile.ZipFile(io.BytesIO(out)).read("xl/worksheets/sheet1.xml").decode()
    numbers = [int(n) for n in re.findall(r'<row r="([0-9]+)"', sheet)]
    assert numbers == sorted(numbers) and len(numbers) == len(set(numbers))
    assert "<f>" not in sheet


def test_a_format_no_written_cell_uses_has_no_style() -> None:
    wb = Workbook(io.BytesIO(), {"in_memory": True})
    unused = wb.add_format({"italic": True})
    wb.add_worksheet("表").write_string(0, 0, "x")
    wb.close()
    with pytest.raises(RuntimeError):
        style(unused)


def test_text_keeps_literal_escapes_carriage_returns_and_fits_a_cell(tmp_path: Path) -> None:
    """As XlsxWriter writes text: a literal ``_x003D_`` stays literal (not "="), a carriage
    return survives XML's line-end rule, and text is cut to the 32,767 units a cell holds."""
    data, _, s = _book(None)
    rows = [("_x003D_1+1", "a\rb", "长" * 40_000, "😀" * 20_000, "")]
    patched = patch_workbook(
        data, {"xl/worksheets/sheet1.xml": (rows_xml(rows, 1, [s] * 5), dimension(1, 1, 5))}
    )
    path = tmp_path / "边界.xlsx"
    path.write_bytes(patched)
    cells = read_workbook(path).sheets["表"].cells
    assert cells["A2"].value == "_x003D_1+1"
    assert cells["B2"].value == "a\rb"
    assert len(cells["C2"].value) == 32_767
    assert len(cells["D2"].value.encode("utf-16-le")) // 2 <= 32_767  # emoji count twice


@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
    | st.from_regex(r"[a-z_]{0,4}_x[0-9A-Fa-f]{4}_[\x00-\x1f\ufffe]?", fullmatch=True)
)
def test_escaping_skips_the_pattern_only_where_it_would_change_nothing(text: str) -> None:
    from govxl.xmltext import _CONTROL, escape

    marked = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escape(text) == _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", marked)
