"""ODS and legacy XLS: values only, through python-calamine, after our own pre-scan.

Why a pre-scan: calamine trusts the file.  It builds a dense grid for every sheet when the
book is opened (one stray value at IV65536 of an .xls costs ~0.5 GB), and it sizes buffers
from counts, sizes and sector ids read from the file; when such an allocation fails Rust
aborts the whole process, which no ``except`` can catch.  So before calamine sees the bytes
we measure each sheet's extent ourselves (content.xml for .ods, BIFF records for .xls) and
check every CFB structure and BIFF count it would allocate from; .xls macros are hidden from
calamine's VBA parser in an in-memory copy.  Formulas are not available on these paths
(``formulas_known=False``); dates come back as Excel serial numbers flagged ``is_date``, as in
an .xlsx."""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import python_calamine as calamine

from .archive import Archive, norm
from .core import Fail, Limits, RawCell, RawSheet, RawWorkbook, col_letters
from .parsing import check_prologs, local_name, run_xml, walk_xml


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
    return max(limits.max_cells_per_sheet * 10, 1_000_000)


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
    meta: dict[str, str] = {}
    if arc.has("meta.xml"):

        def keep_first(tag: str, text: str) -> None:
            meta.setdefault(tag, text)

        walk_xml(arc, "meta.xml", _ignore, ("generator", "date"), keep_first)
    parsed = set(arc.done)
    check_prologs(arc)
    for name in arc.names():  # calamine inflates these itself: prove their sizes first
        if norm(name).endswith(".xml") and norm(name) not in parsed:
            for _ in arc.chunks(name):
                pass
    book = _open(arc.data, "ods")
    macros = any(norm(n).startswith(("basic/", "scripts/")) for n in arc.names())
    sheets = _sheets(book, wanted, limits, [ext.protected for _, ext in tables])
    application = meta.get("generator", "").strip() or None
    return RawWorkbook(
        path, "ods", sheets, locked, macros, False, application, _when(meta.get("date")), {}
    )


def _ignore(tag: str, attrs: dict[str, str]) -> None:
    pass


def _when(stamp: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.strip()) if stamp else None
    except ValueError:
        return None


# ---------------------------------------------------------------- .xls (OLE compound file)
_RESERVED, _DIFSECT, _END = 0xFFFFFFFA, 0xFFFFFFFC, 0xFFFFFFFE
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")
_VBA = "_VBA_PROJECT_CUR"


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


def _scan_biff(stream: bytes, limits: Limits) -> tuple[list[tuple[str, _Extent]], bool, bool]:
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
        ext = _Extent()
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
        _check(label, ext, limits)
    book = _open(cfb.for_calamine(), "xls")
    protected = [ext.protected for _, ext in extents]
    sheets = _sheets(book, wanted, limits, protected)
    return RawWorkbook(path, "xls", sheets, locked, bool(cfb.vba_at), False, None, None, {})


# ---------------------------------------------------------------- calamine values
def _open(data: bytes, fmt: str) -> calamine.CalamineWorkbook:
    """Open with calamine; its errors and Rust panics (pyo3's PanicException is a
    BaseException) become the format's own code."""
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise Fail("encrypted") from exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
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
    protected: list[bool],
) -> dict[str, RawSheet]:
    """Sheets in calamine's order, which is the file's order, as is ``protected``."""
    out: dict[str, RawSheet] = {}
    for index, meta in enumerate(book.sheets_metadata):
        label = meta.name
        locked = protected[index] if index < len(protected) else False
        sheet = RawSheet(label, _state(meta.visible), locked)
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
    # the serial number Excel would store, flagged: the cell shows a date or time (.ods
    # office:date-value / time-value, an .xls cell with a date format)
    return RawCell(int(days) if days.is_integer() else days, None, "n", True)
