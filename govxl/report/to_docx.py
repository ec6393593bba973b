"""The report as a Word document laid out like a government 公文 (GB/T 9704-2012).

A4 portrait, margins 3.7/3.5/2.8/2.6 cm, body 仿宋_GB2312 三号 at a fixed 28 pt line, part
headings 黑体 三号, title 方正小标宋简体 二号, page numbers “— 1 —” at the foot. Chinese fonts
are set on ``w:eastAsia`` (Word ignores the plain font name for CJK text).

Tables are real Word tables with merged cells, 宋体 with borders, sized to the text width:
table 二 in 五号 (10.5 pt); tables 三 (10 columns) and 四 (15 columns) in 小五 (9 pt) with narrow
cell margins, so that they stay portrait like the official Word template, where headers such as
“结果维持” wrap over two lines. Header rows repeat on every page and no row breaks across pages.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell

from govxl.report.document import ReportDoc
from govxl.report.tables import TableModel, TCell

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
TABLE_FONT = "宋体"
BODY_PT = 16.0
TITLE_PT = 22.0
LINE_PT = 28.0
PAGE_CM = (21.0, 29.7)
MARGINS_CM = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}
TEXT_CM = PAGE_CM[0] - MARGINS_CM["left"] - MARGINS_CM["right"]
CELL_MARGIN_DXA = 45
"""0.08 cm each side: the 15 columns of table 四 keep two characters per line."""
FIGURE_CM = 1.05
"""Figure columns hold two characters of 小五 per line: headers wrap as the official copies
print them (“商业⏎企业”), and the row labels get the width to stay on one or two lines."""

ROW_DXA = {True: 340, False: 255}
"""Least row height (twips): 0.6 cm for table 二 in 五号, 0.45 cm for the 小五 tables."""

STYLE_TITLE = "报告标题"
STYLE_TABLE = "报告表格"
STYLE_CLOSING = "报告落款"


def write_docx(doc: ReportDoc) -> bytes:
    d = Document()
    _page(d)
    _styles(d)
    d.core_properties.title = doc.title
    d.core_properties.author = doc.unit
    d.add_paragraph(doc.title, style=STYLE_TITLE)
    for section in doc.sections:
        d.add_paragraph(section.title, style="Heading 1")
        for text in section.paragraphs:
            d.add_paragraph(text)
        if section.table is not None:
            _table(d, section.table, doc)
    closing = [t for t in (doc.unit, doc.signed) if t]
    for i, line in enumerate(closing):
        p = d.add_paragraph(line, style=STYLE_CLOSING)
        if i == 0:
            p.paragraph_format.space_before = Pt(LINE_PT * 2)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- page and styles


def _page(d: DocxDocument) -> None:
    s = d.sections[0]
    s.page_width, s.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
    s.top_margin, s.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    s.left_margin, s.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    s.footer_distance = Cm(2.4)
    p = s.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)
    p.add_run(" —")
    for r in p.runs:
        _font(r.font, TABLE_FONT, 14.0)


def _font(font, name: str, size: float, bold: bool = False) -> None:
    """Set the font for Latin *and* East Asian text, dropping theme fonts that would override."""
    font.name = name
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rfonts = font.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), name)


def _styles(d: DocxDocument) -> None:
    normal = d.styles["Normal"]
    _font(normal.font, BODY_FONT, BODY_PT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    _spacing(normal, indent=True)
    heading = d.styles["Heading 1"]
    _font(heading.font, HEADING_FONT, BODY_PT)
    _spacing(heading, indent=True)
    heading.paragraph_format.keep_with_next = True
    title = d.styles.add_style(STYLE_TITLE, WD_STYLE_TYPE.PARAGRAPH)
    title.base_style = normal
    _font(title.font, TITLE_FONT, TITLE_PT)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(LINE_PT)
    closing = d.styles.add_style(STYLE_CLOSING, WD_STYLE_TYPE.PARAGRAPH)
    closing.base_style = normal
    closing.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    closing.paragraph_format.first_line_indent = Pt(0)
    closing.paragraph_format.right_indent = Pt(BODY_PT * 2)
    table = d.styles.add_style(STYLE_TABLE, WD_STYLE_TYPE.PARAGRAPH)
    table.base_style = normal
    _font(table.font, TABLE_FONT, 10.5)
    table.paragraph_format.first_line_indent = Pt(0)
    table.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    table.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _spacing(style: ParagraphStyle, *, indent: bool) -> None:
    pf = style.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = Pt(LINE_PT)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.first_line_indent = Pt(BODY_PT * 2) if indent else Pt(0)


# ---------------------------------------------------------------- tables


def _table(d: DocxDocument, model: TableModel, doc: ReportDoc) -> None:
    size = 10.5 if model.ncols <= 4 else 9.0
    t = d.add_table(rows=len(model.rows), cols=model.ncols)
    t.style = d.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    style = d.styles[STYLE_TABLE]
    # Taken once: Table.cell() rebuilds the whole grid on each call. Merged regions never
    # overlap, so a region's corner cells are still in place when its turn comes.
    grid = [[_Cell(tc, t) for tc in tr.tc_lst] for tr in t._tbl.tr_lst]
    for row in model.rows:
        for c in row:
            cell = grid[c.row][c.col]
            if c.rowspan > 1 or c.colspan > 1:
                cell = cell.merge(grid[c.row + c.rowspan - 1][c.col + c.colspan - 1])
            _fill(cell, c, doc.text(c), size, style)
    _geometry(t, model)
    d.add_paragraph(style=style)  # keeps the next heading off the table


def _fill(cell: _Cell, c: TCell, text: str, size: float, style: ParagraphStyle) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p._p.style = style.style_id  # by id: the public setter scans all styles on every call
    if c.role in ("row", "corner"):
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    run = p.add_run(text)  # "\n" becomes a line break: 本年新⏎制作数量 as in the template
    run.font.size = Pt(size)
    run.font.bold = c.role == "block"


def _widths(model: TableModel) -> list[float]:
    """Column widths in cm, filling the text width: figures equal, labels take the rest."""
    n = model.ncols
    if model.layout == "blocks":
        first = TEXT_CM * 0.34
        return [first] + [(TEXT_CM - first) / (n - 1)] * (n - 1)
    figures = n - model.label_cols
    if not model.label_cols:
        return [TEXT_CM / n] * n
    fig = min(FIGURE_CM, TEXT_CM * 0.65 / figures)
    groups = [1.0] + [1.6] * (model.label_cols - 2) if model.label_cols > 1 else []
    last = TEXT_CM - fig * figures - sum(groups)
    return groups + [last] + [fig] * figures


def _geometry(t: Table, model: TableModel) -> None:
    widths = _widths(model)
    tbl = t._tbl
    for i, col in enumerate(t.columns):
        col.width = Cm(widths[i])
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl.tblPr.append(layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(CELL_MARGIN_DXA))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    tbl.tblPr.append(margins)
    last = len(tbl.tr_lst) - 1
    for r, tr in enumerate(tbl.tr_lst):
        tr_pr = tr.get_or_add_trPr()
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(ROW_DXA[model.ncols <= 4]))
        height.set(qn("w:hRule"), "atLeast")
        tr_pr.append(height)
        tr_pr.append(OxmlElement("w:cantSplit"))
        if r < model.head:
            tr_pr.append(OxmlElement("w:tblHeader"))
        if r < last:  # Word's way to keep a table on one page: every row keeps with the next
            for p in tr.iter(qn("w:p")):
                p.get_or_add_pPr().keepNext_val = True
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Cm(sum(widths[col : col + span]))
            col += span
