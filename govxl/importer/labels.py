"""Finding the official labels in published text, whatever web copies and typists did to them.

Copies of the tables turn full-width brackets into half-width ones, break headers over two lines
(“本年新⏎制作数量”), straighten quotes, write “1、” for “1.”, or mistype a word (“只计这一情况”,
“三类内容事务信息”, §7.2 of the format reference). ``norm`` removes the differences that carry
no meaning; ``LabelIndex.match`` then looks for the label exactly and, failing that, for a
clearly most similar one, and says which it was so that a typo becomes a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Generic, TypeVar

K = TypeVar("K")

FUZZY_MIN = 0.8
"""Similarity a typo may not drop below: the known typos score 0.92–0.96, distinct labels < 0.7."""
FUZZY_MARGIN = 0.06

_CHARS = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "(": "（", ")": "）", ":": "：", ",": "，", ";": "；",
        "．": ".", "／": "/", "﹐": "，",
        "“": '"', "”": '"', "「": '"', "」": '"', "＂": '"', "‘": "'", "’": "'",
    }
)  # fmt: skip
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_NUMBERED = re.compile(r"^(\d{1,2})[、.，]")
_YEAR = re.compile(r"^(?:\d{4}|_+|\{year\})年")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def norm(text: str) -> str:
    """The comparable form of a label: no spaces or breaks, one bracket and quote style."""
    s = _SPACE.sub("", text.translate(_CHARS))
    s = _NUMBERED.sub(r"\1.", s)
    return _YEAR.sub("Y年", s)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class Match(Generic[K]):
    key: K
    label: str
    """The official label that matched."""
    exact: bool


class LabelIndex(Generic[K]):
    """Official labels → keys; a label may stand for several keys (結果维持 under three heads)."""

    def __init__(self, entries: list[tuple[str, K]]) -> None:
        self._by_norm: dict[str, list[tuple[str, K]]] = {}
        for label, key in entries:
            self._by_norm.setdefault(norm(label), []).append((label, key))

    def __contains__(self, text: str) -> bool:
        return bool(self.match_all(text))

    def match_all(self, text: str) -> list[Match[K]]:
        """Every key of the best matching label: exact (after ``norm``) or clearly most similar."""
        n = norm(text)
        if not n:
            return []
        if n in self._by_norm:
            return [Match(k, lab, True) for lab, k in self._by_norm[n]]
        if not _CJK.search(n):
            return []  # a figure ("0", "-59") is never a mistyped label
        scored = sorted(((similarity(n, cand), cand) for cand in self._by_norm), reverse=True)
        if not scored or scored[0][0] < FUZZY_MIN:
            return []
        if len(scored) > 1 and scored[0][0] - scored[1][0] < FUZZY_MARGIN:
            return []
        return [Match(k, lab, False) for lab, k in self._by_norm[scored[0][1]]]

    def match(self, text: str) -> Match[K] | None:
        found = self.match_all(text)
        return found[0] if len(found) == 1 else None
