"""The report as one self-contained HTML page, shaped like the reports government sites publish.

Tables are real ``<table>`` s with ``rowspan``/``colspan`` (headers in ``<thead>``, labels in
``<th>``, figures in ``<td>``), so the page reads like the official table and an importer — ours
or anybody's — finds the structure in the markup. Every piece of text is escaped; a strict
Content-Security-Policy makes sure that even a mistake there could not run a script.
"""

from __future__ import annotations

from html import escape

from govxl.report.document import ReportDoc
from govxl.report.tables import TableModel, TCell

STYLE = """
body { font-family: "FangSong", "仿宋_GB2312", "仿宋", serif; font-size: 16pt; line-height: 1.8;
       max-width: 46em; margin: 2em auto; padding: 0 1em; color: #000; }
h1 { font-family: "方正小标宋简体", "SimSun", serif; font-size: 22pt; font-weight: normal;
     text-align: center; line-height: 1.4; }
h2 { font-family: "SimHei", "黑体", sans-serif; font-size: 16pt; font-weight: normal;
     text-indent: 2em; margin: 0.6em 0 0; }
p { text-indent: 2em; margin: 0; }
p.closing { text-align: right; text-indent: 0; }
p.closing.first { margin-top: 2em; }
table { border-collapse: collapse; margin: 0.6em auto; font-family: "SimSun", "宋体", serif;
        font-size: 10.5pt; line-height: 1.4; }
th, td { border: 1px solid #000; padding: 0.2em 0.35em; text-align: center;
         vertical-align: middle; font-weight: normal; }
th.row { text-align: left; }
th.corner { text-align: left; }
""".strip()

CSP = "default-src 'none'; style-src 'unsafe-inline'"


def write_html(doc: ReportDoc) -> bytes:
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(doc.title)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
        "<article>",
        f"<h1>{_esc(doc.title)}</h1>",
    ]
    for section in doc.sections:
        out.append(f"<h2>{_esc(section.title)}</h2>")
        out += [f"<p>{_esc(p)}</p>" for p in section.paragraphs]
        if section.table is not None:
            out += _table(section.table, doc)
    closing = [t for t in (doc.unit, doc.signed) if t]
    for i, line in enumerate(closing):
        cls = "closing first" if i == 0 else "closing"
        out.append(f'<p class="{cls}">{_esc(line)}</p>')
    out += ["</article>", "</body>", "</html>", ""]
    return "\n".join(out).encode("utf-8")


def _esc(text: str) -> str:
    """Escape everything, then keep the line breaks the official headers have (本年新⏎制作数量)."""
    return "<br>".join(escape(line, quote=True) for line in text.split("\n"))


def _table(model: TableModel, doc: ReportDoc) -> list[str]:
    out = [f'<table class="{model.id}">']
    if model.head:
        out.append("<thead>")
    for i, row in enumerate(model.rows):
        if model.head and i == model.head:
            out += ["</thead>", "<tbody>"]
        elif not model.head and i == 0:
            out.append("<tbody>")
        out.append("<tr>" + "".join(_cell(c, doc) for c in row) + "</tr>")
    out += ["</tbody>", "</table>"]
    return out


def _cell(cell: TCell, doc: ReportDoc) -> str:
    spans = ""
    if cell.rowspan > 1:
        spans += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        spans += f' colspan="{cell.colspan}"'
    tag = "th" if cell.is_label else "td"
    cls = f' class="{cell.role}"' if cell.is_label else ""
    return f"<{tag}{cls}{spans}>{_esc(doc.text(cell))}</{tag}>"
