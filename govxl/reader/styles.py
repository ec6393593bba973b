"""Which cell styles of an .xlsx show a number as a date or a time.

Why: Excel turns ``1-2`` typed into a count cell into the date 2 January, stores the number
46024 and gives the cell a date format. The number alone looks like a (large) count; only the
style says that the clerk typed something else. A cell's ``s`` attribute indexes ``<cellXfs>``
in styles.xml, whose ``numFmtId`` is either built in or defined in ``<numFmts>``.
"""

from __future__ import annotations

import re

from .archive import Archive
from .parsing import walk_xml

DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
"""Built-in number formats that show dates or times: 14–22 and 45–47 everywhere, and 27–36,
50–58, which Excel in Chinese (and Japanese, Korean) saves without a format code (e.g. 31 is
``yyyy"年"m"月"d"日"``, 58 is ``m"月"d"日"``)."""

_LITERAL = re.compile(r'"[^"]*"|\\.|[_*].|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)
"""What a format code shows literally, or decides without showing: quoted text, a character
escaped by ``\\``, the character after ``_`` (a space as wide as it) or ``*`` (repeated to fill),
and brackets — colours (``[Red]``), conditions, locales (``[$-804]``), ``[DBNum1]`` — except
elapsed time (``[h]``, ``[mm]``, ``[ss]``)."""
_DATE_LETTERS = re.compile(r"[ymdhs]", re.IGNORECASE)


def is_date_code(code: str) -> bool:
    """Whether a number format code shows a date or time: y, m, d, h or s outside what it
    shows literally. ``0"件"`` is a count, ``m"月"d"日"`` and ``[$-804]yyyy/m/d`` are dates."""
    return _DATE_LETTERS.search(_LITERAL.sub("", code)) is not None


def date_styles(arc: Archive, part: str) -> frozenset[int]:
    """The indices of ``<cellXfs>`` whose number format shows a date or time."""
    if not arc.has(part):
        return frozenset()
    return arc.memo(part, "date-styles", lambda: _parse(arc, part))


_SECTIONS = frozenset(
    ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs")
    + ("tableStyles", "colors", "extLst")
)
"""The children of ``<styleSheet>``: which one an element is in decides what it means."""


def _parse(arc: Archive, part: str) -> frozenset[int]:
    codes: dict[str, str] = {}
    formats: list[str] = []  # numFmtId of each cellXfs entry, in order
    where = [""]

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag in _SECTIONS:
            where[0] = tag
        elif tag == "numFmt" and where[0] == "numFmts":  # not a conditional format's (dxfs)
            codes[attrs.get("numFmtId", "").strip()] = attrs.get("formatCode", "")
        elif tag == "xf" and where[0] == "cellXfs":
            formats.append(attrs.get("numFmtId", "0").strip())

    walk_xml(arc, part, start)
    return frozenset(i for i, fmt in enumerate(formats) if _is_date_format(fmt, codes))


def _is_date_format(fmt_id: str, codes: dict[str, str]) -> bool:
    if fmt_id in codes:  # a code written in the file wins, even for a built-in id
        return is_date_code(codes[fmt_id])
    return fmt_id.isascii() and fmt_id.isdigit() and int(fmt_id) in DATE_FORMAT_IDS
