"""Plain table rows written as worksheet XML, for the long lists in govxl's own workbooks.

XlsxWriter keeps every cell of a workbook in Python objects and spends a few microseconds on each;
a city's 审核结果 or summary lists a thousand units on several sheets. Those rows are plain — text
and whole numbers in a few styles — so they are rendered here as ``<row>`` XML and streamed into
the sheet part after XlsxWriter has written the header (``template.writer.patch_workbook``).

Text is always an inline string, escaped: a unit name or message starting with ``=`` stays text
and never becomes a formula.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from govxl.forms.layout import a1
from govxl.xmltext import escape


def rows_xml(
    rows: Iterable[Sequence[object]],
    first_row: int,
    styles: Sequence[int] | Callable[[Sequence[object]], Sequence[int]],
    widths: Sequence[float] | None = None,
) -> Iterator[str]:
    """``<row>`` elements for ``rows`` from 0-based ``first_row``.

    Column j gets style ``styles[j]`` (an XlsxWriter ``Format.xf_index``), or ``styles(row)[j]``
    when the style depends on the row. Integers (not bools) are numbers, ``None`` and ``""``
    an empty styled cell, anything else text. With the columns' ``widths``, each row is as
    tall as its wrapped text: LibreOffice does not fit a row that carries no height, so a long
    message would print as one cut line.
    """
    letters: list[str] = []
    for i, row in enumerate(rows):
        r = first_row + i + 1
        look = styles(row) if callable(styles) else styles
        while len(letters) < len(row):
            letters.append(a1(0, len(letters))[:-1])
        cells = []
        for j, v in enumerate(row):
            s = look[j]
            if v is None or v == "":
                cells.append(f'<c r="{letters[j]}{r}" s="{s}"/>')
            elif type(v) is int:
                cells.append(f'<c r="{letters[j]}{r}" s="{s}"><v>{v}</v></c>')
            else:
                cells.append(
                    f'<c r="{letters[j]}{r}" s="{s}" t="inlineStr"><is>'
                    f'<t xml:space="preserve">{escape(str(v))}</t></is></c>'
                )
        height = "" if widths is None else f' ht="{row_height(row, widths)}" customHeight="1"'
        yield f'<row r="{r}"{height}>' + "".join(cells) + "</row>"


LINE_SPACING = 1.45
"""A wrapped line's height in points per point of font size: 宋体 needs about 1.3, the Noto CJK
fonts LibreOffice substitutes for it about 1.45 (with 1.3 a row's last line was cut in print)."""


def row_height(row: Sequence[object], widths: Sequence[float], size: float = 10.5) -> float:
    """Points a row needs for its text wrapped in columns of these widths."""
    lines = max(
        (
            lines_needed(str(v), w * 11 / size)
            for v, w in zip(row, widths, strict=False)
            if isinstance(v, str) and v
        ),
        default=1,
    )
    return min(409.0, round(size * LINE_SPACING * lines + 4, 1))


def text_width(text: str) -> float:
    """Display width in Excel column units: CJK characters are about twice as wide."""
    return sum(map(_char_width, text))


@functools.cache
def _char_width(ch: str) -> float:
    """One character's width; cached, as a district's lists reuse a few thousand characters."""
    return 2.05 if _wide(ch) else 1.1


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


@functools.lru_cache(maxsize=8192)
def lines_needed(text: str, width: float) -> int:
    """Lines a text wraps to in a column ``width`` units wide.

    Wrapped as Excel and LibreOffice wrap it: a Chinese character may end a line anywhere, but a
    run of Latin letters, digits and punctuation (``2026-01-20``, ``09:30``, a file name) moves
    whole to the next line. Counting characters alone underestimates such text, and a row too
    short for its text is cut off in print.
    """
    room = max(width - 1.5, 1)
    return sum(_wrapped_lines(part, room) for part in text.split("\n"))


def _wrapped_lines(line: str, room: float) -> int:
    if text_width(line) <= room:  # most cells: a code, a name, a status
        return 1
    lines, used = 1, 0.0
    for token in _tokens(line):
        w = text_width(token)
        if token.isspace() or used + w <= room:
            used += w
            continue
        if w > room:  # longer than a line: it is broken inside after all
            lines += math.ceil((used + w) / room) - 1
            used = (used + w) % room
        else:
            lines += 1
            used = w
    return lines


def _tokens(line: str) -> Iterator[str]:
    """Where a line may break: each wide (Chinese) character and each space is a token of its
    own; a run of anything else is one token, which wraps whole."""
    word = ""
    for ch in line:
        if _wide(ch) or ch.isspace():
            if word:
                yield word
                word = ""
            yield ch
        else:
            word += ch
    if word:
        yield word


def style(fmt: Any) -> int:
    """The style index XlsxWriter gave ``fmt`` when it closed the workbook.

    A format gets one only if some cell XlsxWriter wrote uses it, and only the first of two
    formats with the same properties does: write one such cell, with one Format object per look.
    """
    if fmt.xf_index is None:
        raise RuntimeError("a format used by streamed rows was not used by any written cell")
    return int(fmt.xf_index)


def dimension(first_row: int, n_rows: int, n_cols: int) -> str:
    """The ``<dimension>`` of a sheet whose header starts at A1 and whose rows end here."""
    return f"A1:{a1(max(first_row + n_rows - 1, 0), max(n_cols - 1, 0))}"
