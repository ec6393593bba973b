"""Any report as one stream of tokens: labels, figures, empty cells and the text between them.

Every source is first reduced to lines (``Line``): a paragraph, a line of plain text, or a table
row whose cells are joined by ``CELL``. The scanner then reads the whole text once, label first:
at each position the longest label of the forms is tried (``lexicon.Trie``), then a figure, and
anything else is text. A figure must stand on its own — between spaces, cell bars, line ends or
labels — so “2023年” in a sentence is text, while “数量640020470二、上年…” (a crawler's copy
with every separator lost) still gives a label, a run of digits and the next label.

Cells come from the line structure: a grid row's cells, the segments of a line drawn with ``|``,
a Word plain-text cell line after its TAB, and a line holding only bars between two others. An
empty cell becomes a ``blank`` token, so that figures keep their column where the source kept it.
Every token knows its offset in the text and so its line and cell: what ``--explain`` shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govxl.importer.lexicon import Hit, Trie, trie
from govxl.importer.normal import BARS, CELL, SPACE

NUMBER = re.compile(
    r"(?:减少|增加|减|增)?(?:--|[+\-−－])?\d+(?:,\d{3})*(?:[.．]\d+)?"
    r"(?:万元|亿元|千元|元|件|个|项|条|次|份)?(?:[（(][^（()）\n]{1,40}[)）])?"
)
DASH = re.compile(r"(?:[/／\\]|[—–\-－]{1,2}|无)")
"""What a cell shows for none: a slash, a dash, 无. Read as an empty cell, never as 0."""
SOFT = frozenset("：:")
"""Between a label and its figure (“发布总数量：327”): a boundary, not text."""
_FURNITURE = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[，,/]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3}|Page\s+\d+\b.*|页码[:：]?\s*\d+)\s*$",
    re.I,
)
"""Page numbers and running heads that PDF text and flipbook pages put between table rows."""


@dataclass(frozen=True)
class Line:
    text: str
    where: str
    cells: tuple[str, ...] = ()
    """Where each cell is, when ``text`` is a grid row (cells joined by ``CELL``)."""


@dataclass(frozen=True)
class Token:
    kind: str
    """``label``, ``value`` (a figure, or a dash for none), ``blank`` (an empty cell), ``cell``
    (a cell of text only), ``text``, ``para`` (an empty line: a paragraph or row boundary)."""
    text: str
    start: int
    end: int
    line: int
    hit: Hit | None = None
    glued: bool = False
    """A figure with no space, bar or line end on one side: cells run together."""

    @property
    def dash(self) -> bool:
        return self.kind == "value" and DASH.fullmatch(self.text) is not None


@dataclass
class Doc:
    lines: list[Line]
    text: str = ""
    starts: list[int] = field(default_factory=list)
    furniture: list[int] = field(default_factory=list)
    """Lines dropped as page numbers or running heads."""

    def __post_init__(self) -> None:
        self.text = "\n".join(line.text for line in self.lines)
        pos = 0
        for line in self.lines:
            self.starts.append(pos)
            pos += len(line.text) + 1

    def line_of(self, offset: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def where(self, offset: int) -> str:
        n = self.line_of(offset)
        line = self.lines[n]
        if line.cells:
            k = line.text.count(CELL, 0, offset - self.starts[n])
            return line.cells[min(k, len(line.cells) - 1)]
        return line.where

    def source(self, tok: Token) -> str:
        """The source text of a token, with the rest of its line for context."""
        n = tok.line
        line = self.lines[n].text.replace(CELL, " | ")
        return " ".join(line.split())


def drop_furniture(lines: list[Line]) -> tuple[list[Line], list[int]]:
    """Page numbers and running heads out of the way (only in text that had pages)."""
    kept, dropped = [], []
    for n, line in enumerate(lines):
        if not line.cells and _FURNITURE.match(line.text):
            dropped.append(n)
            kept.append(Line("", line.where))
        else:
            kept.append(line)
    return kept, dropped


def scan(doc: Doc, lexicon: Trie | None = None) -> list[Token]:
    """The tokens of the whole text, in order, with empty cells where the source drew them."""
    lex = lexicon or trie()
    raw = _raw_tokens(doc, lex)
    by_line: dict[int, list[Token]] = {}
    for t in raw:
        by_line.setdefault(t.line, []).append(t)
    out: list[Token] = []
    for n, line in enumerate(doc.lines):
        out += _line_tokens(doc, n, line, by_line.get(n, []))
    return _bar_lines(out)


def _raw_tokens(doc: Doc, lex: Trie) -> list[Token]:
    text, n = doc.text, len(doc.text)
    out: list[Token] = []
    i = 0
    while i < n:
        ch = text[i]
        if ch in SPACE or ch in BARS or ch in SOFT:
            i += 1
            continue
        hit = lex.match(text, i)
        if hit is not None:
            out.append(Token("label", text[i : hit.end], i, hit.end, doc.line_of(i), hit))
            i = hit.end
            continue
        end = _figure(text, i, out, lex)
        if end:
            glued = (i > 0 and not _boundary(text[i - 1])) or (end < n and not _boundary(text[end]))
            out.append(Token("value", text[i:end], i, end, doc.line_of(i), glued=glued))
            i = end
            continue
        j = i + 1
        while j < n and text[j] not in SPACE and text[j] not in BARS:
            if lex.match(text, j) is not None or (_figure(text, j, out, lex) and _soft(text, j)):
                break
            j += 1
        out.append(Token("text", text[i:j], i, j, doc.line_of(i)))
        i = j
    return out


def _soft(text: str, j: int) -> bool:
    return text[j - 1] in SOFT


def _figure(text: str, i: int, before: list[Token], lex: Trie) -> int:
    """The end of a figure standing on its own at ``i``, or 0."""
    glued = bool(before) and before[-1].end == i
    prev_label = glued and before[-1].kind == "label"
    signed = glued and before[-1].kind == "value" and text[i] in "+-"  # “351+339”
    if i > 0 and not (prev_label or signed) and not _boundary(text[i - 1]):
        return 0
    for pattern in (NUMBER, DASH):
        m = pattern.match(text, i)
        if m is None:
            continue
        end = m.end()
        if pattern is NUMBER:
            end = _before_numbered_label(text, i, end, lex)
        if end == len(text) or _boundary(text[end]) or lex.match(text, end) is not None:
            return end
        if pattern is NUMBER and _signed_next(text, end):
            return end  # “351+339”: a change with its sign, run together after a figure
    return 0


def _boundary(ch: str) -> bool:
    return ch in SPACE or ch in BARS or ch in SOFT


def _signed_next(text: str, end: int) -> bool:
    return text[end] in "+-" and end + 1 < len(text) and text[end + 1].isdigit()


def _before_numbered_label(text: str, i: int, end: int, lex: Trie) -> int:
    """“00000004.保护第三方合法权益”, “0010001（六）其他处理”: a label that begins inside
    what looked like a figure ends the figure there."""
    for k in range(i + 1, end):
        if text[k - 1] not in ".．" and not text[k].isspace() and lex.match(text, k) is not None:
            return k
    return end


def _line_tokens(doc: Doc, n: int, line: Line, toks: list[Token]) -> list[Token]:
    start = doc.starts[n]
    text = line.text
    bare = text.strip(" \t\u3000\xa0\r")
    if line.cells or (bare.strip("".join(BARS)).strip() and any(c in text for c in BARS)):
        return _cells(doc, n, line, toks)
    if bare and not bare.strip("".join(BARS) + " \t"):
        return [Token("bar", bare, start, start + len(text), n)]
    if toks:
        return _as_cell(toks) if text.startswith("\t") else toks
    if not bare:
        kind = "blank" if text.startswith("\t") else "para"
        return [Token(kind, "", start, start, n)]
    return []  # the rest of a label that began on a line above


def _cells(doc: Doc, n: int, line: Line, toks: list[Token]) -> list[Token]:
    """A row drawn with bars (or a grid row): one cell per segment, an empty one a blank."""
    start = doc.starts[n]
    cuts = [k for k, c in enumerate(line.text) if c in BARS]
    bounds = [-1, *cuts, len(line.text)]
    segments = list(zip(bounds, bounds[1:], strict=False))
    if not line.cells:
        if segments and not line.text[: segments[0][1]].strip():
            segments = segments[1:]  # the bar that opens the row
        if segments and not line.text[segments[-1][0] + 1 :].strip():
            segments = segments[:-1]  # the bar that closes it
    out: list[Token] = []
    for a, b in segments:
        inside = [t for t in toks if start + a < t.start < start + b]
        out += _as_cell(inside) if inside else [Token("blank", "", start + a + 1, start + a + 1, n)]
    return out


def _as_cell(toks: list[Token]) -> list[Token]:
    """A cell holding only text (“三百八十六”, “数据1”) is one ``cell`` token: in a row it
    takes its column, as an unreadable figure; among headers it is passed over."""
    if any(t.kind != "text" for t in toks):
        return toks
    first, last = toks[0], toks[-1]
    text = " ".join(t.text for t in toks)
    return [Token("cell", text, first.start, last.end, first.line)]


def _bar_lines(toks: list[Token]) -> list[Token]:
    """Lines holding only bars separate cells: two of them with nothing between, an empty cell."""
    out: list[Token] = []
    last_bar = False
    for t in toks:
        if t.kind == "bar":
            if last_bar:
                out.append(Token("blank", "", t.start, t.start, t.line))
            last_bar = True
            continue
        if t.kind != "para":
            last_bar = False
        out.append(t)
    return out
