"""HTML reports as government sites publish them: paragraphs and ``rowspan``/``colspan`` tables.

Reduced to lines — a paragraph each, or a table row with its cells — for the token stream; the
``rowspan``/``colspan`` of the cells do not matter there (Word's exported HTML gets them wrong),
only their order. Parsed with the standard library's ``html.parser`` into a small tree —
tolerant of the unclosed
``<p>``, ``<td>`` and ``<tr>`` that site editors produce, and bounded (size, node count, depth)
so that a hostile page cannot exhaust memory or recursion. Scripts, styles and the ``<head>``
are never read as text. A table that holds other tables is page layout, not data: its contents
are read as ordinary text and tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from govxl.importer.normal import CELL as JOIN
from govxl.importer.source import MAX_COLS, MAX_ROWS, UnreadableReport
from govxl.importer.tokens import Line

MAX_NODES = 200_000
MAX_DEPTH = 120
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
SKIP = {
    "head",
    "script",
    "style",
    "noscript",
    "template",
    "title",
    "svg",
    "math",
    "iframe",
    "object",
    "select",
    "textarea",
    "button",
}
BLOCK = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "main",
    "aside",
    "blockquote",
    "pre",
    "center",
    "address",
    "figure",
    "figcaption",
    "form",
    "hr",
    "tr",
    "td",
    "th",
    "caption",
    "table",
    "tbody",
    "thead",
    "tfoot",
}
CELL = {"td", "th"}
SECTION = {"tbody", "thead", "tfoot"}
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)
    line: int = 0


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]
        self.nodes = 0

    def _close_to(self, tags: set[str], stop: set[str]) -> None:
        """Implicitly close an open element of ``tags`` unless an element of ``stop`` is nearer."""
        for i in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[i].tag
            if tag in tags:
                del self.stack[i:]
                return
            if tag in stop:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise UnreadableReport("网页结构过于复杂（元素过多），不像一份年度报告")
        if tag == "p":
            self._close_to({"p"}, {"table", "td", "th", "div"})
        elif tag == "li":
            self._close_to({"li"}, {"ul", "ol", "table"})
        elif tag in CELL:
            self._close_to(CELL, {"tr", "table"})
        elif tag == "tr":
            self._close_to({"tr"} | CELL, {"table"} | SECTION)
        elif tag in SECTION:
            self._close_to(SECTION | {"tr"} | CELL, {"table"})
        node = Node(tag, {k: v or "" for k, v in attrs}, line=self.getpos()[0])
        self.stack[-1].children.append(node)
        if tag not in VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
            if tag in CELL | {"tr"} and self.stack[i].tag == "table":
                return  # a stray </td> must not close the enclosing table

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> list[Line]:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    flow = _Flow()
    flow.walk(builder.root)
    flow.brk()
    return flow.lines


class _Flow:
    """Walks the tree in reading order, cutting paragraphs at block elements and ``<br>``."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.buf: list[str] = []
        self.paras = 0
        self.tables = 0

    def brk(self) -> None:
        text = _clean(" ".join(self.buf))
        self.buf = []
        if text:
            self.paras += 1
            self.lines.append(Line(text, f"第 {self.paras} 段"))

    def walk(self, node: Node) -> None:
        for child in node.children:
            if isinstance(child, str):
                self.buf.append(child)
            elif child.tag in SKIP:
                continue
            elif child.tag == "br":
                self.brk()
            elif child.tag == "table" and not _has_table(child):
                self.brk()
                self._table(child)
            elif child.tag in BLOCK:
                self.brk()
                self.walk(child)
                self.brk()
            else:
                self.walk(child)

    def _table(self, node: Node) -> None:
        self.tables += 1
        where = f"表格 {self.tables}"
        for r, tr in enumerate(_rows(node)[:MAX_ROWS]):
            tds = [c for c in tr.children if isinstance(c, Node) and c.tag in CELL][:MAX_COLS]
            texts = [" ".join(_cell_text(td).replace(JOIN, " ").split()) for td in tds]
            cells = tuple(f"{where} 第 {r + 1} 行第 {k + 1} 格" for k in range(len(tds)))
            self.lines.append(Line(JOIN.join(texts), f"{where} 第 {r + 1} 行", cells))
        self.lines.append(Line("", where))


def _rows(table: Node) -> list[Node]:
    out: list[Node] = []
    for child in table.children:
        if isinstance(child, Node):
            if child.tag == "tr":
                out.append(child)
            elif child.tag in SECTION:
                out += _rows(child)
    return out


def _has_table(node: Node) -> bool:
    return any(isinstance(c, Node) and (c.tag == "table" or _has_table(c)) for c in node.children)


def _cell_text(node: Node) -> str:
    parts: list[str] = []

    def walk(n: Node) -> None:
        for c in n.children:
            if isinstance(c, str):
                parts.append(c)
            elif c.tag in SKIP:
                continue
            elif c.tag == "br" or c.tag in BLOCK:
                parts.append("\n")
                walk(c)
                parts.append("\n")
            else:
                walk(c)

    walk(node)
    lines = (_clean(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _clean(text: str) -> str:
    """Collapse whitespace as a browser does, but drop the spaces a line break leaves in CJK."""
    text = " ".join(text.replace("\xa0", " ").replace("\u3000", " ").split())
    return _CJK_GAP.sub("", text)
