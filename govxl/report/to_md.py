"""The report as Markdown: headings, paragraphs and pipe tables.

Markdown cannot merge cells, and an embedded HTML table would be unreadable as text (the reason
to want Markdown at all). So each table is flattened the way a clerk would copy it:

* a merged cell prints its text once, in its top-left position, and leaves the cells it covers
  empty — columns stay where they are on the sheet, so every figure stays under its header;
* a grid's header rows fold into one header row, each column naming its header path
  (``行政复议·结果维持``, ``法人或其他组织·商业企业``), leaving out a header that spans all
  figures (``申请人情况``); the 勾稽 note heads the label column;
* table 二 becomes one small table per block, under its ``第二十条第（X）项`` title in bold.

Text from a unit is escaped so that it can never turn into markup, a link or raw HTML.
"""

from __future__ import annotations

from govxl.mdtext import md_escape
from govxl.report.document import ReportDoc
from govxl.report.tables import TableModel, TCell

HEADER_JOIN = "·"


def write_md(doc: ReportDoc) -> bytes:
    out = [f"# {md_escape(doc.title, block=True)}", ""]
    for section in doc.sections:
        out += [f"## {md_escape(section.title, block=True)}", ""]
        for p in section.paragraphs:
            out += [md_escape(p, block=True), ""]
        if section.table is not None:
            out += _table(section.table, doc)
    for line in (doc.unit, doc.signed):
        if line:
            out += [md_escape(line, block=True), ""]
    return "\n".join(out).encode("utf-8")


def _cell_text(doc: ReportDoc, cell: TCell) -> str:
    return md_escape(doc.text(cell).replace("\n", ""))


def _row(doc: ReportDoc, model: TableModel, cells: tuple[TCell, ...]) -> list[str]:
    texts = [""] * model.ncols
    for c in cells:
        texts[c.col] = _cell_text(doc, c)
    return texts


def _pipe(texts: list[str]) -> str:
    return "| " + " | ".join(texts) + " |"


def _emit(header: list[str], body: list[list[str]]) -> list[str]:
    out = [_pipe(header), _pipe(["---"] * len(header))]
    out += [_pipe(r) for r in body]
    return out + [""]


def _table(model: TableModel, doc: ReportDoc) -> list[str]:
    if model.layout == "blocks":
        return _blocks(model, doc)
    header = _flat_header(model, doc)
    body = [_row(doc, model, r) for r in model.rows[model.head :]]
    return _emit(header, body)


def _flat_header(model: TableModel, doc: ReportDoc) -> list[str]:
    figures = model.ncols - model.label_cols
    paths: list[list[str]] = [[] for _ in range(model.ncols)]
    for row in model.rows[: model.head]:
        for c in row:
            if c.role == "corner":
                paths[c.col].append(_cell_text(doc, c))
            elif c.role == "header" and (c.colspan < figures or figures == 1):
                for k in range(c.col, c.col + c.colspan):
                    paths[k].append(_cell_text(doc, c))
    return [HEADER_JOIN.join(p) for p in paths]


def _blocks(model: TableModel, doc: ReportDoc) -> list[str]:
    out: list[str] = []
    header: list[str] | None = None
    body: list[list[str]] = []
    for row in model.rows:
        first = row[0]
        if first.role == "block" and first.colspan == model.ncols:
            if header is not None:
                out += _emit(header, body)
            out += [f"**{_cell_text(doc, first)}**", ""]
            header, body = None, []
        elif header is None:
            header = _row(doc, model, row)
        else:
            body.append(_row(doc, model, row))
    if header is not None:
        out += _emit(header, body)
    return out
