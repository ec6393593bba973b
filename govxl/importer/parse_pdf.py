"""PDF reports (attachments, scans run through OCR software): pages to lines, tables to rows.

pdfplumber finds a table by its ruling lines and gives every cell, empty ones included, so a
figure keeps its column even where the cell beside it is empty; text outside the tables comes
as lines in reading order. Without ruling lines a table is just text, which the token stream
reads like any other copied text. (pypdfium2 reads text 20 times faster but knows no ruling
lines, and then loses the empty cells: ``bench/pdf_engines.py`` measures both.)
"""

from __future__ import annotations

import io
from typing import Any

from govxl.importer.normal import CELL
from govxl.importer.source import UnreadableReport
from govxl.importer.tokens import Line

ADVICE = "请导入报告的 Word、网页或文字版本，或另存为未加密的 PDF 后再导入"
MAX_PAGES = 200
"""Far more than a yearly report has (they run to 5–15 pages)."""


def parse_pdf(data: bytes) -> list[Line]:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

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
