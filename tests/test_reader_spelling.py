"""A sheet means what an XML parser reads in it, however the program that saved it spelled it.

XML lets a writer spell the same document many ways: ``sheet="1"`` or ``sheet='&#49;'``,
``t="s"`` or ``t="&#115;"``. Excel, WPS and LibreOffice each pick their own; a clerk's return
must be read the same whichever one saved it.
"""

from __future__ import annotations

from pathlib import Path

from test_reader import MAIN_NS, sheet_xml, write_zip, xlsx_parts

from govxl.reader import RawCell, read_workbook

SST = f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>单位名称</t></si></sst>'


def test_a_sheet_resaved_with_character_references_is_read_as_protected(tmp_path: Path) -> None:
    """``sheet="&#49;"`` is ``sheet="1"``: reading it as unprotected would accuse the unit of
    removing the template's protection (a false 工作表保护被取消 finding)."""
    body = '<row r="1"><c r="A1"><v>1</v></c></row>'
    sheet = sheet_xml(body, extra='<sheetProtection sheet="&#49;" objects="1"/>')
    path = write_zip(tmp_path / "保护.xlsx", xlsx_parts(sheet))
    assert read_workbook(path).sheets["表1"].protected


def test_a_shared_string_marked_with_a_character_reference_is_read_as_its_text(
    tmp_path: Path,
) -> None:
    """``t="&#115;"`` is ``t="s"``: the cell holds the first shared string, not the number 0."""
    body = '<row r="1"><c r="A1" t="&#115;"><v>0</v></c><c r="B1"><v>7</v></c></row>'
    path = write_zip(tmp_path / "共享.xlsx", xlsx_parts(sheet_xml(body), sst=SST))
    cells = read_workbook(path).sheets["表1"].cells
    assert cells == {"A1": RawCell("单位名称", None, "s"), "B1": RawCell(7, None, "n")}


def test_a_cell_address_spelled_with_a_character_reference_is_read(tmp_path: Path) -> None:
    """``r="A&#49;"`` is ``r="A1"``: a valid file, not a corrupt one to send back."""
    body = '<row r="1"><c r="A&#49;"><v>5</v></c><c r="B1"><v>6</v></c></row>'
    path = write_zip(tmp_path / "地址.xlsx", xlsx_parts(sheet_xml(body)))
    cells = read_workbook(path).sheets["表1"].cells
    assert cells == {"A1": RawCell(5, None, "n"), "B1": RawCell(6, None, "n")}
