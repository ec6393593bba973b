"""Escaping text for the few XML parts govxl writes itself (beside XlsxWriter)."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
MAX_CELL_TEXT = 32767
"""Excel's limit on the text of one cell, counted in UTF-16 units."""


def escape(text: str) -> str:
    """Cell text as Excel writes it in XML: cut to what a cell holds, markup escaped, control
    characters (carriage return included: XML would read it as a line feed) as ``_xHHHH_``, and
    a literal ``_xHHHH_`` kept literal as ``_x005F_xHHHH_`` — what XlsxWriter does.

    (xml.sax.saxutils would also do the markup, but importing it pulls in urllib and
    http.client — 20 ms on every command.)
    """
    if len(text) > MAX_CELL_TEXT // 2:
        text = _cap(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text.isprintable() and "_" not in text:  # most text: no control character, no _xHHHH_
        return text
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def _cap(text: str) -> str:
    """At most MAX_CELL_TEXT UTF-16 units, never half a surrogate pair."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > MAX_CELL_TEXT:
            return text[:i]
    return text
