"""Tests for govxl.office: batch conversion through a real headless LibreOffice.

The point of the recalculation tests is that our Excel formulas are later checked against
LibreOffice's results; if LibreOffice silently returned the cached values we wrote ourselves,
every such check would pass vacuously.  So the fixtures carry deliberately WRONG cached values
and the tests assert both that recalculation replaces them and that, with recalculation off,
they survive (proving the first assertion is able to fail).

soffice calls are the expensive part (~1.5 s each), so each test makes at most one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from govxl import office
from govxl.office import OfficeError, convert

WRONG = 999  # cached result written into every formula cell; never the true value


@dataclass(frozen=True)
class Book:
    """One generated workbook and the values its formulas must really evaluate to."""

    path: Path
    a1: int
    a2: int

    @property
    def expected(self) -> dict[str, object]:
        return {
            "A3": self.a1 + self.a2,
            "A4": (self.a1 + self.a2) * 2,
            "B1": "大" if self.a1 > 5 else "小",
        }


def _write_book(path: Path, a1: int, a2: int) -> Book:
    """Write an .xlsx whose formula cells all carry a wrong cached result."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("数据")
    ws.write_number("A1", a1)
    ws.write_number("A2", a2)
    ws.write_formula("A3", "=A1+A2", None, WRONG)
    ws.write_formula("A4", "=SUM(A1:A2)*2", None, WRONG)
    ws.write_formula("B1", '=IF(A1>5,"大","小")', None, "错")
    wb.close()
    return Book(path, a1, a2)


def _values(path: Path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        ws = wb.worksheets[0]
        return {ref: ws[ref].value for ref in ("A3", "A4", "B1")}
    finally:
        wb.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _has_writer(soffice: str) -> bool:
    """Whether LibreOffice Writer (needed to open .docx) is installed next to soffice."""
    program = Path(os.path.realpath(soffice)).parent
    return any(program.glob("libswlo.*"))


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> list[Book]:
    """Ten small workbooks: three share the stem "report" (one differs only in case), one has a
    Chinese name, the rest are plain."""
    root = tmp_path_factory.mktemp("books")
    made = [
        _write_book(root / "a" / "report.xlsx", 2, 3),
        _write_book(root / "b" / "report.xlsx", 10, 20),
        _write_book(root / "c" / "REPORT.xlsx", 100, 200),
        _write_book(root / "c" / "汇总表.xlsx", 7, 8),
    ]
    made += [_write_book(root / "d" / f"n{k}.xlsx", k, k * k) for k in range(1, 7)]
    return made


def test_fixture_books_really_carry_wrong_cache(books: list[Book]) -> None:
    # Sanity: without this, "recalc gives true values" could pass on correct caches.
    assert _values(books[0].path) == {"A3": WRONG, "A4": WRONG, "B1": "错"}


@pytest.mark.soffice
def test_batch_recalculates_and_keeps_same_stems_apart(
    soffice: str, books: list[Book], tmp_path: Path
) -> None:
    before = {b.path: _digest(b.path) for b in books}
    outdir = tmp_path / "out"

    result = convert([b.path for b in books], outdir, "xlsx")

    assert set(result) == {b.path for b in books}
    outputs = list(result.values())
    assert len(set(outputs)) == len(books), "same-stem inputs must not overwrite each other"
    assert all(p.parent == outdir and p.suffix == ".xlsx" for p in outputs)
    assert result[books[0].path].name == "report.xlsx"
    assert result[books[1].path].name == "report-2.xlsx"
    assert result[books[2].path].name == "REPORT-3.xlsx"
    assert result[books[3].path].name == "汇总表.xlsx"
    for b in books:
        assert _values(result[b.path]) == b.expected, b.path
    assert {b.path: _digest(b.path) for b in books} == before, "inputs must never be modified"


@pytest.mark.soffice
def test_recalc_false_keeps_wrong_cache_and_never_overwrites_input(
    soffice: str, books: list[Book], tmp_path: Path
) -> None:
    src = tmp_path / "report.xlsx"
    src.write_bytes(books[0].path.read_bytes())
    before = _digest(src)

    # Output into the input's own folder: the natural name would be the input itself.
    result = convert([src], tmp_path, "xlsx", recalc=False)

    assert result == {src: tmp_path / "report-2.xlsx"}
    assert _values(result[src]) == {"A3": WRONG, "A4": WRONG, "B1": "错"}
    assert _digest(src) == before


@pytest.mark.soffice
def test_xlsx_to_pdf(soffice: str, books: list[Book], tmp_path: Path) -> None:
    result = convert([books[3].path], tmp_path, "pdf")

    pdf = result[books[3].path]
    assert pdf == tmp_path / "汇总表.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 500


@pytest.mark.soffice
def test_docx_to_pdf(soffice: str, tmp_path: Path) -> None:
    if not _has_writer(soffice):
        msg = "LibreOffice Writer 未安装：无法把 .docx 转为 PDF"
        if os.environ.get("CI") == "true":
            pytest.fail(msg + "（CI 中 .ci/run 应安装 libreoffice-writer-nogui）")
        pytest.skip(msg)
    import docx  # python-docx, a runtime dependency

    doc = docx.Document()
    doc.add_heading("政府信息公开工作年度报告", level=1)
    doc.add_paragraph("本报告由 govxl 测试生成。")
    src = tmp_path / "报告.docx"
    doc.save(str(src))

    pdf = convert([src], tmp_path / "out", "pdf")[src]

    assert pdf.read_bytes().startswith(b"%PDF")


def test_missing_input_is_reported_before_launching(tmp_path: Path) -> None:
    present = tmp_path / "ok.xlsx"
    present.write_bytes(b"x")
    with pytest.raises(OfficeError, match="不存在") as exc:
        convert([present, tmp_path / "缺失.xlsx"], tmp_path / "out")
    assert "缺失.xlsx" in str(exc.value)
    assert exc.value.failed == [tmp_path / "缺失.xlsx"]


@pytest.mark.parametrize("to", ["", "x y", ".pdf", ":pdf", 'xlsx:""'])
def test_malformed_target_is_rejected(books: list[Book], tmp_path: Path, to: str) -> None:
    with pytest.raises(OfficeError, match="无效的转换目标格式"):
        convert([books[0].path], tmp_path, to)


def test_missing_libreoffice_is_a_clear_error(
    books: list[Book], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(office, "find_soffice", lambda: None)
    with pytest.raises(OfficeError, match="未找到 LibreOffice"):
        convert([books[0].path], tmp_path)


def test_no_files_is_a_no_op(tmp_path: Path) -> None:
    assert convert([], tmp_path / "out") == {}


@pytest.mark.soffice
def test_unknown_target_names_the_unconverted_files(
    soffice: str, books: list[Book], tmp_path: Path
) -> None:
    with pytest.raises(OfficeError, match="未能将以下 1 个文件转换为 nosuchformat") as exc:
        convert([books[0].path], tmp_path, "nosuchformat")
    assert str(books[0].path) in str(exc.value)
    assert "no export filter" in str(exc.value)  # soffice's own stderr is quoted
    assert exc.value.failed == [books[0].path]


@pytest.mark.soffice
def test_timeout_kills_the_whole_process_group(
    soffice: str, books: list[Book], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Put the throw-away profile under tmp_path so we can find any soffice left behind by it.
    private_tmp = tmp_path / "t"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))

    start = time.monotonic()
    with pytest.raises(OfficeError, match="超时"):
        convert([books[0].path], tmp_path / "out", "pdf", timeout=0.5)
    assert time.monotonic() - start < 10

    if not Path("/proc").is_dir():
        return
    marker = str(private_tmp).encode()
    deadline = time.monotonic() + 3
    while True:
        alive = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if marker in cmdline.read_bytes():
                    alive.append(cmdline.parent.name)
            except OSError:
                pass  # process exited while we looked
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not alive, f"soffice processes survived the timeout: {alive}"
