"""The yearly report as a document: title, parts 一 to 六, the closing, in .docx, .html or .md.

``build_document`` turns a ``Return`` into one neutral model — the texts split into paragraphs,
each table part as a ``TableModel`` from the sheet layout, every value already shown as text —
so the three writers only decide how things look, never what is said or where a cell sits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from govxl.dates import date_text
from govxl.forms.returns import Return
from govxl.report.document import ReportDoc, Section
from govxl.report.tables import show, table_model
from govxl.report.to_html import write_html
from govxl.report.to_md import write_md

Format = Literal["docx", "html", "md"]
FORMATS: tuple[str, ...] = ("docx", "html", "md")


def report_title(unit: str, year: int | None) -> str:
    return f"{unit}{year if year else '____'}年政府信息公开工作年度报告"


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """Drop control characters pasted in from other programs: no XML (Word, HTML) allows them."""
    return _CONTROL.sub("", text)


def paragraphs(text: str | None) -> tuple[str, ...]:
    """One paragraph per non-empty line: what the clerk typed in the 文字部分 sheet."""
    return tuple(line.strip() for line in clean(text or "").splitlines() if line.strip())


def build_document(ret: Return) -> ReportDoc:
    form = ret.form
    values = ret.all_values()
    shown = {cid: clean(show(values.get(cid), cell.type)) for cid, cell in form.cells.items()}
    sections = []
    for part in form.parts:
        if part.kind == "table" and part.table:
            sections.append(Section(part.title, table=table_model(form, part.table, ret.year)))
        else:
            sections.append(Section(part.title, paragraphs(ret.texts.get(part.id))))
    unit = clean(ret.unit_name).strip()
    signed = clean(date_text(ret.info.get("signed"))).strip()  # 46037, 2026-01-15: 2026年1月15日
    return ReportDoc(report_title(unit, ret.year), tuple(sections), unit, signed, shown)


def unfinished(doc: ReportDoc) -> list[str]:
    """What a report still lacks before it is published: a part with no text, a closing with
    no date. A district's report made from its summary starts so (the summary holds the
    figures; the office writes the words), and is finished in Word or in the workbook."""
    gaps = [f"“{s.title}”没有内容" for s in doc.sections if s.table is None and not s.paragraphs]
    if not doc.signed:
        gaps.append("落款没有日期")
    return gaps


def render_report(ret: Return, fmt: Format | str) -> bytes:
    """The report for ``ret`` as the bytes of a .docx, .html (UTF-8) or .md (UTF-8) file."""
    write: Callable[[ReportDoc], bytes]
    if fmt == "docx":  # python-docx and lxml load only for Word (test_cli_exit guards it)
        from govxl.report.to_docx import write_docx as write
    elif fmt == "html":
        write = write_html
    elif fmt == "md":
        write = write_md
    else:
        raise ValueError(f"不支持的报告格式“{fmt}”，可用：{'、'.join(FORMATS)}")
    return write(build_document(ret))
