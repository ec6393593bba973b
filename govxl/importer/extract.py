"""From the bytes of a file to lines: the only part of the import that knows formats.

.docx, .pdf and HTML have their own readers, which give paragraphs and table rows; everything
else is text, read line by line. What a file is comes from its content as much as its name: a
.txt that holds a web page is read as HTML, a page kept inside a JavaScript string is unquoted
first, Markdown loses its markup, and Word's hidden bookmark leaves the text.
"""

from __future__ import annotations

import re
from pathlib import Path

from govxl.importer.parse_html import parse_html
from govxl.importer.parse_pdf import parse_pdf
from govxl.importer.source import UnreadableReport, decode_text
from govxl.importer.tokens import Line
from govxl.mdtext import md_unescape

BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_HTML = re.compile(r"<(?:html|body|table|tr|td|p|div)\b", re.I)
_JS_QUOTED = re.compile(r'\\"|\\/|\\u003[cC]|\\n')
_JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.){200,})"')
_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\"'/\\nrt])")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BR = re.compile(r"<br\s*/?>", re.I)


def extract(data: bytes, name: str) -> tuple[list[Line], str]:
    """The lines of a report and what it was read as (``docx``, ``pdf``, ``html``, ``md``,
    ``text``)."""
    suffix = Path(name).suffix.lower()
    if suffix in (".doc", ".wps"):
        raise UnreadableReport("不支持旧版 Word（.doc/.wps）文件，请另存为 .docx 后再导入")
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        return parse_pdf(data), "pdf"
    if suffix == ".docx" or data[:2] == b"PK":
        from govxl.importer.parse_docx import parse_docx  # python-docx and lxml: only for Word

        return parse_docx(data), "docx"
    text = decode_text(data)
    if suffix in (".html", ".htm", ".xhtml") or len(_HTML.findall(text[:200_000])) >= 3:
        return parse_html(_js_page(text) or text), "html"
    if suffix in (".md", ".markdown"):
        return markdown_lines(text), "md"
    return text_lines(text), "text"


def _js_page(text: str) -> str | None:
    """A page kept in JavaScript strings (``var content = "<table…"``): the strings, unquoted —
    ``\\"``, ``\\/``, ``\\n`` and ``\\u003c`` undone. None when there is no such page."""
    if len(_JS_QUOTED.findall(text[:200_000])) <= 10:
        return None
    found = [m.group(1) for m in _JS_STRING.finditer(text) if _HTML.search(_unquote_js(m.group(1)))]
    return "\n".join(_unquote_js(s) for s in found) if found else None


def _unquote_js(text: str) -> str:

    def one(m: re.Match[str]) -> str:
        s = m.group(1)
        if s[0] == "u":
            return chr(int(s[1:], 16))
        return {"n": "\n", "r": "", "t": "\t"}.get(s, s)

    return _JS_ESCAPE.sub(one, text)


def text_lines(text: str) -> list[Line]:
    return [
        Line(BOOKMARK.sub("", line), f"第 {n} 行")
        for n, line in enumerate(text.replace("\f", "\n").splitlines(), 1)
    ]


def markdown_lines(text: str) -> list[Line]:
    """Markdown as text: headings, bold and escapes gone, a table's rule row left out."""
    out: list[Line] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = "" if _MD_RULE.match(raw) else raw
        line = _MD_BOLD.sub(r"\1", _MD_HEADING.sub("", line))
        line = _BR.sub(" ", line)
        out.append(Line(md_unescape(line), f"第 {n} 行"))
    return out


def wrapped(kind: str, data: bytes) -> bool:
    """Text whose lines are cut at the page width (PDF, or text extracted from one)."""
    return kind == "pdf" or (kind == "text" and b"\f" in data[:2_000_000])
