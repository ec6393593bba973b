"""Markdown reports: headings, paragraphs and pipe tables (as ``govxl report`` writes them).

A pipe table keeps every column, so a cell's grid column is its position in the row; cells a
flattened merge left empty are simply empty. Backslash escapes are undone, ``**bold**`` markers
around a whole line (the block titles of table 二) are dropped.
"""

from __future__ import annotations

import re

from govxl.importer.source import MAX_COLS, Para, RawCell, RawTable, Source
from govxl.mdtext import md_unescape

_SEPARATOR = re.compile(r"^\s*:?-{3,}:?\s*$")
_PIPE = re.compile(r"(?<!\\)\|")
_HEADING = re.compile(r"^#{1,6}\s+")
_BOLD = re.compile(r"^\*\*(.+)\*\*$")
_BR = re.compile(r"<br\s*/?>", re.I)


def parse_md(text: str) -> Source:
    src = Source()
    table: RawTable | None = None
    para: list[str] = []
    start = 0

    def flush() -> None:
        if para:
            src.items.append(Para("".join(para), f"第 {start} 行"))
            para.clear()

    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("|"):
            flush()
            cells = _cells(line)
            if all(_SEPARATOR.match(c) for c in cells):
                continue
            if table is None:
                table = RawTable(len(src.tables()) + 1)
                src.items.append(table)
            table.rows.append(
                [
                    RawCell(_BR.sub("\n", md_unescape(c.strip())), f"第 {n} 行第 {i + 1} 列", i)
                    for i, c in enumerate(cells[:MAX_COLS])
                ]
            )
            continue
        table = None
        if not line:
            flush()
        elif _HEADING.match(line):
            flush()
            src.items.append(Para(md_unescape(_HEADING.sub("", line)), f"第 {n} 行"))
        else:
            if not para:
                start = n
            bold = _BOLD.match(line)
            para.append(md_unescape(bold.group(1) if bold else line))
    flush()
    return src


def _cells(line: str) -> list[str]:
    parts = _PIPE.split(line)
    if parts and not parts[0].strip():
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    return parts
