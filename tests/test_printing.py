"""What a clerk prints and reads: every sheet govxl writes, on A4, in words a clerk uses.

The workbooks of the sample district — a blank template, a filled return with a 核实, a 退回 copy
before and after the unit corrected it, 审核结果.xlsx and the summary — are printed to PDF by
LibreOffice (``docs/make_print_pngs.py`` builds and prints them; the pictures in docs/ come from
the same run). Each page names its sheet in its header, so the pages of every sheet are counted:
an official table on one page, lists one page wide.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest

from govxl.check.findings import CATALOGUE
from govxl.forms import form_ids, load_form
from govxl.forms.compute import CHECK_FAIL, CHECK_NOTE, CHECK_OK, CHECK_WAIT, CHECK_WARN
from govxl.forms.formulas import SIGN_BLANKS

ROOT = Path(__file__).resolve().parents[1]
TABLES = [t.sheet for t in load_form("gb2021").tables]
ONE_PAGE = {*TABLES, "基本信息", "说明", "文字部分", "审核意见", "报送进度", "报送情况", "审核问题"}
"""Sheets that fit one A4 page (the official tables always; the lists for the sample district)."""
A4 = (595.3, 841.9)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_print_pngs", ROOT / "docs" / "make_print_pngs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str, tuple[Path, Path]]:
    """Workbook name → (.xlsx, its PDF)."""
    script = _script()
    work = tmp_path_factory.mktemp("print")
    books = script.build(work)
    pdfs = script.print_all(books, work)
    return {name: (books[name], pdfs[name]) for name in books}


def _pages(printed, name: str) -> dict[str, list[int]]:
    book, pdf = printed[name]
    wb = openpyxl.load_workbook(book, read_only=True)  # holds the file open until closed
    try:
        visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    finally:
        wb.close()
    return _script().pages_by_sheet(pdf, visible)


@pytest.mark.soffice
@pytest.mark.parametrize(
    "name",
    ["template", "return-warning", "feedback-before", "feedback-after", "results", "summary"],
)
def test_every_sheet_prints_on_a4_and_the_tables_on_one_page_each(printed, name) -> None:
    pages = _pages(printed, name)
    assert "?" not in pages, pages  # every page says which sheet it is
    for sheet, numbers in pages.items():
        assert numbers, f"{name}: {sheet} printed nothing"
        if sheet in ONE_PAGE:
            assert len(numbers) == 1, (name, sheet, numbers)
        else:  # the guide, the problem list, the rules, the texts: a few pages at most
            assert len(numbers) <= (9 if sheet == "明细" else 3), (name, sheet, numbers)
    sizes = _script().page_sizes(printed[name][1])
    assert all(sorted(size) == pytest.approx(A4, abs=1) for size in sizes), sizes


@pytest.mark.soffice
def test_the_official_table_prints_whole_and_without_the_checks(printed) -> None:
    """The printed area is the title, the 填报单位 line and the table: its last row is on the
    page, the status line and the 校验 cells beside or below it are not."""
    _, pdf = printed["return-warning"]
    pages = _pages(printed, "return-warning")
    last_rows = {
        "二 主动公开": "行政事业性收费",
        "三 依申请": "四、结转下年度继续办理",
        "四 复议诉讼": "复议后起诉",
    }
    for sheet, last in last_rows.items():
        (page,) = pages[sheet]
        text = _page_text(pdf, page)
        assert last in text and "填报单位" in text and "填报日期：2026年1月15日" in text, sheet
        assert "校验" not in text and "本表校验通过" not in text, sheet
        assert not {CHECK_OK, CHECK_FAIL, CHECK_WARN} & set(text), sheet


def _page_text(pdf: Path, page: int) -> str:
    args = ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.mark.soffice
def test_the_corrected_copy_prints_corrected(printed) -> None:
    for name, state in (("feedback-before", "未改正"), ("feedback-after", "已改正")):
        (page,) = _pages(printed, name)["审核意见"]
        text = _page_text(printed[name][1], page)
        assert (
            state in text
            and {"未改正", "已改正"} - {state} & set(re.findall("..改正", text)) == set()
        )


@pytest.mark.soffice
@pytest.mark.parametrize(("name", "sheet"), [("results", "报送进度"), ("results", "问题清单")])
def test_every_row_of_a_list_is_tall_enough_for_its_text_on_paper(printed, name, sheet) -> None:
    """Each cell's text ends above the cell's printed bottom border: a row too short for its
    wrapped text is cut off on paper (the 采用依据 of a unit that sent two files was)."""
    import pdfplumber

    book, pdf = printed[name]
    (page,) = _pages(printed, name)[sheet]
    with pdfplumber.open(pdf) as doc:
        on_page = doc.pages[page - 1]
        chars = [c for c in on_page.chars if not c["text"].isspace()]
        borders = sorted({round(e["top"], 1) for e in on_page.horizontal_edges})
    drawn = "".join(c["text"] for c in chars)
    texts = {
        v
        for r in openpyxl.load_workbook(book)[sheet].iter_rows(values_only=True)
        for v in r
        if isinstance(v, str) and len("".join(v.split())) > 6
    }
    checked = 0
    for text in sorted(texts):
        plain = "".join(text.split())
        at = drawn.find(plain)
        while at >= 0:
            span = chars[at : at + len(plain)]
            first = min(c["top"] for c in span)
            bottom = next(y for y in borders if y > first)  # the cell's bottom border
            assert max(c["bottom"] for c in span) <= bottom + 0.5, (sheet, text)
            checked += 1
            at = drawn.find(plain, at + 1)
    assert checked >= 10


# ---------------------------------------------------------------- words and symbols


INTERNAL = re.compile(
    "|".join(
        [
            *(re.escape(f) for f in form_ids()),
            "sha256",
            "govxl",
            r"R\d+\[",
            r"\d{4}-\d\d-\d\dT\d\d:",
            *(re.escape(code) for code in CATALOGUE if "-" in code),
            "[✓✗]",
            "None|True|False|error|warning|info",
        ]
    )
)
ALLOWED_WORDS = {
    "xlsx",
    "xlsm",
    "xls",
    "ods",
    "docx",
    "html",
    "txt",
    "LibreOffice",
    "Excel",
    "WPS",
    "Word",
}
"""File types and the programs clerks use: the words they know."""


def _visible_texts(path: Path):
    """(sheet, cell, text) of every cell a clerk can see: hidden sheets and rows left out."""
    wb = openpyxl.load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        hidden = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.row not in hidden:
                    yield ws.title, c.coordinate, c.value


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same workbooks, made without LibreOffice: what govxl itself writes."""
    return _script().build(tmp_path_factory.mktemp("books"))


def test_no_internal_code_or_english_in_what_a_clerk_reads(books) -> None:
    seen = 0
    for name, path in books.items():
        for sheet, cell, text in _visible_texts(path):
            where = f"{name} {sheet}!{cell}: {text[:60]}"
            assert not INTERNAL.search(text), where
            plain = re.sub(r"\b[0-9a-f]{16,}\b", "", text)  # a 文件校验码 is a checksum
            words = set(re.findall(r"[A-Za-z]{3,}", plain)) - ALLOWED_WORDS
            assert not words, where
            seen += 1
    assert seen > 1000


def test_the_marks_are_in_every_chinese_font() -> None:
    """√ × △ and the blanks to write on are GB 2312 characters: 宋体 (SimSun) has every one of
    them; ✓ and ✗ are not (SimSun has neither, Noto CJK no ✗)."""
    for text in (CHECK_OK, CHECK_FAIL, CHECK_WARN, CHECK_NOTE, CHECK_WAIT, *SIGN_BLANKS.values()):
        text.encode("gb2312")  # raises for a character outside GB 2312
    for mark in ("✓", "✗"):
        with pytest.raises(UnicodeEncodeError):
            mark.encode("gbk")


def test_noto_cjk_has_every_mark_here() -> None:
    """The fonts LibreOffice prints with on this machine have the marks too."""
    probe = subprocess.run(["fc-list", "--version"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("fontconfig (fc-list) 未安装")
    for mark in (CHECK_OK, CHECK_FAIL, CHECK_WARN):
        families = subprocess.run(
            ["fc-list", f":charset={ord(mark):x}", "family"], capture_output=True, text=True
        ).stdout
        if "Noto" not in subprocess.run(["fc-list"], capture_output=True, text=True).stdout:
            pytest.skip("Noto CJK 字体未安装")
        assert "Noto Sans CJK SC" in families or "Noto Serif CJK SC" in families, mark
