"""PDF reports (attachments, scans run through OCR software): pages to lines, tables to rows.

pdfplumber finds a table by its ruling lines and gives every cell, empty ones included, so a
figure keeps its column even where the cell beside it is empty; text outside the tables comes
as lines in reading order. Without ruling lines a table is just text, which the token stream
reads like any other copied text. (pypdfium2 reads text 20 times faster but knows no ruling
lines, and then loses the empty cells: ``bench/pdf_engines.py`` measures both.)
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from govxl.importer.normal import CELL
from govxl.importer.source import UnreadableReport
from govxl.importer.tokens import Line

ADVICE = "请导入报告的 Word、网页或文字版本，或另存为未加密的 PDF 后再导入"
MAX_PAGES = 200
"""Far more than a yearly report has (they run to 5–15 pages)."""
MAX_INFLATED = 256 * 1024 * 1024
"""What all of a PDF's deflated streams may inflate to. A yearly report's text and ruling lines
inflate to a few MB; its photographs are JPEG, which is not inflated."""

_STREAM = re.compile(rb"stream\r?\n")
_END = b"endstream"
_STEP = 1 << 20


def inflated_size(data: bytes, budget: int = MAX_INFLATED) -> int:
    """How many bytes the PDF's deflated streams inflate to, stopping past ``budget``.

    pdfminer inflates a page's content streams without a limit of its own, so a small PDF built
    to inflate to gigabytes would take that memory before a page is read. This pass looks at
    every ``stream … endstream`` in the file (object streams and cross-reference streams
    included), inflates what is deflated in steps of 1 MB, a second time where the result is
    itself deflated (a filter chain of two), and never holds more than a step in memory. It
    decides nothing about what the PDF says: pdfminer does, once this pass has let it through.
    """
    total = 0
    for m in _STREAM.finditer(data):
        end = data.find(_END, m.end())
        raw = data[m.end() : end if end >= 0 else len(data)]
        total += _inflate_bounded(raw, budget - total, depth=2)
        if total > budget:
            break
    return total


def _inflate_bounded(raw: bytes, budget: int, depth: int) -> int:
    """Bytes ``raw`` inflates to (0 if it is not deflated), counted to just past ``budget``."""
    if not _looks_deflated(raw[:2]):  # another filter, or none
        return 0
    size, head = _count(_inflate([raw]), budget)
    if depth > 1 and size <= budget and _looks_deflated(head):  # a chain of two: the inner one
        size = max(size, _count(_inflate(_inflate([raw])), budget)[0])
    return size


def _count(chunks: Iterator[bytes], budget: int) -> tuple[int, bytes]:
    """The size of what ``chunks`` yield, stopping just past ``budget``, and its first bytes."""
    size, head = 0, b""
    for out in chunks:
        head = head or out[:2]
        size += len(out)
        if size > budget:
            break
    return size, head


def _inflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The inflated data of a deflated stream, one step at a time; stops at a damaged stream."""
    d = zlib.decompressobj()
    for chunk in chunks:
        pending = chunk
        while pending and not d.eof:
            try:
                out = d.decompress(pending, _STEP)
            except zlib.error:
                return
            if not out and d.unconsumed_tail == pending:
                return
            pending = d.unconsumed_tail
            if out:
                yield out
        if d.eof:
            return


def _looks_deflated(head: bytes) -> bool:
    """A zlib header: method 8 and the check bits (RFC 1950)."""
    return len(head) == 2 and head[0] & 0x0F == 8 and int.from_bytes(head, "big") % 31 == 0


def parse_pdf(data: bytes) -> list[Line]:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    if inflated_size(data) > MAX_INFLATED:
        raise UnreadableReport(
            f"PDF 解压后超过 {MAX_INFLATED // 1024 // 1024} MB，不像一份年度报告"
            f"（可能是恶意构造的文件），未读取。{ADVICE}"
        )
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        with pdf:
            return _lines(pdf)
    except UnreadableReport:
        raise
    except (PDFSyntaxError, ValueError, TypeError, KeyError):
        raise UnreadableReport(f"无法打开 PDF 文件（文件损坏或不是 PDF）。{ADVICE}") from None
    except Exception:  # pdfminer raises its own kinds for encrypted or broken files
        raise UnreadableReport(f"无法读取 PDF 文件（可能已加密或损坏）。{ADVICE}") from None


def _lines(pdf: Any) -> list[Line]:
    if len(pdf.pages) > MAX_PAGES:
        raise UnreadableReport(f"PDF 超过 {MAX_PAGES} 页，不像一份年度报告，请只导入年度报告本身")
    lines: list[Line] = []
    tables = 0
    for page in pdf.pages:
        found = page.find_tables()
        items: list[tuple[float, list[Line]]] = []
        for t in found:
            tables += 1
            items.append((t.bbox[1], _table(t.extract(), tables, page.page_number)))
        outside = page
        for t in found:
            outside = outside.outside_bbox(t.bbox)
        for k, tl in enumerate(outside.extract_text_lines()):
            where = f"第 {page.page_number} 页第 {k + 1} 行"
            items.append((tl["top"], [Line(tl["text"], where)]))
        for _top, group in sorted(items, key=lambda x: x[0]):
            lines += group
        lines.append(Line("", f"第 {page.page_number} 页"))
    if not any(line.text.strip() for line in lines):
        raise UnreadableReport(
            "PDF 中没有文字（可能是扫描图片），"
            "请先用文字识别（OCR）软件转换，或导入报告的 Word、网页版本"
        )
    return lines


def _table(rows: list[list[Any]], index: int, page: int) -> list[Line]:
    """Rows of a ruled table: ``None`` is a cell covered by a merged one and is left out."""
    out: list[Line] = []
    where = f"第 {page} 页表格 {index}"
    for r, row in enumerate(rows):
        texts = [" ".join(str(c).replace(CELL, " ").split()) for c in row if c is not None]
        cells = tuple(f"{where} 第 {r + 1} 行第 {k + 1} 格" for k in range(len(texts)))
        out.append(Line(CELL.join(texts), f"{where} 第 {r + 1} 行", cells))
    out.append(Line("", where))
    return out
