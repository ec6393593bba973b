"""One comparable form of every character, so that a label reads the same however it was copied.

Web copies, PDF extractors and OCR turn full-width brackets into half-width ones (NFKC does the
same), straighten quotes, write “1、” for “1.” and break a header over lines or spaces
(“商业 企业”, “本年新⏎制作数量”). ``fold`` maps one character to its comparable form — ``""``
for white space, which never counts inside a label — so the label matcher can walk the source
itself, character by character, and every match keeps its exact position in the source.
"""

from __future__ import annotations

import unicodedata
from functools import cache

SPACE = frozenset(" \t\r\n\f\v\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff")
"""White space and invisible characters: never part of a label, a boundary between numbers."""
CELL = "\x1f"
"""Joins the cells of a table row that came from a grid (HTML, Word, a ruled PDF table)."""
BARS = frozenset("|｜¦" + CELL)
"""Cell boundaries as pasted text draws them."""

_EXTRA = {
    "“": '"', "”": '"', "「": '"', "」": '"', "‘": "'", "’": "'", "〝": '"', "〞": '"',
    "【": "[", "】": "]", "〔": "(", "〕": ")", "﹙": "(", "﹚": ")", "﹐": ",", "﹑": "、",
    "—": "-", "–": "-", "－": "-", "―": "-",
}  # fmt: skip


@cache
def fold(ch: str) -> str:
    """The comparable form of one character: NFKC, one quote and bracket style, no space."""
    if ch in SPACE:
        return ""
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if c in SPACE or c.isspace():
            continue
        out.append(_EXTRA.get(c, c))
    return "".join(out)


def norm(text: str) -> str:
    """A whole label folded: what two spellings of the same label have in common."""
    return "".join(fold(c) for c in text)
