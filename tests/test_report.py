"""The yearly report: the same tables as the workbook, in .docx, .html and .md, safely escaped."""

from __future__ import annotations

import importlib.util
import io
import random
import re
import subprocess
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn

from govxl.check import inspect_file
from govxl.forms import CellType, load_form
from govxl.forms.layout import layout
from govxl.forms.returns import Return
from govxl.forms.workbook import SHEET_INFO, info_cell
from govxl.mdtext import md_escape, md_unescape
from govxl.report.render import build_document, render_report
from govxl.report.tables import show, table_model
from govxl.report.to_docx import TEXT_CM
from govxl.samples import random_return
from govxl.template.writer import render

FORMS = ["gb2019", "gb2021", "jilin2020"]
YEAR = {"gb2019": 2019, "gb2021": 2024, "jilin2020": 2020}
ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<script>alert(1)</script>|**粗体** [链接](javascript:x) &amp; =SUM(A1) # 标题"


def _ret(form_id: str, seed: int = 1, name: str = "长春市绿园区正阳街道办事处") -> Return:
    return random_return(load_form(form_id), random.Random(seed), year=YEAR[form_id], name=name)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def _tags(html: bytes) -> _Tags:
    p = _Tags()
    p.feed(html.decode("utf-8"))
    return p


# ---------------------------------------------------------------- the shared table model


@pytest.mark.parametrize("form_id", FORMS)
def test_table_model_is_the_sheet_layout_without_title_status_and_checks(form_id):
    form = load_form(form_id)
    for table in form.tables:
        lay = layout(form, table.id, YEAR[form_id])
        model = table_model(form, table.id, YEAR[form_id])
        grid = [[0] * model.ncols for _ in model.rows]
        for c in model.cells():
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    grid[r][k] += 1
        assert all(n == 1 for row in grid for n in row), "every grid position covered once"
        ids = {c.cell_id for c in model.cells() if c.cell_id}
        assert ids == set(lay.cells) == {c.id for c in form.table_cells(table.id)}
        texts = {c.text for c in model.cells() if c.is_label}
        assert not any(t.startswith("校验") for t in texts)
        assert table.title not in texts


def test_show_signs_changes_and_keeps_money_digits():
    assert [show(v, CellType.DELTA) for v in (3, -59, 0, None)] == ["+3", "-59", "0", ""]
    assert show(Decimal("44967"), CellType.MONEY) == "44967.00"
    assert show(Decimal("5949.088667"), CellType.MONEY) == "5949.088667"
    assert show(Decimal("1E+3"), CellType.MONEY) == "1000.00"
    assert show(12, CellType.COUNT) == "12"
    assert show("减59", CellType.DELTA) == "减59"


# ---------------------------------------------------------------- content and order


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_title_parts_in_order_and_closing_at_the_end(fmt):
    ret = _ret("gb2021")
    data = render_report(ret, fmt)
    if fmt == "docx":
        d = docx.Document(io.BytesIO(data))
        text = "\n".join(p.text for p in d.paragraphs)
        last = [p for p in d.paragraphs if p.text.strip()][-2:]
        assert [p.text for p in last] == [ret.unit_name, ret.info["signed"]]
        assert all(
            p.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
            or p.style.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
            for p in last
        )
    else:
        text = data.decode("utf-8")
    title = "长春市绿园区正阳街道办事处2024年政府信息公开工作年度报告"
    positions = [text.index(title)] + [text.index(p.title) for p in ret.form.parts]
    positions += [text.rindex(ret.unit_name), text.rindex(ret.info["signed"])]
    assert positions == sorted(positions)


def test_html_tables_have_the_official_spans():
    for form_id, rows3 in (("gb2019", 20), ("gb2021", 22)):
        tags = _tags(render_report(_ret(form_id), "html")).tags
        cells = [(t, a) for t, a in tags if t in ("th", "td")]
        spans = {(a.get("rowspan"), a.get("colspan")) for _, a in cells}
        assert ("3", "3") in spans  # the 勾稽 note in the corner
        assert (None, "7") in spans  # 申请人情况
        assert (str(rows3), None) in spans  # 三、本年度办理结果
        assert (None, "10") in spans  # 行政诉讼
        assert sum(1 for t, _ in tags if t == "table") == 3
        assert sum(1 for t, _ in tags if t == "thead") == 2  # tables 三 and 四


def test_html_escapes_everything_a_unit_typed():
    ret = _ret("jilin2020", name=HOSTILE)
    ret.texts["p1"] = HOSTILE + "\n第二段"
    html = render_report(ret, "html")
    tags = _tags(html)
    assert {t for t, _ in tags.tags} <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "article",
        "h1",
        "h2",
        "p",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "br",
    }
    assert HOSTILE in "".join(tags.text)
    assert b"Content-Security-Policy" in html


def test_md_escapes_markup_and_round_trips_the_text():
    for text in (HOSTILE, "1. 不是列表", "- 不是列表", "---", "# 不是标题", "a\\b\\*"):
        assert md_unescape(md_escape(text, block=True)) == text
    md = render_report(_ret("gb2019", name=HOSTILE), "md").decode("utf-8")
    assert "<script>" not in md and "\\<script\\>" in md
    assert "[链接](" not in md


def test_md_tables_keep_every_figure_under_its_flattened_header():
    doc = build_document(_ret("gb2021"))
    md = render_report(_ret("gb2021"), "md").decode("utf-8")
    lines = md.splitlines()
    head3 = next(line for line in lines if line.startswith("| （本列数据"))
    assert "| 自然人 | 法人或其他组织·商业企业 |" in head3 and "申请人情况" not in head3
    head4 = next(line for line in lines if line.startswith("| 行政复议·结果维持"))
    assert "行政诉讼·复议后起诉·总计" in head4
    assert "**第二十条第（一）项**" in lines
    r1 = next(line for line in lines if line.startswith("| 一、本年新收"))
    cells = [c.strip() for c in r1.strip("|").split("|")]
    columns = ("natural", "business", "research", "nonprofit", "legal", "other", "total")
    assert cells[3:] == [doc.shown[f"t3.r1.{c}"] for c in columns]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="不支持的报告格式"):
        render_report(_ret("gb2021"), "pdf")


# ---------------------------------------------------------------- the Word document


def test_docx_page_fonts_and_real_merged_cells():
    d = docx.Document(io.BytesIO(render_report(_ret("gb2021"), "docx")))
    s = d.sections[0]
    assert (round(s.page_width.cm, 1), round(s.page_height.cm, 1)) == (21.0, 29.7)
    assert (round(s.top_margin.cm, 1), round(s.left_margin.cm, 1)) == (3.7, 2.8)
    fonts = d.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert d.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert len(d.tables) == 3
    t3 = d.tables[1]._tbl
    assert t3.xpath(".//w:gridSpan[@w:val='7']")  # 申请人情况
    assert t3.xpath(".//w:vMerge[@w:val='restart']")  # 三、本年度办理结果 and the note
    assert len(t3.xpath(".//w:tblHeader")) == 3
    for table in d.tables:
        widths = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.iterchildren()]
        assert sum(widths) / 567 == pytest.approx(TEXT_CM, abs=0.05)
    corner = d.tables[1].cell(0, 0).text
    assert corner == load_form("gb2021").table("t3").corner
    assert d.tables[0].cell(1, 1).text == "本年制发件数"


# ---------------------------------------------------------------- LibreOffice: PDF and pictures


def _png_script():
    spec = importlib.util.spec_from_file_location(
        "make_report_pngs", ROOT / "docs" / "make_report_pngs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.soffice
def test_docx_converts_to_pdf_and_the_tables_fit_the_page(soffice, tmp_path):
    script = _png_script()
    pngs = script.render_pages(tmp_path, dpi=30, forms=FORMS, work=tmp_path)
    for form_id in FORMS:
        assert pngs[form_id], form_id
        assert all(p.stat().st_size > 1000 for p in pngs[form_id])
        pdf = tmp_path / f"report-{form_id}.pdf"
        assert 2 <= script.page_count(pdf) <= 5
        bbox = subprocess.run(
            ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        found = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)<', bbox)
        # A full stop may hang into the margin at the end of a text line, as in Word.
        words = [(float(a), float(b)) for a, b, w in found if not w.endswith(tuple("。，；：、"))]
        assert words
        left, right = 2.8 / 2.54 * 72, (21.0 - 2.6) / 2.54 * 72
        assert min(a for a, _ in words) >= left - 2
        assert max(b for _, b in words) <= right + 2
        text = "".join(script.page_text(pdf, p) for p in range(1, script.page_count(pdf) + 1))
        assert "申请人情况" in text and "未经复议直接起诉" in text


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_control_characters_pasted_from_other_programs_are_dropped(fmt):
    ret = _ret("gb2021", name="某\x0b局\x00")
    ret.texts["p1"] = "第一\x01段"
    data = render_report(ret, fmt)
    if fmt == "docx":
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    else:
        text = data.decode("utf-8")
    assert "某局2024年" in text and "第一段" in text


@pytest.mark.parametrize(
    "typed",
    [datetime(2026, 1, 15), 46037, "2026-01-15", "2026/1/15", "二〇二六年一月十五日"],
    ids=["date-cell", "date-serial", "iso-text", "slashes", "chinese-numerals"],
)
def test_the_signature_date_prints_as_a_chinese_date_however_it_was_typed(tmp_path, typed):
    """落款日期 is a date cell; a clerk's program may still leave a serial or text in it."""
    ret = _ret("gb2021")
    path = tmp_path / "r.xlsx"
    path.write_bytes(render(ret))
    wb = openpyxl.load_workbook(path)
    row, col = info_cell("signed")
    wb[SHEET_INFO].cell(row + 1, col + 1, typed)
    wb.save(path)
    read = inspect_file(path).ret
    assert read is not None and read.info["signed"] == "2026年1月15日"
    text = render_report(read, "md").decode("utf-8")
    assert text.rstrip().endswith("2026年1月15日") and "46037" not in text
