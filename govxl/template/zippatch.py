"""Rewrite an XlsxWriter workbook's zip: what XlsxWriter cannot write, added afterwards.

The structure lock, rows streamed as XML into a sheet (a province's 明细), and rows whose height
is only a start (text rows that grow). Members are rewritten with the same fixed timestamps, so
output stays deterministic.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping

Rows = tuple[Iterable[str], str]
"""Rows of a sheet as XML (one ``<row>`` per string, made as they are written) and the sheet's
new ``<dimension>``."""


def lock_structure(
    data: bytes, rows: Mapping[str, Rows] | None = None, *, level: int | None = None
) -> bytes:
    """Add ``<workbookProtection lockStructure="1"/>``, which XlsxWriter cannot write.

    Locking the structure stops sheets being added, deleted, renamed or unhidden. See
    :func:`patch_workbook` for ``rows`` and ``level``.
    """
    return patch_workbook(data, rows, lock=True, level=level)


def patch_workbook(
    data: bytes,
    rows: Mapping[str, Rows] | None = None,
    *,
    lock: bool = False,
    level: int | None = None,
    growing: Mapping[str, set[int]] | None = None,
) -> bytes:
    """Rewrite an XlsxWriter workbook: lock its structure and/or stream rows into sheets.

    The zip is rewritten member by member with the same fixed timestamps, so output stays
    deterministic. ``rows`` inserts pre-rendered rows into worksheet parts (by zip member
    name), after the rows XlsxWriter wrote before them: XlsxWriter keeps every cell of a
    workbook in memory at a few microseconds each, which for a province's 明细 (10,000 units ×
    166 cells) is most of the time and hundreds of MB. ``level`` is the deflate level (None:
    zlib's default); streamed rows are always compressed at level 1: level 6 takes three times as
    long (35 ms against 11 ms for a thousand units' 明细) to make them a fifth smaller.
    ``growing`` names rows (0-based, by zip member) whose height is only a start: their
    ``customHeight`` is dropped, so Excel and LibreOffice grow them with their text.
    """
    rows = rows or {}
    growing = growing or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if lock and info.filename == "xl/workbook.xml":
                text = body.decode("utf-8")
                anchor = "<bookViews>"
                if "<workbookProtection" not in text and anchor in text:
                    text = text.replace(
                        anchor, '<workbookProtection lockStructure="1"/>' + anchor, 1
                    )
                body = text.encode("utf-8")
            elif info.filename in growing:
                body = _loosen(body.decode("utf-8"), growing[info.filename]).encode("utf-8")
            if info.filename in rows:
                chunks, dimension = rows[info.filename]
                text = re.sub(
                    r'<dimension ref="[^"]*"/>',
                    f'<dimension ref="{dimension}"/>',
                    body.decode("utf-8"),
                    count=1,
                )
                text = text.replace("<sheetData/>", "<sheetData></sheetData>", 1)
                stream = iter(chunks)
                first = next(stream, "")
                at = _insert_at(text, first)
                # ZipFile.open(info, "w") takes the level from the ZipInfo: compress_level
                # since Python 3.13, _compresslevel before
                if hasattr(info, "compress_level"):
                    info.compress_level = 1
                else:
                    info._compresslevel = 1  # type: ignore[attr-defined]
                with dst.open(info, "w") as fh:  # streamed: never the whole sheet in memory
                    fh.write(text[:at].encode("utf-8"))
                    fh.write(first.encode("utf-8"))
                    for chunk in stream:
                        fh.write(chunk.encode("utf-8"))
                    fh.write(text[at:].encode("utf-8"))
                continue
            dst.writestr(info, body, compresslevel=level)
    return out.getvalue()


_ROW = re.compile(r'<row r="([0-9]+)"')


def _loosen(text: str, rows: set[int]) -> str:
    """Drop ``customHeight`` from the given rows: a height Excel and LibreOffice may grow."""

    def fix(m: re.Match[str]) -> str:
        tag = m.group(0)
        return tag.replace(' customHeight="1"', "") if int(m.group(1)) - 1 in rows else tag

    return re.sub(r'<row r="([0-9]+)"[^>]*>', fix, text)


def _insert_at(text: str, first: str) -> int:
    """Where rows starting with ``first`` go: before the first row XlsxWriter wrote below them
    (a total line under a list), else at the end of the sheet data. Rows must stay in order."""
    end = text.index("</sheetData>")
    m = _ROW.match(first)
    if m is None:
        return end
    start = int(m.group(1))
    for row in _ROW.finditer(text, 0, end):
        if int(row.group(1)) > start:
            return row.start()
    return end
