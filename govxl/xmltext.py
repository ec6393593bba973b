"""Escaping text for the few XML parts govxl writes itself (beside XlsxWriter)."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: str) -> str:
    """XML text as Excel writes it: markup escaped, control characters as ``_xHHHH_``.

    (xml.sax.saxutils would also do the first part, but importing it pulls in urllib and
    http.client — 20 ms on every command.)
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
