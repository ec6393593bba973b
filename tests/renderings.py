"""Published reports as they reach us, made from govxl's own rendered reports.

Each rendering seen in real publications (issue 16) is a function of a ``Return`` and a random
generator, giving the bytes of a file, its name and what the import must find: the figures it
shows (cell id → value, ``None`` for a cell shown as “/”), and whether every figure can be
placed (a crawler's run-together digits may leave some readings open, which the import must
then list rather than guess). The text renderings are written from the same document model
the .docx/.html/.md writers use (``govxl.report.render.build_document``); the others transform
those writers' output.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from govxl.forms import CellType
from govxl.forms.compute import Value
from govxl.forms.returns import Return
from govxl.report.document import ReportDoc
from govxl.report.render import build_document, render_report
from govxl.report.tables import TableModel


@dataclass
class Fixture:
    data: bytes
    name: str
    expected: dict[str, Value]
    """Every input cell as the report shows it."""
    complete: bool = True
    """Every figure can be placed (False: some readings may stay open, and are listed)."""
    findings: set[str] = field(default_factory=set)
    """Finding codes the rendering must cause."""


Rows = list[list[str]]


def table_rows(model: TableModel, doc: ReportDoc) -> Rows:
    """A table as the rows of its cells' texts, merged cells once, in reading order."""
    return [[doc.text(c) for c in row if c.role != "blank"] for row in model.rows]


def _blocks(doc: ReportDoc) -> list[tuple[str, list[str] | Rows]]:
    """The report as (kind, content): ``p`` a paragraph, ``t`` a table's rows."""
    out: list[tuple[str, list[str] | Rows]] = [("p", [doc.title])]
    for s in doc.sections:
        out.append(("h", [s.title]))
        out += [("p", [p]) for p in s.paragraphs]
        if s.table is not None:
            out.append(("t", table_rows(s.table, doc)))
    out += [("p", [x]) for x in (doc.unit, doc.signed) if x]
    return out


def _expected(ret: Return) -> dict[str, Value]:
    return dict(ret.values)


def _break_headers(rows: Rows, rng: random.Random, sep: str) -> Rows:
    """Header words broken inside a cell: 商业 企业, 本年新⏎制作数量."""
    out = []
    for row in rows:
        new = []
        for text in row:
            if 4 <= len(text) <= 8 and not re.search(r"\d", text) and rng.random() < 0.5:
                k = len(text) // 2
                text = text[:k] + sep + text[k:]
            new.append(text.replace("\n", sep))
        out.append(new)
    return out


def text_report(doc: ReportDoc, table: Callable[[Rows], list[str]], para_gap: bool) -> str:
    lines: list[str] = []
    for kind, content in _blocks(doc):
        if kind == "t":
            lines += table(content)  # type: ignore[arg-type]
        else:
            lines.append(content[0])  # type: ignore[index]
        if para_gap:
            lines.append("")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the renderings


def bars_on_one_line(ret: Return, rng: random.Random) -> Fixture:
    """Rows on one line, `` | `` between cells, bars at the ends or not, trailing empty cells,
    two spaces before a bar; headers broken over two lines."""

    def table(rows: Rows) -> list[str]:
        out = []
        for row in _break_headers(rows, rng, "\n"):
            texts = [t.replace("\n", " ") for t in row]
            sep = rng.choice([" | ", "|", "  | "])
            line = sep.join(texts)
            if rng.random() < 0.5:
                line = f"| {line} |"
            if rng.random() < 0.3:
                line += " |||"
            out.append(line)
        return out

    return Fixture(text_report(build_document(ret), table, False).encode(), "r.txt", _expected(ret))


def cells_on_lines(ret: Return, rng: random.Random) -> Fixture:
    """One cell per line, cells separated by lines holding only bars, or each cell followed by
    a bar line; or one cell per paragraph with blank lines, no separator at all."""
    style = rng.choice(["between", "after", "paragraph"])

    def table(rows: Rows) -> list[str]:
        out: list[str] = []
        for row in _break_headers(rows, rng, " "):
            for k, text in enumerate(row):
                if style == "between" and k:
                    out.append(rng.choice(["|", "||", "|||"]))
                out.append(text)
                if style == "after":
                    out.append("|")
                if style == "paragraph":
                    out.append("")
        return out

    doc = build_document(ret)
    return Fixture(text_report(doc, table, style == "paragraph").encode(), "r.txt", _expected(ret))


def half_width(ret: Return, rng: random.Random) -> Fixture:
    """Half-width punctuation throughout, 第二十条  第(一)项, headers broken with spaces."""
    fx = bars_on_one_line(ret, rng)
    text = fx.data.decode()
    for a, b in (("（", "("), ("）", ")"), ("：", ":"), ("，", ",")):
        text = text.replace(a, b)
    text = text.replace("第二十条第", rng.choice(["第二十条  第", "第二十条第"]))
    return Fixture(text.encode(), "r.txt", fx.expected)


def local_variants(ret: Return, rng: random.Random) -> Fixture:
    """Local header variants, renamed headings, a caption row in a table, “/” for 0."""
    doc = build_document(ret)
    year = ret.year or 2023
    swaps = {
        "本年制发件数": f"本年({year})制发件数",
        "现行有效件数": "现行有效件数 (历史累计)",
        "采购总金额": "采购总金额(万元,保留四位小数)",
        "四、政府信息公开行政复议、行政诉讼情况": (
            "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"
        ),
        "五、存在的主要问题及改进情况": "五、政府信息公开工作存在的主要问题及改进情况",
    }
    expected = _expected(ret)
    zeros = [c for c, v in expected.items() if v == 0 and ret.form.cells[c].type is CellType.COUNT]
    slashed = set(rng.sample(zeros, min(3, len(zeros))))
    shown = dict(doc.shown)
    for c in slashed:
        shown[c] = rng.choice(["/", "—"])
        expected[c] = None
    doc = ReportDoc(doc.title, doc.sections, doc.unit, doc.signed, shown)

    def table(rows: Rows) -> list[str]:
        out = ["单位：件"]
        for row in rows:
            out.append(" | ".join(swaps.get(t, t).replace("\n", "") for t in row))
        return out

    text = text_report(doc, table, False)
    for a, b in swaps.items():
        text = text.replace(a, b)
    codes = {"dash-as-blank"} if slashed else set()
    return Fixture(text.encode(), "r.txt", expected, findings=codes)


def run_together(ret: Return, rng: random.Random) -> Fixture:
    """A crawler's copy: the whole report on few lines, a table row's cells run together."""
    doc = build_document(ret)

    def table(rows: Rows) -> list[str]:
        return ["".join("".join(row) for row in rows)]

    text = text_report(doc, table, False)
    if rng.random() < 0.5:
        text = text.replace("\n", "")
    return Fixture(text.encode(), "r.txt", _expected(ret), complete=False)


def markdown_from_pdf(ret: Return, rng: random.Random) -> Fixture:
    """What converters and OCR make of a PDF: ## before every section, tables torn in pieces
    with the header repeated, applicant columns renamed 数据1…数据6, a row without its label,
    a figure with a note in its cell, an OCR slip in the unit's name."""
    text = render_report(ret, "md").decode()
    text = re.sub(r"^(?=[一二三四五六]、)", "## ", text, flags=re.M)
    lines = text.split("\n")
    for k, line in enumerate(lines):
        for n, name in enumerate(
            ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构"]
        ):
            line = re.sub(rf"(?<=\| )[^|]*{name}(?= \|)", f"数据{n + 1}", line)
        lines[k] = line
    header = next((k for k, line in enumerate(lines) if "数据1" in line), None)
    rows = [k for k, line in enumerate(lines) if line.startswith("| ") and "（三）不予公开" in line]
    expected = _expected(ret)
    if header is not None and rows:
        cut = rows[0]
        lines[cut:cut] = ["", "第 2 页", "", lines[header], lines[header + 1]]
    unlabelled = [k for k, line in enumerate(lines) if "| 2.重复申请 |" in line]
    for k in unlabelled:
        lines[k] = lines[k].replace("2.重复申请", "")
    noted = next((k for k, line in enumerate(lines) if line.startswith("| 规章 |")), None)
    if noted is not None:
        cells = lines[noted].split(" | ")
        cells[1] = f"{cells[1]}（其中修订{rng.randint(0, 9)}件）"
        lines[noted] = " | ".join(cells)
    codes = {"value-note"} if noted is not None else set()
    closing = max(k for k, line in enumerate(lines) if line.strip() == ret.unit_name)
    lines[closing] = ret.unit_name.replace("县", "悬", 1)  # an OCR slip (沐阳 for 沭阳)
    if lines[closing] != ret.unit_name:
        codes.add("unit-name")
    return Fixture("\n".join(lines).encode(), "r.md", expected, findings=codes)


def html_wrapped(ret: Return, rng: random.Random) -> Fixture:
    """A page kept in a JavaScript string, a .txt holding HTML, Word's HTML with header spans
    that do not line up, site chrome before the report."""
    page = render_report(ret, "html").decode()
    page = page.replace(' colspan="', rng.choice([' colspan="', ' data-x="1" colspan="']))
    page = re.sub(r'colspan="(\d+)"', lambda m: f'colspan="{int(m.group(1)) + 1}"', page, count=2)
    chrome = (
        "<nav><a>首页</a><a>政府信息公开年报</a><a>2022年政府信息公开工作年度报告</a></nav>"
        "<div>标题：" + build_document(ret).title + "</div><div>发布日期：2024-01-20</div>"
    )
    page = page.replace("<article>", chrome + "<article>")
    style = rng.choice(["js", "txt", "html"])
    if style == "js":
        quoted = page.replace("\\", "\\\\").replace('"', '\\"').replace("/", "\\/")
        quoted = quoted.replace("\n", "\\n").replace(" ", "&nbsp;", 3)
        page = f'<script>var content = "{quoted}";</script>'
        return Fixture(page.encode(), "r.html", _expected(ret))
    return Fixture(page.encode(), "r.txt" if style == "txt" else "r.htm", _expected(ret))


def metadata_first(ret: Return, rng: random.Random) -> Fixture:
    """Metadata lines before the body, the title without its year (the year only in
    “统计期限为…”), the unit only as 我局 in the text."""
    doc = build_document(ret)
    title = doc.title.replace(f"{ret.year}年", "")
    period = f"本报告中所列数据的统计期限为{ret.year}年1月1日至{ret.year}年12月31日。"
    lines = [
        f"标题：{title}",
        f"发布机构：{ret.unit_name}",
        f"发布日期：{(ret.year or 2023) + 1}-01-20",
        "",
    ]
    body = text_report(doc, lambda rows: [" | ".join(r) for r in rows], True)
    body = body.replace(doc.title + "\n", title + "\n", 1)
    body = body.replace("一、总体情况\n\n", f"一、总体情况\n\n{period}我局", 1)
    return Fixture(("\n".join(lines) + body).encode(), "r.txt", _expected(ret))


def tables_after_text(ret: Return, rng: random.Random) -> Fixture:
    """The narrative parts first, then the tables numbered 一/二/三, so that “二、” heads
    table 三."""
    doc = build_document(ret)
    text_sections = [s for s in doc.sections if s.table is None]
    table_sections = [s for s in doc.sections if s.table is not None]
    numerals = "一二三四五六"
    lines = [doc.title, ""]
    for k, sec in enumerate([*text_sections, *table_sections]):
        n = k if sec.table is None else k - len(text_sections)
        lines.append(numerals[n] + "、" + sec.title.split("、", 1)[1])
        lines += list(sec.paragraphs)
        if sec.table is not None:
            lines += [" | ".join(r) for r in table_rows(sec.table, doc)]
        lines.append("")
    lines += [doc.unit, doc.signed]
    data = "\n".join(lines).encode()
    return Fixture(data, "r.txt", _expected(ret), findings={"section-order"})


RENDERINGS: dict[str, Callable[[Return, random.Random], Fixture]] = {
    "bars": bars_on_one_line,
    "cells-on-lines": cells_on_lines,
    "half-width": half_width,
    "local-variants": local_variants,
    "run-together": run_together,
    "markdown-from-pdf": markdown_from_pdf,
    "html-wrapped": html_wrapped,
    "metadata-first": metadata_first,
    "tables-after-text": tables_after_text,
}
