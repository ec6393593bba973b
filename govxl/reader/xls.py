"""Legacy .xls (an OLE compound file): every structure and count calamine would allocate from
is checked first, and the VBA storage is hidden from calamine's parser."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .calamine import Extent, calamine_sheets, check_extent, dense_limit, open_book
from .core import Fail, Limits, RawWorkbook

_RESERVED, _DIFSECT, _END = 0xFFFFFFFA, 0xFFFFFFFC, 0xFFFFFFFE
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")
_VBA = "_VBA_PROJECT_CUR"
_SUMMARY = "\x05SummaryInformation"
_SUMMARY_MAX = 1 << 16
"""Bytes: Excel's and LibreOffice's summary streams hold a few hundred; more is not one."""
_LASTSAVE_DTM, _CREATE_DTM, _VT_FILETIME = 13, 12, 64
_FILETIME_ZERO = datetime(1601, 1, 1, tzinfo=UTC)
"""FILETIME counts 100 ns from here; 0 is what LibreOffice writes for a time it does not know."""


class _Cfb:
    """Just enough MS-CFB to find the Workbook stream, and proof that calamine may read it.

    calamine's cfb.rs trusts every count, size and sector id it finds (``with_capacity``,
    ``resize`` to a sector's offset, chains followed without cycle checks), and a failed Rust
    allocation aborts the whole process.  So each check here mirrors one of those sites.
    """

    def __init__(self, data: bytes) -> None:
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("sector size")
        self.data, ss = data, 1 << shift
        self.size, self.count = ss, -(-len(data) // ss) - 1
        dir_len, n_fat, dir_start = struct.unpack_from("<3I", data, 0x28)
        mf_start, n_minifat, difat_start = struct.unpack_from("<3I", data, 0x3C)
        quirk = struct.unpack_from("<I", data, 62)[0]  # calamine sizes a Vec from bytes 62..66
        if n_fat > self.count or max(dir_len, n_minifat) * ss > len(data) or quirk > 1 << 26:
            raise ValueError("header counts")
        difat, sec, seen = list(struct.unpack_from("<109I", data, 0x4C)), difat_start, set()
        while sec < _RESERVED:
            if sec >= self.count or sec in seen:
                raise ValueError("DIFAT chain")
            seen.add(sec)
            difat.extend(self._ids(sec))
            sec = difat.pop()
        self.fat: list[int] = []
        for sec in (s for s in difat if s < _DIFSECT):
            if sec >= self.count:
                raise ValueError("FAT sector")
            self.fat.extend(self._ids(sec))
        self.entries: dict[str, tuple[int, int, int]] = {}
        self.vba_at: list[int] = []
        records = (
            off
            for sec in self._chain(dir_start, self.fat, self.count)
            for off in range((sec + 1) * ss, (sec + 2) * ss, 128)
        )
        for index, off in enumerate(records):
            self._entry(off, index == 0)
        if "\0root" not in self.entries:
            raise ValueError("no root")
        self.mini, self.minifat = b"", []
        if n_minifat:
            _, root_start, root_size = self.entries["\0root"]
            self.mini = self._read(self._chain(root_start, self.fat, self.count), root_size)
            self.minifat = self._ids_of(self._chain(mf_start, self.fat, self.count))

    def _ids(self, sec: int) -> tuple[int, ...]:
        raw = self.data[(sec + 1) * self.size : (sec + 2) * self.size].ljust(self.size, b"\0")
        return struct.unpack(f"<{self.size // 4}I", raw)

    def _ids_of(self, chain: list[int]) -> list[int]:
        return [i for sec in chain for i in self._ids(sec)]

    def _entry(self, off: int, is_root: bool) -> None:
        raw = self.data[off : off + 128]
        if len(raw) < 128:
            raise ValueError("short directory")  # calamine would panic on it
        name = raw[:64].decode("utf-16-le", "replace").split("\0", 1)[0]
        start, size = struct.unpack_from("<IQ", raw, 116)
        size = size & 0xFFFFFFFF if self.size == 512 else size
        if name and size > len(self.data):
            raise ValueError("stream larger than file")
        if name == _VBA:
            self.vba_at.append(off)
        self.entries.setdefault("\0root" if is_root else name, (raw[66], start, size))

    def _chain(self, start: int, table: list[int], limit: int) -> list[int]:
        chain, seen, sec = [], set(), start
        while sec != _END:
            if sec >= limit or sec >= len(table) or sec in seen:
                raise ValueError("broken chain")
            seen.add(sec)
            chain.append(sec)
            sec = table[sec]
        return chain

    def _read(self, chain: list[int], size: int) -> bytes:
        ss = self.size
        return b"".join(self.data[(s + 1) * ss : (s + 2) * ss] for s in chain)[:size]

    def stream(self, name: str) -> bytes | None:
        """The stream calamine's ``get_stream`` would return (exact name, first entry)."""
        if name not in self.entries:
            return None
        _, start, size = self.entries[name]
        if size >= 4096:  # calamine's own cut-off, whatever the header says
            return self._read(self._chain(start, self.fat, self.count), size)
        chain = self._chain(start, self.minifat, len(self.mini) // 64)
        return b"".join(self.mini[s * 64 : s * 64 + 64] for s in chain)[:size]

    def for_calamine(self) -> bytes:
        """A copy in which the VBA storage is renamed, so calamine skips its VBA parser."""
        if not self.vba_at:
            return self.data
        patched = bytearray(self.data)
        for off in self.vba_at:
            patched[off : off + 2] = "x".encode("utf-16-le")
        return bytes(patched)


_CELLS = frozenset({0x0006, 0x00FD, 0x0203, 0x0204, 0x027E, 0x0205, 0x00D6})
_MULRK, _DIMENSIONS, _EOF, _SHEET, _FILEPASS, _PROTECT, _SST, _CONTINUE = (
    0x00BD,
    0x0200,
    0x000A,
    0x0085,
    0x002F,
    0x0012,
    0x00FC,
    0x003C,
)


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, int, int]]:
    """(type, body offset, body size) of each whole BIFF record from ``pos``."""
    while pos + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + size > len(stream):
            return
        yield rtype, pos + 4, size
        pos += 4 + size


def _scan_biff(stream: bytes, limits: Limits) -> tuple[list[tuple[str, Extent]], bool, bool]:
    """Walk the records the way calamine's xls.rs will, checking what it would allocate.

    Globals run to the first EOF; each sheet runs from its BOUNDSHEET offset to the next EOF.
    Returns per sheet (in BOUNDSHEET order, calamine's order) its extent, and
    (encrypted, structure locked).  Blank records are skipped, as calamine skips them.
    """
    u16 = struct.Struct("<H").unpack_from
    biff8 = len(stream) >= 6 and u16(stream, 4)[0] == 0x0600
    bounds: list[tuple[str, int]] = []
    locked = False
    for rtype, body, size in _records(stream, 0):
        if rtype == _EOF:
            break
        if rtype == _FILEPASS:
            return [], True, False
        if rtype == _SST and size >= 8:
            room = size + sum(n for t, _, n in _records(stream, body + size) if t == _CONTINUE)
            if not 0 <= struct.unpack_from("<i", stream, body + 4)[0] <= room // 3:
                raise ValueError("SST count")
        elif rtype == _SHEET and size >= 8:
            pos = struct.unpack_from("<I", stream, body)[0]
            if pos >= len(stream):
                raise ValueError("sheet offset")
            bounds.append((_biff_name(stream[body : body + size], biff8, len(bounds)), pos))
        elif rtype == _PROTECT and size >= 2:
            locked = u16(stream, body)[0] != 0
    sheets, budget = [], 4 * len(stream) + 65536  # sheets overlapping on purpose: refuse
    for label, pos in bounds:
        ext = Extent()
        for rtype, body, size in _records(stream, pos):
            budget -= size + 4
            if budget < 0:
                raise ValueError("overlapping sheets")
            if rtype == _EOF:
                break
            if rtype in _CELLS and size >= 4:
                ext.grow(u16(stream, body)[0], u16(stream, body + 2)[0], 1)
            elif rtype == _MULRK and size >= 6:
                first, last = u16(stream, body + 2)[0], u16(stream, body + size - 2)[0]
                if last >= first:
                    ext.grow(u16(stream, body)[0], last, last - first + 1)
            elif rtype == _DIMENSIONS and size in (10, 14):
                _check_dimensions(label, stream, body, size, limits)
            elif rtype == _PROTECT and size >= 2:
                ext.protected = u16(stream, body)[0] != 0
        sheets.append((label, ext))
    return sheets, False, locked


def _check_dimensions(label: str, stream: bytes, body: int, size: int, limits: Limits) -> None:
    """calamine reserves rows x cols cells from this record, computed in wrapping u32."""
    fmt = "<4H" if size == 10 else "<IIHH"
    first_row, last_row, first_col, last_col = struct.unpack_from(fmt, stream, body)
    end = (
        (last_row - 1, last_col - 1) if last_row >= 1 and last_col >= 1 else (first_row, first_col)
    )
    rows = (end[0] - first_row + 1) & 0xFFFFFFFF
    cols = (end[1] - first_col + 1) & 0xFFFFFFFF
    if rows * cols > dense_limit(limits):
        raise Fail("too-many-cells", f"工作表“{label}”声明的数据区域为 {rows} 行 × {cols} 列，过大")


def _biff_name(body: bytes, biff8: bool, index: int) -> str:
    """BOUNDSHEET name, for messages only (BIFF8: Latin-1 or UTF-16LE; BIFF5: GBK guess)."""
    count = body[6]
    if not biff8:
        return body[7 : 7 + count].decode("gbk", "replace") or f"第{index + 1}个工作表"
    wide = len(body) > 7 and body[7] & 1
    raw = body[8 : 8 + count * 2] if wide else body[8 : 8 + count]
    return raw.decode("utf-16-le" if wide else "latin-1", "replace") or f"第{index + 1}个工作表"


def read_ole(data: bytes, path: Path, wanted: set[str] | None, limits: Limits) -> RawWorkbook:
    """OLE container: encrypted OOXML, legacy .xls, or something else (e.g. a .doc)."""
    try:
        cfb = _Cfb(data)
    except (ValueError, struct.error, IndexError) as exc:
        if _ENCRYPTION_MARK in data:
            raise Fail("encrypted") from exc
        raise Fail("legacy-xls", "文件内部结构损坏") from exc
    if "EncryptionInfo" in cfb.entries or "EncryptedPackage" in cfb.entries:
        raise Fail("encrypted")
    try:
        workbook = cfb.stream("Workbook") if "Workbook" in cfb.entries else cfb.stream("Book")
        if workbook is None:
            raise Fail("legacy-xls", "其中没有 Excel 表格数据，可能是 Word 等其他文件")
        extents, encrypted, locked = _scan_biff(workbook, limits)
    except (ValueError, struct.error, IndexError) as exc:
        raise Fail("legacy-xls", "文件内部结构损坏") from exc
    if encrypted:
        raise Fail("encrypted")
    for label, ext in extents:
        check_extent(label, ext, limits)
    book = open_book(cfb.for_calamine(), "xls")
    protected = [ext.protected for _, ext in extents]
    sheets = calamine_sheets(book, wanted, limits, protected)
    saved = _saved(cfb)
    return RawWorkbook(path, "xls", sheets, locked, bool(cfb.vba_at), False, None, saved, {})


def _saved(cfb: _Cfb) -> datetime | None:
    """The saved time in the summary information, if the file has a sound one: it only orders
    a unit's versions (govxl.collect.versions), so a missing, oversized or broken stream means
    "no saved time", never a refused file."""
    entry = cfb.entries.get(_SUMMARY)
    if entry is None or entry[2] > _SUMMARY_MAX:
        return None
    try:
        summary = cfb.stream(_SUMMARY)
    except (ValueError, struct.error, IndexError):
        return None
    return saved_time(summary) if summary else None


def saved_time(summary: bytes) -> datetime | None:
    """When the file was last saved (PIDSI_LASTSAVE_DTM of its summary information, a UTC
    FILETIME), or when it was created if it says nothing of a save; None when it has neither,
    or the stream is not a property set (MS-OLEPS 2.21) as Excel, WPS and LibreOffice write it.

    Only the one value is looked up, each offset checked: olefile's ``getproperties`` follows
    a vector's count from the file without bound (a garbled stream made it allocate gigabytes
    in the property test), and the stream itself comes from ``_Cfb``, which already decides
    what the compound file holds for calamine — one reader of the container, not two.
    """
    try:
        (section,) = struct.unpack_from("<I", summary, 44)  # the first section's offset
        (count,) = struct.unpack_from("<I", summary, section + 4)
        found: dict[int, int] = {}
        for i in range(min(count, (len(summary) - section) // 8)):
            pid, at = struct.unpack_from("<II", summary, section + 8 + 8 * i)
            if pid in (_LASTSAVE_DTM, _CREATE_DTM) and pid not in found:
                vtype, ticks = struct.unpack_from("<HxxQ", summary, section + at)
                found[pid] = ticks if vtype == _VT_FILETIME else 0
        for pid in (_LASTSAVE_DTM, _CREATE_DTM):
            if found.get(pid):
                return _FILETIME_ZERO + timedelta(microseconds=found[pid] // 10)
    except (struct.error, OverflowError):
        return None
    return None
