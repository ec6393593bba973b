"""Plain text as Word saves it (“纯文本”): each table cell on its own line behind a TAB.

Rows are separated by a blank line; a cell with a line break continues on the next line without
a TAB (“本年新⏎制作数量”); vertically merged cells leave empty TAB lines. Word also leaves its
hidden bookmark in the text (``[bookmark: _GoBack]``), which is removed. Only the order of the
cells is known here, not their grid column.
"""

from __future__ import annotations

import re

from govxl.importer.source import Para, RawCell, RawTable, Source

BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
CONTINUATION_MAX = 30
"""A line glued to the cell above it is short: a header's second line, not a paragraph."""


def parse_text(text: str) -> Source:
    src = Source()
    table: RawTable | None = None
    row: list[RawCell] | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = BOOKMARK.sub("", raw)
        where = f"第 {n} 行"
        if line.startswith("\t"):
            if table is None:
                table = RawTable(len(src.tables()) + 1)
                src.items.append(table)
            if row is None:
                row = []
                table.rows.append(row)
            row.append(RawCell(line.strip(), where))
        elif not line.strip():
            row = None
        elif row and len(line.strip()) <= CONTINUATION_MAX and not _looks_like_heading(line):
            last = row[-1]
            row[-1] = RawCell(f"{last.text}\n{line.strip()}".strip(), last.where)
        else:
            table = row = None
            src.items.append(Para(line.strip(), where))
    return src


def _looks_like_heading(line: str) -> bool:
    return bool(re.match(r"\s*[一二三四五六七八九十]+、", line))
