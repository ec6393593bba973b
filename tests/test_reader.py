"""Tests for govxl.reader: real writers (xlsxwriter, openpyxl, LibreOffice) and hostile files.

All inputs are generated into tmp_path; nothing binary is committed.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hostile.make_corpus import compound_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.workbook.protection import WorkbookProtection

from govxl.reader import Limits, RawCell, ReadError, read_workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# ---------------------------------------------------------------- helpers
def expect_error(path: Path, code: str, **kwargs: object) -> ReadError:
    """Read ``path`` expecting ReadError ``code``; the message must be Chinese and name it."""
    with pytest.raises(ReadError) as info:
        read_workbook(path, **kwargs)  # type: ignore[arg-type]
    err = info.value
    assert err.code == code, err.message
    assert path.name in err.message
    assert len(CHINESE.findall(err.message)) >= 8, err.message
    assert str(err) == err.message
    return err


def sheet_xml(body: str, *, prefix: str = "", extra: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}="{MAIN_NS}">'
        f"<{p}sheetData>{body}</{p}sheetData>{extra}</{p}worksheet>"
    )


def xlsx_parts(
    sheet: str,
    *,
    sst: str | None = None,
    target: str = "worksheets/sheet1.xml",
    workbook_extra: str = "",
) -> dict[str, str | bytes]:
    """The smallest set of parts Excel accepts, for hand-written edge cases."""
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxml'
        'formats.org/package/2006/content-types"/>',
        "_rels/.rels": f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
        f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
        f'<sheet name="表1" sheetId="1" r:id="rId1"/></sheets>{workbook_extra}</workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="{target}"/>'
        f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet,
    }
    if sst is not None:
        parts["xl/sharedStrings.xml"] = sst
    return parts


def write_zip(path: Path, parts: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data.encode() if isinstance(data, str) else data)
    return path


def rewrite_zip(src: Path, dst: Path, changes: dict[str, str | bytes | None]) -> Path:
    """Copy a zip, replacing (or, with None, dropping) members."""
    with zipfile.ZipFile(src) as zin:
        parts: dict[str, str | bytes] = {n: zin.read(n) for n in zin.namelist()}
    for name, data in changes.items():
        if data is None:
            parts.pop(name, None)
        else:
            parts[name] = data
    return write_zip(dst, parts)


def patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Overwrite the uncompressed size of ``member`` in the zip's central directory."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", out, pos + 28)[0]
        if out[pos + 46 : pos + 46 + name_len] == member.encode():
            struct.pack_into("<I", out, pos + 24, size)
            return bytes(out)
        pos = out.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{member} not in central directory")


@pytest.fixture
def xw_book(tmp_path: Path) -> Path:
    path = tmp_path / "xlsxwriter.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("表1")
    ws.write("A1", "单位名称")
    ws.write("B1", 42)
    ws.write("B2", 2.5)
    ws.write_formula("B3", "=B1+B2", None, 44.5)
    ws.write_formula("B4", "=1/0", None, "#DIV/0!")
    ws.write_formula("B5", '=A1&"局"', None, "单位名称局")
    ws.write_boolean("C1", True)
    ws.write("D9", "  前后空格 ")
    ws.protect()
    wb.add_worksheet("隐藏").hide()
    wb.add_worksheet("深度隐藏").very_hidden()
    wb.define_name("合计", "=表1!$B$3")
    wb.define_name("表1!本地", "=表1!$B$1")
    wb.close()
    return path


def test_xlsxwriter_values_formulas_and_metadata(xw_book: Path) -> None:
    wb = read_workbook(xw_book)
    assert wb.format == "xlsx" and wb.formulas_known and not wb.has_macros
    assert list(wb.sheets) == ["表1", "隐藏", "深度隐藏"]
    assert [s.state for s in wb.sheets.values()] == ["visible", "hidden", "veryHidden"]
    sheet = wb.sheets["表1"]
    assert sheet.protected and not wb.sheets["隐藏"].protected
    assert sheet.cells["A1"] == RawCell("单位名称", None, "s")
    assert sheet.cells["B1"] == RawCell(42, None, "n") and type(sheet.cells["B1"].value) is int
    assert sheet.cells["B2"] == RawCell(2.5, None, "n")
    assert sheet.cells["B3"] == RawCell(44.5, "B1+B2", "n")
    assert sheet.cells["B4"] == RawCell("#DIV/0!", "1/0", "e")
    assert sheet.cells["B5"] == RawCell("单位名称局", 'A1&"局"', "s")
    assert sheet.cells["C1"] == RawCell(True, None, "b")
    assert sheet.cells["D9"].value == "  前后空格 "
    assert (sheet.max_row, sheet.max_col) == (9, 4)
    assert wb.application == "Microsoft Excel"
    assert wb.modified is not None and wb.modified.tzinfo is not None
    assert wb.defined_names == {"合计": "表1!$B$3", "表1!本地": "表1!$B$1"}
    assert not wb.structure_locked


def test_only_requested_sheets_are_parsed(xw_book: Path) -> None:
    wb = read_workbook(xw_book, sheets=["隐藏"])
    assert list(wb.sheets) == ["表1", "隐藏", "深度隐藏"]
    assert not wb.sheets["表1"].loaded and wb.sheets["表1"].cells == {}
    assert wb.sheets["隐藏"].loaded
    assert read_workbook(xw_book, sheets="表1").sheets["表1"].cells  # a bare str is one name


def test_inline_strings_from_constant_memory_writer(tmp_path: Path) -> None:
    path = tmp_path / "inline.xlsx"
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["甲", "乙", 3])
    wb.close()
    assert b"inlineStr" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    cells = read_workbook(path).sheets["Sheet1"].cells
    assert cells == {
        "A1": RawCell("甲", None, "s"),
        "B1": RawCell("乙", None, "s"),
        "C1": RawCell(3, None, "n"),
    }


def test_openpyxl_formula_without_cached_value_and_protection(tmp_path: Path) -> None:
    path = tmp_path / "openpyxl.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws["A1"], ws["A2"], ws["B2"] = 1, 2, "=SUM(A1:A2)"
    ws.protection.sheet = True
    wb.create_sheet("藏").sheet_state = "hidden"
    wb.create_sheet("深藏").sheet_state = "veryHidden"
    wb.security = WorkbookProtection(lockStructure=True)
    wb.save(path)
    book = read_workbook(path)
    assert book.structure_locked
    assert [s.state for s in book.sheets.values()] == ["visible", "hidden", "veryHidden"]
    assert book.sheets["数据"].protected
    assert book.sheets["数据"].cells["B2"] == RawCell(None, "SUM(A1:A2)", "f-empty")


def test_shared_formulas_are_expanded_per_cell(tmp_path: Path) -> None:
    body = (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">'
        "A1*2+$C$1</f><v>2</v></c></row>"
        '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>'
        '<row r="3"><c r="B3"><f t="shared" si="0"/></c></row>'
    )
    path = write_zip(tmp_path / "shared.xlsx", xlsx_parts(sheet_xml(body)))
    cells = read_workbook(path).sheets["表1"].cells
    assert cells["B1"] == RawCell(2, "A1*2+$C$1", "n")
    assert cells["B2"] == RawCell(4, "A2*2+$C$1", "n")
    assert cells["B3"] == RawCell(None, "A3*2+$C$1", "f-empty")


def test_wrong_dimension_is_ignored(tmp_path: Path, xw_book: Path) -> None:
    with zipfile.ZipFile(xw_book) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:D9"/>' in xml
    xml = xml.replace('<dimension ref="A1:D9"/>', '<dimension ref="A1"/>')
    path = rewrite_zip(xw_book, tmp_path / "wps.xlsx", {"xl/worksheets/sheet1.xml": xml})
    sheet = read_workbook(path).sheets["表1"]
    assert (sheet.max_row, sheet.max_col) == (9, 4) and "D9" in sheet.cells


def test_prefixed_namespace_missing_r_and_absolute_target(tmp_path: Path) -> None:
    body = (
        '<x:row><x:c><x:v>1</x:v></x:c><x:c t="s"><x:v>0</x:v></x:c></x:row>'
        '<x:row r="4"><x:c r="C4" t="b"><x:v>0</x:v></x:c><x:c><x:v>1.5E3</x:v></x:c></x:row>'
        '<x:row><x:c t="inlineStr"><x:is><x:r><x:t>富</x:t></x:r><x:r><x:t>文本</x:t>'
        "</x:r></x:is></x:c></x:row>"
    )
    sst = (
        f'<x:sst xmlns:x="{MAIN_NS}"><x:si><x:r><x:t>第一</x:t></x:r><x:r><x:rPr/>'
        "<x:t>段_x000D_</x:t></x:r><x:rPh><x:t>ダイ</x:t></x:rPh></x:si></x:sst>"
    )
    parts = xlsx_parts(sheet_xml(body, prefix="x"), sst=sst, target="/xl/worksheets/sheet1.xml")
    cells = read_workbook(write_zip(tmp_path / "prefixed.xlsx", parts)).sheets["表1"].cells
    assert cells == {
        "A1": RawCell(1, None, "n"),
        "B1": RawCell("第一段\r", None, "s"),
        "C4": RawCell(False, None, "b"),
        "D4": RawCell(1500.0, None, "n"),
        "A5": RawCell("富文本", None, "s"),
    }


def test_macros_are_noted_not_run(tmp_path: Path, xw_book: Path) -> None:
    path = rewrite_zip(xw_book, tmp_path / "m.xlsm", {"xl/vbaProject.bin": b"\0" * 64})
    wb = read_workbook(path)
    assert wb.has_macros and wb.format == "xlsm"


def test_input_is_not_modified_and_nothing_is_written(tmp_path: Path, xw_book: Path) -> None:
    before = hashlib.sha256(xw_book.read_bytes()).hexdigest(), xw_book.stat().st_mtime_ns
    listing = sorted(os.listdir(tmp_path))
    read_workbook(xw_book)
    assert (hashlib.sha256(xw_book.read_bytes()).hexdigest(), xw_book.stat().st_mtime_ns) == before
    assert sorted(os.listdir(tmp_path)) == listing


cell_value = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(min_value=-1e300, max_value=1e300),  # Excel's own range is about +-1e308
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
    st.booleans(),
)


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.dictionaries(st.tuples(st.integers(0, 40), st.integers(0, 20)), cell_value, max_size=25))
def test_roundtrip_random_grids(tmp_path: Path, grid: dict[tuple[int, int], object]) -> None:
    path = tmp_path / "prop.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    for (row, col), value in grid.items():
        if isinstance(value, str):
            ws.write_string(row, col, value)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value)
        else:
            ws.write_number(row, col, value)
    wb.close()
    sheet = read_workbook(path).sheets["S"]
    expected = {}
    for (row, col), value in grid.items():
        addr = xlsxwriter.utility.xl_rowcol_to_cell(row, col)
        if isinstance(value, float):
            value = float(f"{value:.16G}")  # xlsxwriter writes 16 significant digits
        expected[addr] = value
    assert {a: c.value for a, c in sheet.cells.items()} == expected
    assert sheet.max_row == max((r + 1 for r, _ in grid), default=0)
    assert sheet.max_col == max((c + 1 for _, c in grid), default=0)
    for addr, cell in sheet.cells.items():
        kind = {bool: "b", str: "s"}.get(type(expected[addr]), "n")
        assert cell.kind == kind and cell.formula is None


# ---------------------------------------------------------------- LibreOffice
@pytest.fixture(scope="module")
def soffice_out(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One LibreOffice run per format.  ``soffice`` (conftest) skips without LibreOffice,
    or fails when CI=true."""
    base = tmp_path_factory.mktemp("soffice")
    src = base / "src.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "填报"
    ws["A1"], ws["B1"], ws["B2"], ws["B3"] = "项目", 3, 4, "=B1*B2"
    wb.create_sheet("备用").sheet_state = "hidden"
    wb.save(src)
    far = base / "far.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["IV65536"] = 1, 2
    wb.save(far)
    out = base / "out"
    profile = (base / "profile").as_uri()
    for fmt, inputs in (("xlsx", [src]), ("ods", [src]), ("xls", [src, far])):
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                fmt,
                "--outdir",
                str(out),
                *map(str, inputs),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    return out


@pytest.mark.soffice
def test_libreoffice_resaved_xlsx(soffice_out: Path) -> None:
    wb = read_workbook(soffice_out / "src.xlsx")
    assert wb.application is not None and wb.application.startswith("LibreOffice")
    cells = wb.sheets["填报"].cells
    assert cells["A1"].value == "项目"
    assert cells["B3"] == RawCell(12, "B1*B2", "n")
    assert wb.sheets["备用"].state == "hidden"


@pytest.mark.soffice
def test_libreoffice_ods_values_only(soffice_out: Path) -> None:
    wb = read_workbook(soffice_out / "src.ods")
    assert wb.format == "ods" and not wb.formulas_known
    assert wb.application is not None and wb.application.startswith("LibreOffice")
    assert wb.sheets["备用"].state == "hidden"
    assert wb.sheets["填报"].cells == {
        "A1": RawCell("项目", None, "s"),
        "B1": RawCell(3, None, "n"),
        "B2": RawCell(4, None, "n"),
        "B3": RawCell(12, None, "n"),
    }
    assert not read_workbook(soffice_out / "src.ods", sheets=["备用"]).sheets["填报"].loaded


@pytest.mark.soffice
def test_libreoffice_xls_values_only(soffice_out: Path) -> None:
    wb = read_workbook(soffice_out / "src.xls")
    assert wb.format == "xls" and not wb.formulas_known
    assert wb.sheets["填报"].cells["B3"] == RawCell(12, None, "n")
    assert wb.sheets["备用"].state == "hidden"


@pytest.mark.soffice
def test_xls_with_far_away_cell_is_refused_before_calamine(soffice_out: Path) -> None:
    err = expect_error(soffice_out / "far.xls", "too-many-cells")
    assert "65536" in err.message


@pytest.mark.soffice
@pytest.mark.parametrize(
    ("record", "offset", "value", "code"),
    [
        (b"\x00\x02\x0e\x00", 8, 0xFFFFFFF0, "too-many-cells"),  # DIMENSIONS: rows to 4e9
        (b"\xfc\x00", 8, 0x7FFFFFFF, "legacy-xls"),  # SST: 2**31 strings announced
    ],
    ids=["dimensions", "sst-count"],
)
def test_xls_counts_calamine_would_allocate_from_are_checked_first(
    soffice_out: Path, tmp_path: Path, record: bytes, offset: int, value: int, code: str
) -> None:
    """calamine reserves memory from these fields; a huge DIMENSIONS aborts the process."""
    data = bytearray((soffice_out / "src.xls").read_bytes())
    at = data.find(record)
    assert at > 0
    struct.pack_into("<I", data, at + offset, value)
    path = tmp_path / "篡改.xls"
    path.write_bytes(bytes(data))
    expect_error(path, code)


# ---------------------------------------------------------------- hostile input
def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "空.xlsx"
    path.write_bytes(b"")
    expect_error(path, "empty-file")


def test_text_renamed_to_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "报表.xlsx"
    path.write_text("单位,数量\n甲,1\n", encoding="utf-8")
    err = expect_error(path, "not-a-workbook")
    assert "不是有效的 Excel 工作簿" in err.message and "另存为 .xlsx" in err.message


def test_docx_renamed_to_xlsx(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "word.xlsx", {"word/document.xml": "<w/>"})
    expect_error(path, "not-a-workbook")


def test_truncated_zip(tmp_path: Path, xw_book: Path) -> None:
    path = tmp_path / "半截.xlsx"
    path.write_bytes(xw_book.read_bytes()[: xw_book.stat().st_size // 2])
    expect_error(path, "corrupt-zip")


def test_missing_sheet_part(tmp_path: Path, xw_book: Path) -> None:
    path = rewrite_zip(xw_book, tmp_path / "缺页.xlsx", {"xl/worksheets/sheet2.xml": None})
    err = expect_error(path, "missing-part")
    assert "隐藏" in err.message


def test_missing_workbook_part(tmp_path: Path, xw_book: Path) -> None:
    path = rewrite_zip(xw_book, tmp_path / "无主体.xlsx", {"xl/workbook.xml": None})
    expect_error(path, "missing-part")


def test_member_declaring_huge_size(tmp_path: Path, xw_book: Path) -> None:
    path = tmp_path / "huge.xlsx"
    path.write_bytes(patch_declared_size(xw_book.read_bytes(), "xl/styles.xml", 0xFFFFFF00))
    expect_error(path, "zip-bomb")


def _zeros_member(path: Path, megabytes: int) -> Path:
    """A valid workbook plus one deflated member of zeros, written in 1 MiB chunks."""
    write_zip(path, xlsx_parts(sheet_xml("")))
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("xl/z.bin", "w") as fh:
        for _ in range(megabytes):
            fh.write(chunk)
    return path


def test_highly_compressible_200mb_member(tmp_path: Path) -> None:
    path = _zeros_member(tmp_path / "炸弹.xlsx", 200)
    assert path.stat().st_size < 1_000_000
    expect_error(path, "zip-bomb")
    roomy = Limits(max_member_bytes=1 << 30, max_total_bytes=1 << 30)
    expect_error(path, "zip-bomb", limits=roomy)  # the ratio alone still refuses it


def test_member_lying_about_its_size_is_stopped_while_streaming(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 5000))
    parts = xlsx_parts(sheet_xml(rows))
    data = write_zip(tmp_path / "src.xlsx", parts).read_bytes()
    path = tmp_path / "说谎.xlsx"
    path.write_bytes(patch_declared_size(data, "xl/worksheets/sheet1.xml", 1000))
    err = expect_error(path, "zip-bomb")
    assert "声明" in err.message


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(2, 10))
    + f']><sst xmlns="{MAIN_NS}"><si><t>&lol9;</t></si></sst>'
).replace("&lol1;", "&lol;")
XXE = (
    f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f'<sst xmlns="{MAIN_NS}"><si><t>&x;</t></si></sst>'
)


@pytest.mark.parametrize("sst", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_refused(tmp_path: Path, sst: str) -> None:
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    path = write_zip(tmp_path / "实体.xlsx", xlsx_parts(sheet_xml(body), sst=sst))
    err = expect_error(path, "xml-entity")
    assert "root:" not in err.message


def test_doctype_in_a_part_we_do_not_parse(tmp_path: Path, xw_book: Path) -> None:
    styles = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><styleSheet/>'
    path = rewrite_zip(xw_book, tmp_path / "样式.xlsx", {"xl/styles.xml": styles})
    expect_error(path, "xml-entity")


_DTD = '<!DOCTYPE x [<!ENTITY a "b">]>'


@pytest.mark.parametrize(
    "styles, refused",
    [
        ('<?xml version="1.0" encoding="UTF-8"?><styleSheet/>', False),
        ("<styleSheet/>", False),
        ('<?xml version="1.0"?>' + _DTD + "<styleSheet/>", True),
        ('<?xml version="1.0"?><!-- a comment -->' + _DTD + "<styleSheet/>", True),
        (
            ("\ufeff" + '<?xml version="1.0" encoding="UTF-16"?>' + _DTD + "<styleSheet/>").encode(
                "utf-16-le"
            ),
            True,
        ),
        (
            ('<?xml version="1.0" encoding="ISO-8859-1"?>' + _DTD + "<styleSheet/>").encode(
                "latin-1"
            ),
            True,
        ),
        (
            (
                '<?xml version="1.0" encoding="UTF-8"?>\n<?pi <styleSheet/> ?>'
                + _DTD
                + "<styleSheet/>"
            ),
            True,
        ),
    ],
    ids=[
        "plain",
        "no-declaration",
        "doctype",
        "after-a-comment",
        "utf-16",
        "latin-1",
        "instruction-that-looks-like-a-root",
    ],
)
def test_a_dtd_in_a_part_we_do_not_parse_is_found_however_it_is_written(
    tmp_path: Path, xw_book: Path, styles: str | bytes, refused: bool
) -> None:
    """A part govxl never parses is still read up to its root element, by expat, whatever its
    encoding or what stands before the DTD."""
    path = rewrite_zip(xw_book, tmp_path / "样式.xlsx", {"xl/styles.xml": styles})
    if refused:
        expect_error(path, "xml-entity")
    else:
        assert read_workbook(path).sheets["表1"].cells["B1"].value == 42


def test_ole_with_encryption_info(tmp_path: Path) -> None:
    path = tmp_path / "加密.xlsx"
    streams = {"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"x"}
    path.write_bytes(compound_file(streams))
    err = expect_error(path, "encrypted")
    assert "取消文件密码" in err.message
    raw = tmp_path / "加密2.xlsx"  # not even a parseable compound file: byte scan still works
    raw.write_bytes(
        bytes.fromhex("D0CF11E0A1B11AE1") + bytes(600) + "EncryptionInfo".encode("utf-16-le")
    )
    expect_error(raw, "encrypted")


def test_ole_that_is_not_excel(tmp_path: Path) -> None:
    path = tmp_path / "文档.xls"
    path.write_bytes(compound_file({"WordDocument": b"\xec\xa5" + bytes(100)}))
    expect_error(path, "legacy-xls")


def test_directory_named_like_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.mkdir()
    err = expect_error(path, "unreadable")
    assert "文件夹" in err.message


def test_missing_file(tmp_path: Path) -> None:
    err = expect_error(tmp_path / "不存在.xlsx", "unreadable")
    assert "不存在" in err.message


def test_too_many_cells(tmp_path: Path, xw_book: Path) -> None:
    err = expect_error(xw_book, "too-many-cells", limits=Limits(max_cells_per_sheet=5))
    assert "表1" in err.message
    read_workbook(xw_book, sheets=["隐藏"], limits=Limits(max_cells_per_sheet=5))


def test_too_large(xw_book: Path) -> None:
    expect_error(xw_book, "too-large", limits=Limits(max_file_bytes=1000))


def test_broken_xml_and_bad_references_are_corrupt_file(tmp_path: Path) -> None:
    broken = write_zip(tmp_path / "坏.xlsx", xlsx_parts(sheet_xml("<row>")[:-20]))
    expect_error(broken, "corrupt-file")
    no_such_string = sheet_xml('<row><c t="s"><v>7</v></c></row>')
    bad_sst = xlsx_parts(no_such_string, sst=f'<sst xmlns="{MAIN_NS}"/>')
    expect_error(write_zip(tmp_path / "串.xlsx", bad_sst), "corrupt-file")


def test_unexpected_exceptions_become_corrupt_file(
    tmp_path: Path, xw_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govxl.reader import xlsx

    def boom(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(xlsx, "read_sheet", boom)
    err = expect_error(xw_book, "corrupt-file")
    assert isinstance(err.__cause__, RuntimeError)


ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods(path: Path, rows: str) -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}>'
        '<office:body><office:spreadsheet><table:table table:name="表" '
        f'table:protected="true">{rows}</table:table></office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:'
            'names:tc:opendocument:xmlns:manifest:1.0"/>',
        )  # calamine sniffs for it
    return path


def test_handwritten_ods(tmp_path: Path) -> None:
    cell = '<table:table-cell office:value-type="float" office:value="7"><text:p>7</text:p>'
    wb = read_workbook(
        ods(tmp_path / "手写.ods", f"<table:table-row>{cell}</table:table-cell></table:table-row>")
    )
    assert wb.format == "ods" and wb.sheets["表"].protected
    assert wb.sheets["表"].cells == {"A1": RawCell(7, None, "n")}


META = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-meta '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>{}</office:meta>'
    "</office:document-meta>"
)


@pytest.mark.parametrize(
    ("meta", "saved"),
    [
        (
            "<meta:creation-date>2026-01-08T10:00:00</meta:creation-date>"
            "<dc:date>2026-01-12T08:30:00.123456789</dc:date>",
            datetime(2026, 1, 12, 8, 30, 0, 123456),
        ),
        ("<meta:creation-date>2026-01-08T10:00:00</meta:creation-date>", datetime(2026, 1, 8, 10)),
        ("<dc:date>2026-01-12T08:30:00Z</dc:date>", datetime(2026, 1, 12, 8, 30, tzinfo=UTC)),
        ("<dc:date>昨天</dc:date>", None),
        ("", None),
    ],
)
def test_an_ods_saved_time_is_its_last_save_or_else_its_creation(
    tmp_path: Path, meta: str, saved: datetime | None
) -> None:
    """meta.xml as LibreOffice writes it (local time, nanoseconds), or with only the time the
    file was created, or a zone, or nonsense: the time it says, or none."""
    path = ods(tmp_path / "表.ods", "")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("meta.xml", META.format(meta))
    assert read_workbook(path).modified == saved


def test_a_doctype_in_an_ods_meta_is_refused(tmp_path: Path) -> None:
    """meta.xml goes through the same hardened expat as content.xml."""
    path = ods(tmp_path / "表.ods", "")
    bomb = '<!DOCTYPE m [<!ENTITY a "aaaaaaaaaa">]><m><dc:date>&a;</dc:date></m>'
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("meta.xml", '<?xml version="1.0"?>' + bomb)
    expect_error(path, "xml-entity")


def test_ods_with_huge_repeated_extent_is_refused_before_calamine(tmp_path: Path) -> None:
    rows = (
        '<table:table-row table:number-rows-repeated="1000000"><table:table-cell/>'
        "</table:table-row><table:table-row><table:table-cell "
        'table:number-columns-repeated="16000"/><table:table-cell office:value-type="float" '
        'office:value="1"/></table:table-row>'
    )
    expect_error(ods(tmp_path / "远.ods", rows), "too-many-cells")


# ---------------------------------------------------------------- parts shared between files
def test_identical_small_parts_share_a_parse_but_never_a_different_one(
    tmp_path: Path, xw_book: Path
) -> None:
    """The reader reuses the parse of a part whose bytes it has verified and parsed before (the
    relationships and workbook part of a thousand returns of one template). A part that differs
    by one attribute is parsed afresh, before and after the shared one."""
    first = read_workbook(xw_book)
    with zipfile.ZipFile(xw_book) as z:
        book = z.read("xl/workbook.xml").decode("utf-8")
    locked = book.replace("<bookViews>", '<workbookProtection lockStructure="1"/><bookViews>')
    assert locked != book
    other = rewrite_zip(xw_book, tmp_path / "锁定.xlsx", {"xl/workbook.xml": locked})
    assert not first.structure_locked
    assert read_workbook(other).structure_locked
    again = read_workbook(xw_book)
    assert not again.structure_locked
    assert [(s.name, s.state) for s in again.sheets.values()] == [
        (s.name, s.state) for s in first.sheets.values()
    ]
    assert again.defined_names == first.defined_names


def test_a_shared_part_whose_declared_crc_differs_is_still_checked(
    tmp_path: Path, xw_book: Path
) -> None:
    """Same compressed bytes, another CRC in the directory: not the verified part, so it is
    inflated and its CRC checked again — and refused."""
    read_workbook(xw_book)  # the workbook part is now known
    data = bytearray(xw_book.read_bytes())
    name = b"xl/workbook.xml"
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + n] == name:
            local = struct.unpack_from("<I", data, pos + 42)[0]
            data[pos + 16] ^= 1  # the directory's CRC …
            data[local + 14] ^= 1  # … and the local header's
        pos = data.find(b"PK\x01\x02", pos + 4)
    bad = tmp_path / "校验.xlsx"
    bad.write_bytes(bytes(data))
    expect_error(bad, "corrupt-zip")


def _corrupt_deflate(src: Path, dst: Path, member: str) -> Path:
    """``src`` with a byte of ``member``'s compressed data changed (headers left alone)."""
    data = bytearray(src.read_bytes())
    info = zipfile.ZipFile(src).getinfo(member)
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0x55
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("backend", ["zlib-ng", "zlib"])
def test_either_inflater_reads_the_same_and_refuses_the_same(
    tmp_path: Path, xw_book: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """zlib-ng inflates where it is installed, the standard library's zlib where it is not:
    the same cells, and the same refusals of a lying size or a damaged stream."""
    import zlib

    from govxl.reader import archive

    installed = archive.zlib
    assert installed.__name__ == "zlib_ng.zlib_ng"  # a dependency of govxl

    def cells(inflater: object) -> dict[str, object]:
        monkeypatch.setattr(archive, "zlib", inflater)
        return {name: s.cells for name, s in read_workbook(xw_book).sheets.items()}

    assert cells(installed) == cells(zlib)  # each inflater against the other
    monkeypatch.setattr(archive, "zlib", installed if backend == "zlib-ng" else zlib)
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 5000))
    data = write_zip(tmp_path / "src.xlsx", xlsx_parts(sheet_xml(rows))).read_bytes()
    lying = tmp_path / "说谎.xlsx"
    lying.write_bytes(patch_declared_size(data, "xl/worksheets/sheet1.xml", 1000))
    expect_error(lying, "zip-bomb")
    damaged = _corrupt_deflate(
        tmp_path / "src.xlsx", tmp_path / "损坏.xlsx", "xl/worksheets/sheet1.xml"
    )
    expect_error(damaged, "corrupt-zip")


def test_a_file_that_grows_while_it_is_read_is_read_on_within_the_limit(
    tmp_path: Path, xw_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The size seen when the file was opened is only a first guess: a file still being
    written is read to its end (and so fails its zip check, or passes whole), never past the
    size limit."""
    from govxl.reader import archive
    from govxl.reader.core import Fail

    real = xw_book.read_bytes()
    real_fstat = os.fstat

    def smaller(fd: int) -> os.stat_result:  # as if the file had been half as long at open
        st = list(real_fstat(fd))
        st[6] = len(real) // 2
        return os.stat_result(st)

    monkeypatch.setattr(archive.os, "fstat", smaller)
    assert archive.load_file(xw_book, Limits()) == real
    with pytest.raises(Fail) as info:
        archive.load_file(xw_book, Limits(max_file_bytes=len(real) - 1))
    assert info.value.code == "too-large"


# ---------------------------------------------------------------- odd corners
def test_the_last_sheet_protection_counts(tmp_path: Path) -> None:
    extra = '<sheetProtection sheet="1"/><sheetProtectionX sheet="0"/>'
    path = write_zip(
        tmp_path / "保护.xlsx",
        xlsx_parts(sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', extra=extra)),
    )
    assert read_workbook(path).sheets["表1"].protected


def test_a_broken_header_of_a_part_never_parsed_is_skipped_as_before(
    tmp_path: Path, xw_book: Path
) -> None:
    """check_prologs skips a part it cannot inflate; the shared-parse memo must not change that."""
    data = bytearray(xw_book.read_bytes())
    with zipfile.ZipFile(xw_book) as z:
        info = z.getinfo("xl/theme/theme1.xml")
    data[info.header_offset : info.header_offset + 4] = b"XXXX"
    broken = tmp_path / "主题.xlsx"
    broken.write_bytes(bytes(data))
    assert read_workbook(broken).sheets["表1"].cells["B1"].value == 42


def test_what_the_shared_parse_keeps_is_bounded(tmp_path: Path, xw_book: Path) -> None:
    from govxl.reader import archive

    big = (
        '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/'
        'officeDocument/2006/extended-properties"><Application>'
        + "x" * 200_000
        + "</Application></Properties>"
    )
    path = rewrite_zip(xw_book, tmp_path / "大属性.xlsx", {"docProps/app.xml": big})
    read_workbook(path)
    assert all(key[2] <= archive._MEMO_PART_BYTES for key in archive._MEMO)
    long_name = "xl/" + "长" * 1000
    archive.norm(long_name)
    assert long_name not in archive._NORMS


def test_half_a_surrogate_pair_becomes_a_replacement_character(tmp_path: Path) -> None:
    """``_xD800_`` names no character; the text must still be writable to our outputs."""
    cells = '<row r="1"><c r="A1" t="str"><v>a_xD800_b</v></c></row>'
    path = write_zip(tmp_path / "代理.xlsx", xlsx_parts(sheet_xml(cells)))
    value = read_workbook(path).sheets["表1"].cells["A1"].value
    assert value == "a\ufffdb"
    value.encode("utf-8")
