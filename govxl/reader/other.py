"""ODS and legacy XLS: values only, through python-calamine, after our own pre-scan.

Why a pre-scan: calamine builds a dense grid for every sheet when the book is opened.  One
stray value at IV65536 of an .xls costs it ~0.5 GB, and a large enough .ods extent aborts the
whole process (a Rust allocation failure cannot be caught).  So we first measure each
sheet's extent ourselves - from content.xml for .ods, from the BIFF cell records for .xls -
and refuse oversized sheets before calamine ever sees the bytes.  Formulas are not available
on these paths (``formulas_known=False``); dates come back as Excel serial numbers, like the
values stored in an .xlsx.
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import python_calamine as calamine

from .core import (
    Archive,
    Fail,
    Limits,
    RawCell,
    RawSheet,
    RawWorkbook,
    check_prologs,
    col_letters,
    local_name,
    norm,
    run_xml,
    text_of,
)


@dataclass
class _Extent:
    """What calamine will allocate for one sheet: non-empty cells and the bounding box."""

    cells: int = 0
    rows: int = 0
    cols: int = 0
    protected: bool = False

    def grow(self, last_row: int, last_col: int, count: int) -> None:
        self.cells += count
        self.rows = max(self.rows, last_row + 1)
        self.cols = max(self.cols, last_col + 1)


def dense_limit(limits: Limits) -> int:
    """Largest bounding box (rows x cols) we let calamine allocate densely (~32 B a cell)."""
    return max(limits.max_cells_per_sheet * 25, 1_000_000)


def _check(label: str, ext: _Extent, limits: Limits) -> None:
    if ext.cells > limits.max_cells_per_sheet:
        raise Fail(
            "too-many-cells", f"工作表“{label}”的数据单元格超过 {limits.max_cells_per_sheet} 个"
        )
    if ext.rows * ext.cols > dense_limit(limits):
        raise Fail(
            "too-many-cells",
            f"工作表“{label}”的数据延伸到第 {ext.rows} 行、第 {col_letters(ext.cols)} 列，区域过大",
        )


# ---------------------------------------------------------------- .ods
def _reps(attrs: dict[str, str], local: str) -> int:
    value = next((v for k, v in attrs.items() if k.endswith("}" + local)), "1").strip()
    return min(int(value), 1 << 31) if value.isascii() and value.isdigit() and value != "0" else 1


def _attr(attrs: dict[str, str], local: str) -> str | None:
    return next((v for k, v in attrs.items() if k.endswith("}" + local)), None)


def _scan_ods(arc: Archive) -> tuple[list[tuple[str, _Extent]], bool]:
    """Walk content.xml counting filled cells with their repeat factors; nothing is kept."""
    tables: list[tuple[str, _Extent]] = []
    st = {"row": 0, "rrep": 1, "col": 0, "crep": 1, "depth": 0, "in": 0, "filled": 0, "lock": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = local_name(name)
        if tag == "table":
            st["depth"] += 1
            st["filled"] = st["filled"] or st["in"]  # a sub-table inside a cell is content
            if st["depth"] == 1:
                ext = _Extent(protected=_attr(attrs, "protected") == "true")
                tables.append((_attr(attrs, "name") or f"Sheet{len(tables) + 1}", ext))
                st["row"] = 0
            return
        if st["depth"] != 1:
            if tag == "spreadsheet":
                st["lock"] = _attr(attrs, "structure-protected") == "true"
            return
        if st["in"]:
            st["filled"] = 1  # any child (text:p, annotation...) means content
        elif tag in ("table-cell", "covered-table-cell"):
            st["in"], st["crep"] = 1, _reps(attrs, "number-columns-repeated")
            st["filled"] = any(k.endswith(("}value-type", "}formula")) for k in attrs)
        elif tag == "table-row":
            st["rrep"], st["col"] = _reps(attrs, "number-rows-repeated"), 0

    def end(name: str) -> None:
        tag = local_name(name)
        if tag == "table":
            st["depth"] -= 1
        elif st["depth"] != 1:
            return
        elif tag in ("table-cell", "covered-table-cell"):
            if st["filled"] and tables:
                last_row, last_col = st["row"] + st["rrep"] - 1, st["col"] + st["crep"] - 1
                tables[-1][1].grow(last_row, last_col, st["crep"] * st["rrep"])
            st["col"] += st["crep"]
            st["in"] = st["filled"] = 0
        elif tag == "table-row":
            st["row"] += st["rrep"]

    run_xml(arc, "content.xml", start, end)
    return tables, bool(st["lock"])


def read_ods(arc: Archive, path: Path, wanted: set[str] | None, limits: Limits) -> RawWorkbook:
    if not arc.has("content.xml"):
        raise Fail("missing-part", "缺少“content.xml”")
    tables, locked = _scan_ods(arc)
    for label, ext in tables:
        _check(label, ext, limits)
    application = text_of(arc, "meta.xml", "generator") if arc.has("meta.xml") else None
    stamp = text_of(arc, "meta.xml", "date") if arc.has("meta.xml") else None
    check_prologs(arc)
    for name in arc.names():  # calamine inflates these itself: prove their sizes first
        if norm(name).endswith(".xml"):
            for _ in arc.chunks(name):
                pass
    book = _open(arc.data, "ods")
    protected = {label: ext.protected for label, ext in tables}
    return RawWorkbook(
        path,
        "ods",
        _sheets(book, wanted, limits, protected),
        locked,
        False,
        False,
        application,
        _when(stamp),
        {},
    )


def _when(stamp: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


# ---------------------------------------------------------------- .xls (OLE compound file)
_SPECIAL = 0xFFFFFFFA  # sector ids from here up mean free / end-of-chain / FAT / DIFAT
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")


class _Cfb:
    """Just enough of MS-CFB to list entries and read a stream; every id is bounds-checked."""

    def __init__(self, data: bytes) -> None:
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("sector size")
        self.data, self.size = data, 1 << shift
        n_fat, dir_start, _, self.cutoff, mf_start, _, difat_start, n_difat = struct.unpack_from(
            "<8I", data, 0x2C
        )
        per = self.size // 4
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        sec = difat_start
        for _ in range(min(n_difat, len(data) // self.size)):
            if sec >= _SPECIAL:
                break
            values = struct.unpack_from(f"<{per}I", self._sector(sec))
            difat.extend(values[:-1])
            sec = values[-1]
        self.fat: list[int] = []
        for fat_sec in [s for s in difat if s < _SPECIAL][:n_fat]:
            self.fat.extend(struct.unpack_from(f"<{per}I", self._sector(fat_sec)))
        self.entries: dict[str, tuple[int, int, int]] = {}
        raw = self._read_chain(dir_start)
        for off in range(0, len(raw) - 127, 128):
            name_len, kind = struct.unpack_from("<HB", raw, off + 64)
            if kind not in (1, 2, 5) or not 2 <= name_len <= 64:
                continue
            name = raw[off : off + name_len - 2].decode("utf-16-le", "replace").lower()
            start, size = struct.unpack_from("<IQ", raw, off + 116)
            size = size & 0xFFFFFFFF if shift == 9 else size
            self.entries.setdefault("\0root" if kind == 5 else name, (kind, start, size))
        self.minifat_start = mf_start

    def _sector(self, sec: int) -> bytes:
        off = (sec + 1) * self.size
        if sec >= _SPECIAL or off >= len(self.data):
            raise ValueError("sector out of range")
        return self.data[off : off + self.size]

    def _chain(self, start: int, table: list[int]) -> Iterator[int]:
        sec, steps = start, 0
        while sec < _SPECIAL:
            if sec >= len(table) or steps > len(table):
                raise ValueError("broken chain")
            yield sec
            sec, steps = table[sec], steps + 1

    def _read_chain(self, start: int) -> bytes:
        return b"".join(self._sector(s) for s in self._chain(start, self.fat))

    def stream(self, name: str) -> bytes | None:
        entry = self.entries.get(name.lower())
        if entry is None or entry[0] != 2:
            return None
        _, start, size = entry
        if size > len(self.data):
            raise ValueError("stream larger than file")
        if size >= self.cutoff:
            return self._read_chain(start)[:size]
        _, root_start, root_size = self.entries["\0root"]
        mini = self._read_chain(root_start)[:root_size]
        raw = self._read_chain(self.minifat_start) if self.minifat_start < _SPECIAL else b""
        minifat = list(struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4]))
        return b"".join(mini[s * 64 : s * 64 + 64] for s in self._chain(start, minifat))[:size]


_CELLS = frozenset({0x0006, 0x00FD, 0x0203, 0x0204, 0x027E, 0x0205, 0x00D6})
_MULRK, _BOF, _EOF, _SHEET, _FILEPASS, _PROTECT = 0x00BD, 0x0809, 0x000A, 0x0085, 0x002F, 0x0012


def _scan_biff(stream: bytes) -> tuple[list[tuple[str, _Extent]], bool, bool]:
    """Per sheet its extent from cell records; plus (encrypted, structure locked).

    Blank records are skipped, as calamine skips them: formatting alone costs nothing.
    """
    sheets: list[tuple[str, _Extent]] = []
    by_offset: dict[int, _Extent] = {}
    current: _Extent | None = None
    depth, pos, locked = 0, 0, False
    u16 = struct.Struct("<H").unpack_from
    while pos + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if rtype == _BOF:
            depth += 1
            current = by_offset.get(pos) if depth == 1 else current
        elif rtype == _EOF:
            depth = max(depth - 1, 0)
            current = None if depth == 0 else current
        elif depth == 1 and current is None:  # workbook globals
            if rtype == _FILEPASS:
                return sheets, True, locked
            if rtype == _SHEET and size >= 8:
                ext = _Extent()
                by_offset[struct.unpack_from("<I", stream, body)[0]] = ext
                sheets.append((_biff_name(stream[body : body + size], len(sheets)), ext))
            elif rtype == _PROTECT and size >= 2:
                locked = u16(stream, body)[0] != 0
        elif depth == 1 and current is not None:
            if rtype in _CELLS and size >= 4:
                current.grow(u16(stream, body)[0], u16(stream, body + 2)[0], 1)
            elif rtype == _MULRK and size >= 6:
                first, last = u16(stream, body + 2)[0], u16(stream, body + size - 2)[0]
                if last >= first:
                    current.grow(u16(stream, body)[0], last, last - first + 1)
            elif rtype == _PROTECT and size >= 2:
                current.protected = u16(stream, body)[0] != 0
        pos = body + size
    return sheets, False, locked


def _biff_name(body: bytes, index: int) -> str:
    """BOUNDSHEET name (BIFF8: flag byte picks Latin-1 or UTF-16LE); a placeholder otherwise."""
    count, flags = body[6], body[7] if len(body) > 7 else 0
    raw = body[8 : 8 + count * 2] if flags & 1 else body[8 : 8 + count]
    try:
        return raw.decode("utf-16-le" if flags & 1 else "latin-1") or f"第{index + 1}个工作表"
    except UnicodeDecodeError:
        return f"第{index + 1}个工作表"


def read_ole(data: bytes, path: Path, wanted: set[str] | None, limits: Limits) -> RawWorkbook:
    """OLE container: encrypted OOXML, legacy .xls, or something else (e.g. a .doc)."""
    try:
        cfb = _Cfb(data)
        workbook = cfb.stream("Workbook") or cfb.stream("Book")
    except (ValueError, struct.error, IndexError, KeyError) as exc:
        if _ENCRYPTION_MARK in data:
            raise Fail("encrypted") from exc
        raise Fail("legacy-xls", "文件内部结构损坏") from exc
    if "encryptioninfo" in cfb.entries or "encryptedpackage" in cfb.entries:
        raise Fail("encrypted")
    if workbook is None:
        raise Fail("legacy-xls", "其中没有 Excel 表格数据，可能是 Word 等其他文件")
    extents, encrypted, locked = _scan_biff(workbook)
    if encrypted:
        raise Fail("encrypted")
    for label, ext in extents:
        _check(label, ext, limits)
    book = _open(data, "xls")
    protected = {label: ext.protected for label, ext in extents}
    sheets = _sheets(book, wanted, limits, protected)
    macros = "_vba_project_cur" in cfb.entries
    return RawWorkbook(path, "xls", sheets, locked, macros, False, None, None, {})


# ---------------------------------------------------------------- calamine values
def _open(data: bytes, fmt: str) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise Fail("encrypted") from exc
    except Exception as exc:
        if fmt == "xls":
            raise Fail("legacy-xls", "表格数据无法解析") from exc
        raise Fail("corrupt-file", "表格数据无法解析") from exc


def _state(visible: object) -> str:
    if visible == calamine.SheetVisibleEnum.Hidden:
        return "hidden"
    return "veryHidden" if visible == calamine.SheetVisibleEnum.VeryHidden else "visible"


def _sheets(
    book: calamine.CalamineWorkbook,
    wanted: set[str] | None,
    limits: Limits,
    protected: dict[str, bool],
) -> dict[str, RawSheet]:
    out: dict[str, RawSheet] = {}
    for meta in book.sheets_metadata:
        label = meta.name
        sheet = RawSheet(label, _state(meta.visible), protected.get(label, False))
        if wanted is not None and label not in wanted:
            sheet.loaded = False
        elif meta.typ == calamine.SheetTypeEnum.WorkSheet:
            _fill(sheet, book.get_sheet_by_name(label), limits)
        out[label] = sheet
    return out


def _fill(sheet: RawSheet, grid: calamine.CalamineSheet, limits: Limits) -> None:
    """Copy non-empty values; offsets come from ``end`` so either grid origin works."""
    rows = grid.to_python()
    if not rows or grid.end is None:
        return
    end_row, end_col = grid.end
    first_row = end_row - len(rows) + 2  # 1-based
    for r, values in enumerate(rows, first_row):
        first_col = end_col - len(values) + 2
        for c, value in enumerate(values, first_col):
            cell = _cell(value)
            if cell is None:
                continue
            sheet.cells[col_letters(c) + str(r)] = cell
            sheet.max_row, sheet.max_col = max(sheet.max_row, r), max(sheet.max_col, c)
            if len(sheet.cells) > limits.max_cells_per_sheet:
                raise Fail(
                    "too-many-cells",
                    f"工作表“{sheet.name}”的数据单元格超过 {limits.max_cells_per_sheet} 个",
                )


_EPOCH = datetime(1899, 12, 30)


def _cell(value: object) -> RawCell | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return RawCell(value, None, "b")
    if isinstance(value, int):
        return RawCell(value, None, "n")
    if isinstance(value, float):
        integral = value.is_integer() and abs(value) < 2**53
        return (
            RawCell(int(value) if integral else value, None, "n")
            if math.isfinite(value)
            else RawCell(str(value), None, "s")
        )
    if isinstance(value, str):
        return RawCell(value, None, "s")
    if isinstance(value, datetime):
        days = (value.replace(tzinfo=None) - _EPOCH) / timedelta(days=1)
    elif isinstance(value, date):
        days = float((value - _EPOCH.date()).days)
    elif isinstance(value, time):
        days = (
            value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        ) / 86400
    elif isinstance(value, timedelta):
        days = value / timedelta(days=1)
    else:
        return RawCell(str(value), None, "s")
    return RawCell(int(days) if days.is_integer() else days, None, "n")
