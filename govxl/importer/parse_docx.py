"""Word (.docx) reports: body paragraphs and tables, merged cells expanded to grid columns.

The document body is walked in order (content controls included) and reduced to lines for the
token stream: a paragraph each, a table row with its cells. A ``w:vMerge`` continuation is the
lower part of a vertically merged cell — it is left out, exactly as an HTML ``rowspan`` leaves
out the cell it covers. A table holding other tables is page layout: its cells are read as
ordinary content.
The zip is checked before python-docx opens it (size and expansion ratio), and python-docx's
XML parser does not resolve entities.
"""

from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.oxml.ns import qn
from lxml.etree import _Element

from govxl.importer.normal import CELL
from govxl.importer.source import MAX_BYTES, MAX_COLS, MAX_ROWS, UnreadableReport
from govxl.importer.tokens import Line

MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 200
W_P, W_TBL, W_SDT, W_TR, W_TC = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:tr"), qn("w:tc")
W_T, W_TAB, W_BR, W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")


def parse_docx(data: bytes) -> list[Line]:
    _check_zip(data)
    try:
        doc = Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises many kinds for a broken package
        raise UnreadableReport(f"无法打开 Word 文件（文件损坏或不是 .docx）：{e}") from None
    flow = _Flow()
    flow.walk(doc.element.body)
    return flow.lines


def _check_zip(data: bytes) -> None:
    if len(data) > MAX_BYTES * 3:
        raise UnreadableReport("Word 文件过大，不像一份年度报告")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise UnreadableReport("不是有效的 .docx 文件（无法按 zip 格式打开）") from None
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        raise UnreadableReport("不是 Word 文档：缺少 word/document.xml")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNZIPPED or total / packed > MAX_RATIO:
        raise UnreadableReport("Word 文件解压后过大，拒绝读取（可能是恶意构造的文件）")


class _Flow:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.paras = 0
        self.tables = 0

    def walk(self, container: _Element) -> None:
        for child in container.iterchildren():
            if child.tag == W_P:
                for line in _text(child).split("\n"):
                    if line.strip():
                        self.paras += 1
                        self.lines.append(Line(line.strip(), f"第 {self.paras} 段"))
            elif child.tag == W_TBL:
                if child.find(f".//{W_TBL}") is not None:
                    for tc in child.iter(W_TC):
                        self.walk(tc)
                else:
                    self._table(child)
            elif child.tag == W_SDT:
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    self.walk(content)

    def _table(self, tbl: _Element) -> None:
        self.tables += 1
        where = f"表格 {self.tables}"
        for r, tr in enumerate(list(tbl.iterchildren(W_TR))[:MAX_ROWS]):
            texts: list[str] = []
            for tc in list(tr.iterchildren(W_TC))[:MAX_COLS]:
                vmerge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
                if vmerge is not None and vmerge.get(qn("w:val"), "continue") != "restart":
                    continue
                text = " ".join(_text(p) for p in tc.iterchildren(W_P))
                texts.append(" ".join(text.replace(CELL, " ").split()))
            cells = tuple(f"{where} 第 {r + 1} 行第 {k + 1} 格" for k in range(len(texts)))
            self.lines.append(Line(CELL.join(texts), f"{where} 第 {r + 1} 行", cells))
        self.lines.append(Line("", where))


def _text(p: _Element) -> str:
    parts: list[str] = []
    for el in p.iter(W_T, W_TAB, W_BR, W_CR):
        if el.tag == W_T:
            parts.append(el.text or "")
        elif el.tag == W_TAB:
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)
