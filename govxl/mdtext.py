"""Escaping text for Markdown, and reading it back: the report writer and the importer agree."""

from __future__ import annotations

import re

_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_START = re.compile(r"^(?:[#+=-](?=[\s#+=-]|$)|\d{1,9}(?=[.)](?:\s|$)))")
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def md_escape(text: str, *, block: bool = False) -> str:
    """Backslash-escape what could start markup inline and, for a paragraph or heading (``block``),
    a list, heading or rule marker in front. Table cells hold inline text only, so ``-59`` or
    ``1.属于国家秘密`` stay as they are there."""
    text = _INLINE.sub(r"\\\1", " ".join(text.split("\n")).strip())
    m = _LINE_START.match(text) if block else None
    if m is None:
        return text
    if text[0].isdigit():
        return text[: m.end()] + "\\" + text[m.end() :]
    return "\\" + text


def md_unescape(text: str) -> str:
    """The inverse of ``md_escape`` (CommonMark: a backslash before ASCII punctuation)."""
    return _UNESCAPE.sub(r"\1", text)
