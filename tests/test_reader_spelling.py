"""A sheet means what an XML parser reads in it, however the program that saved it spelled it.

XML lets a writer spell the same document many ways: ``sheet="1"`` or ``sheet='&#49;'``,
``t="s"`` or ``t="&#115;"``. Excel, WPS and LibreOffice each pick their own; a clerk's return
must be read the same whichever one saved it.
"""

from __future__ import annotations

import random
import struct
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from respell import Spelling, respell
from test_reader import MAIN_NS, sheet_xml, write_zip, xlsx_parts
from workbooks import excel_made

from govxl.forms import load_form
from govxl.office import convert
from govxl.reader import RawCell, ReadError, read_workbook
from govxl.samples import random_return
from govxl.template.writer import render

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


def read_cells(path: Path) -> dict[str, RawCell] | str:
    """The cells of 表1, or the code of the ReadError the file gets."""
    try:
        return read_workbook(path).sheets["表1"].cells
    except ReadError as err:
        return err.code


ONE = {"A1": RawCell(1, None, "n")}
SST1 = f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>{{}}</t></si></sst>'
FIRST_STRING = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'


def text(value: str) -> dict[str, RawCell]:
    return {"A1": RawCell(value, None, "s")}


@pytest.mark.parametrize(
    "cells, sst, expected",
    [
        ('<row r="1"><c r="A1"><v>1</v></c></row><?pi <c r="B1"><v>666</v></c>?>', None, ONE),
        (
            '<row r="1"><c r="A1"><v>1</v></c><x:c xmlns:x="' + MAIN_NS + '" r="B1"><x:v>2</x:v>'
            "</x:c></row>",
            None,
            {**ONE, "B1": RawCell(2, None, "n")},
        ),
        (
            '<row r="1"><c r="A1"><v>1<!-- 0 --><![CDATA[2]]></v></c></row>',
            None,
            {"A1": RawCell(12, None, "n")},
        ),
        ('<row r="1"><c r="A1" t="str"><v>a&nbsp;b</v></c></row>', None, "corrupt-file"),
        ('<row r="1"><c r="A1" t="str"><v>&#128;</v></c></row>', None, text("\x80")),
        ('<row r="1"><c r="A1" t="str"><v>a & b</v></c></row>', None, "corrupt-file"),
        ('<row r="1"><c r="A1" t="str"><v>&#0;</v></c></row>', None, "corrupt-file"),
        (
            '<row r="1"><c r="A1"><v>١٢</v></c><c r="B1"><v>²</v></c></row>',
            None,
            {"A1": RawCell("١٢", None, "s"), "B1": RawCell("²", None, "s")},
        ),
        ('<row r="1"><c r="A1" t="str"><v>a\r\nb</v></c></row>', None, text("a\nb")),
        (FIRST_STRING, SST1.format("a&#95;x000D_b"), text("a\rb")),
        (FIRST_STRING, SST1.format("a&#x5F;x0041_b"), text("aAb")),
        ('<row r="1"><c r="A1" t="str"><v>_xD800_</v></c></row>', None, text("\ufffd")),
        (
            FIRST_STRING,
            SST1.format('a</t><x:t xmlns:x="' + MAIN_NS + '">b</x:t><t>c'),
            text("abc"),
        ),
        (FIRST_STRING, SST1.format("a<?pi b?>c"), text("ac")),
        (FIRST_STRING, SST1.format("a</t><rPh><t>ア</t></rPh><t>b"), text("ab")),
        (
            '<row r="1"><c r="C1" s="1"/><c><v>1</v></c></row><row r="2"><c r="B2" s="1"/>'
            '</row><row r="3"><c><v>2</v></c></row>',
            None,
            {"D1": RawCell(1, None, "n"), "A3": RawCell(2, None, "n")},
        ),
    ],
    ids=[
        "processing-instruction",
        "prefixed-cell",
        "comment-and-cdata-in-a-value",
        "html-entity",
        "cp1252-reference",
        "bare-ampersand",
        "forbidden-character",
        "non-ascii-digits",
        "carriage-return",
        "escape-from-reference",
        "escape-from-hex-reference",
        "half-surrogate",
        "prefixed-shared-string-run",
        "processing-instruction-in-shared-strings",
        "phonetic-guide",
        "cells-without-an-address",
    ],
)
def test_odd_but_legal_spellings_and_broken_ones(
    tmp_path: Path, cells: str, sst: str | None, expected: object
) -> None:
    """What XML says a cell holds, or the corrupt-file refusal where it is not XML at all."""
    path = write_zip(tmp_path / "边角.xlsx", xlsx_parts(sheet_xml(cells), sst=sst))
    assert read_cells(path) == expected


@pytest.mark.parametrize(
    "extra",
    [
        '<extLst><c r="B1"><v>666</v></c></extLst>',
        '<extLst><c r="B1"/></extLst>',
        '<extLst><c\n r="B1"><v>666</v></c></extLst>',
        '<extLst><x:c xmlns:x="' + MAIN_NS + '" r="B1"><x:v>666</x:v></x:c></extLst>',
        '<?pi <c r="B1"><v>666</v></c>?>',
        '<conditionalFormatting sqref="A1"><cfRule type="expression" priority="1">'
        "<formula>A1&lt;0</formula></cfRule></conditionalFormatting>",
    ],
    ids=[
        "cell-after-sheet-data",
        "empty-cell-after-sheet-data",
        "cell-after-newline",
        "prefixed-cell-after-sheet-data",
        "processing-instruction-after-sheet-data",
        "conditional-format",
    ],
)
def test_only_cells_inside_sheet_data_count(tmp_path: Path, extra: str) -> None:
    """As in Excel: what follows <sheetData> (validations, extensions) holds no cells."""
    body = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', extra=extra)
    assert read_cells(write_zip(tmp_path / "尾部.xlsx", xlsx_parts(body))) == ONE


@pytest.mark.parametrize(
    "change, expected",
    [("comment", text("单位名称")), ("extra", text("单位名称")), ("version", "corrupt-zip")],
)
def test_a_zip_with_comments_or_extra_fields_is_read_and_a_newer_version_refused(
    tmp_path: Path, change: str, expected: object
) -> None:
    """zipfile reads the zip directory (and refuses what needs a newer zip, e.g. strong
    encryption); the members are still inflated by the reader, under its limits."""
    source = write_zip(tmp_path / "原.xlsx", xlsx_parts(sheet_xml(FIRST_STRING), sst=SST))
    with zipfile.ZipFile(source) as z:
        parts = {i: z.read(i) for i in z.infolist()}
    out = tmp_path / f"{change}.xlsx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in parts.items():
            if info.filename == "xl/workbook.xml" and change == "comment":
                info.comment = b"note"
            if info.filename == "xl/workbook.xml" and change == "extra":
                info.extra = b"\x99\x99\x02\x00ab"
            z.writestr(info, body)
    data = bytearray(out.read_bytes())
    if change == "version":
        pos = data.find(b"PK\x01\x02")
        struct.pack_into("<H", data, pos + 6, 64)  # version needed to extract: 6.4
    out.write_bytes(bytes(data))
    assert read_cells(out) == expected


# ---------------------------------------------------------------- real files, re-spelled
REAL = Path(__file__).resolve().parents[2] / "shared" / "real-workbooks" / "excel-made"
EXCEL_SAMPLES = (
    "protect01.xlsx",  # sheet protection
    "hide01.xlsx",  # a hidden sheet
    "rich_string01.xlsx",  # rich text runs
    "array_formula01.xlsx",
    "escapes01.xlsx",  # _x000D_ and XML escapes
    "utf8_01.xlsx",
    "defined_name01.xlsx",
    "types07.xlsx",
)
SPELLINGS = st.builds(
    Spelling,
    references=st.sampled_from([0.0, 0.05, 1.0]),
    shuffle=st.booleans(),
    single_quotes=st.sampled_from([0.0, 0.5, 1.0]),
    blanks=st.sampled_from([0.0, 0.2, 1.0]),
    prefix=st.sampled_from(["", "x", "ss"]),
    local_prefixes=st.sampled_from([0.0, 0.1]),
    cdata=st.sampled_from([0.0, 0.5, 1.0]),
    comments=st.sampled_from([0.0, 0.2]),
    instructions=st.sampled_from([0.0, 0.2]),
    open_close=st.sampled_from([0.0, 0.5]),
    declaration=st.sampled_from(["none", "utf-8", "utf-16"]),
)


def what_is_read(path: Path) -> object:
    """Everything the reader tells about a workbook but where it lies and its hash."""
    wb = read_workbook(path)
    return (
        wb.format,
        wb.structure_locked,
        wb.has_macros,
        wb.application,
        wb.modified,
        wb.defined_names,
        {
            name: (s.state, s.protected, s.cells, s.max_row, s.max_col)
            for name, s in wb.sheets.items()
        },
    )


def respelled_copy(src: Path, dst: Path, spelling: Spelling, rnd: random.Random) -> Path:
    """``src`` with every XML part written again the way ``spelling`` says."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename.endswith((".xml", ".rels")):
                body = respell(body, spelling, rnd)
            zout.writestr(info.filename, body)
    return dst


def same_when_respelled(sources: list[Path], tmp: Path, data: st.DataObject) -> None:
    src = data.draw(st.sampled_from(sources), label="file")
    spelling = data.draw(SPELLINGS, label="spelling")
    # one seed for the thousands of small choices: what shrinks is the spelling, to the fewest
    # liberties that still read differently
    rnd = random.Random(data.draw(st.integers(0, 2**32), label="seed"))
    copy = respelled_copy(src, tmp / ("respelled-" + src.name), spelling, rnd)
    assert what_is_read(copy) == what_is_read(src), (src.name, spelling)


def _clerk_edit(src: Path, dst: Path) -> Path:
    """A return filled in by a clerk with openpyxl: text, a date typed into a count, a total."""
    wb = openpyxl.load_workbook(src)
    ws = wb["三 依申请"]
    ws["D7"] = "减59"  # the first row of figures (the status line is on top, then the title)
    ws["E7"] = datetime(2026, 1, 2)
    ws["E7"].number_format = 'm"月"d"日"'
    ws["F7"] = "第一行\r\n第二行 & <尖括号> “引号”"
    wb.save(dst)
    return dst


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Returns written by govxl (XlsxWriter), and one of them re-saved by openpyxl."""
    tmp = tmp_path_factory.mktemp("written")
    made = []
    for form_id, year in (("gb2019", 2020), ("gb2021", 2025)):
        ret = random_return(
            load_form(form_id), random.Random(5), year=year, code="1", name="单位 & <测试>"
        )
        ret.texts["p1"] = "第一行\n第二行 “引号” & <尖括号> ]]> _x000D_"
        path = tmp / f"{form_id}.xlsx"
        path.write_bytes(render(ret, generated=datetime(2026, 1, 1)))
        made.append(path)
    made.append(_clerk_edit(made[1], tmp / "gb2021-openpyxl.xlsx"))
    return made


PROPERTY = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
def test_returns_written_by_govxl_and_openpyxl_read_the_same_however_respelled(
    written: list[Path], tmp_path: Path, data: st.DataObject
) -> None:
    same_when_respelled(written, tmp_path, data)


@PROPERTY
@given(data=st.data())
def test_workbooks_saved_by_excel_read_the_same_however_respelled(
    tmp_path: Path, data: st.DataObject
) -> None:
    same_when_respelled(excel_made(EXCEL_SAMPLES), tmp_path, data)


@pytest.fixture(scope="module")
def resaved(
    written: list[Path], soffice: str, tmp_path_factory: pytest.TempPathFactory
) -> list[Path]:
    """The same returns re-saved by LibreOffice as .xlsx."""
    return list(convert(written, tmp_path_factory.mktemp("libreoffice"), "xlsx").values())


@pytest.mark.soffice
@PROPERTY
@given(data=st.data())
def test_returns_resaved_by_libreoffice_read_the_same_however_respelled(
    resaved: list[Path], tmp_path: Path, data: st.DataObject
) -> None:
    same_when_respelled(resaved, tmp_path, data)


def _infoset(data: bytes) -> list[tuple[str, dict[str, str], str, str]]:
    """Elements in order with their attributes, text and tail (whitespace between elements
    aside: the sheets hold no text beside elements)."""

    def significant(text: str | None) -> str:
        return text if text and text.strip() else ""

    return [
        (el.tag, dict(el.attrib), significant(el.text), significant(el.tail))
        for el in ET.fromstring(data).iter()
    ]


def test_the_respeller_writes_the_same_document_in_other_ways(written: list[Path]) -> None:
    """The property tests above are only as good as the re-spelling: every liberty is taken,
    and ElementTree still reads the same elements, attributes and text."""
    with zipfile.ZipFile(written[2]) as z:  # openpyxl's: inline strings, references, a date
        original = z.read("xl/worksheets/sheet4.xml")
    every = Spelling(1.0, True, 0.5, 1.0, "x", 0.3, 0.5, 0.3, 0.3, 0.5, "utf-16")
    for spelling in (every, Spelling(declaration="none", references=0.05)):
        again = respell(original, spelling, random.Random(1))
        assert again != original
        assert _infoset(again) == _infoset(original)
    text = respell(original, every, random.Random(1)).decode("utf-16")
    for liberty in ("&#", "<![CDATA[", "<!--", "<?govxl", "<x:c", "xmlns:n", "'", "\t"):
        assert liberty in text, liberty
