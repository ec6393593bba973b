"""Shared pieces of the reader: result types, errors, and the guarded zip / XML layer.

Why so defensive: returns arrive from hundreds of offices.  Files may be renamed text, cut
off by a flaky upload, encrypted, or crafted.  Every failure becomes a :class:`ReadError`
with a stable ``code`` and a Chinese ``message`` a clerk can act on; nothing else escapes.
The zip and XML guards live here so the .xlsx and .ods paths share exactly the same checks.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import struct
import zipfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import NamedTuple, TypeVar, cast
from xml.parsers import expat

try:  # zlib-ng inflates the same deflate streams in about half the time of the system zlib
    from zlib_ng import zlib_ng as zlib
except ImportError:  # pragma: no cover - a platform without its wheel: the standard library
    import zlib  # type: ignore[no-redef]

from defusedxml.common import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)

_InflateError = cast("type[Exception]", zlib.error)  # zlib-ng's stubs call it an instance
Value = str | int | float | bool | None


class RawCell(NamedTuple):
    """One stored cell: the cached value exactly as the writer saved it, plus formula text.

    A named tuple, not a dataclass: hundreds are made per return, and tuples are built in C.
    """

    value: Value
    formula: str | None
    kind: str  # "n" | "s" | "b" | "e" | "f-empty" | "blank"
    is_date: bool = False
    """A number shown as a date or time: a date or time number format in .xlsx, a date or
    time value in .ods and .xls. Excel turns ``1-2`` typed into a cell into such a number."""


@dataclass
class RawSheet:
    """A sheet; ``loaded`` is False when the caller did not ask for it (cells are then empty)."""

    name: str
    state: str
    protected: bool
    cells: dict[str, RawCell] = field(default_factory=dict)
    max_row: int = 0
    max_col: int = 0
    loaded: bool = True


@dataclass
class RawWorkbook:
    path: Path
    format: str
    sheets: dict[str, RawSheet]
    structure_locked: bool
    has_macros: bool
    formulas_known: bool
    application: str | None
    modified: datetime | None
    defined_names: dict[str, str]
    sha256: str = ""
    """Of the very bytes that were parsed: a file replaced while being read cannot mix
    one version's hash with another version's figures."""
    date1904: bool = False
    """Date serial numbers count from 1904 (Excel for Mac before 2011), not from 1900."""


_EPOCHS = {False: datetime(1899, 12, 30), True: datetime(1904, 1, 1)}


def moment(serial: float, date1904: bool = False) -> datetime | time | None:
    """The date (with its time of day, if any) or the bare time a date serial number stands
    for, as Excel shows it; None where no date is (negative, beyond 9999).

    Excel counts 1900 as a leap year: serial 60 is the 29 February 1900 that never was, shown
    here as 28 February, and serials below 60 are a day later than plain counting gives.
    """
    if not 0 <= serial < 2958466:
        return None
    if serial < 1:
        seconds = round(serial * 86400)
        return time(*divmod(seconds // 60, 60), seconds % 60) if seconds < 86400 else None
    if not date1904 and serial < 61:
        serial += 1 if serial < 60 else 0
    return _EPOCHS[date1904] + timedelta(seconds=round(serial * 86400))


class ReadError(Exception):
    """Could not read the file at all.

    ``code`` is a stable slug for programs; ``message`` is Chinese for an office clerk and says
    what is wrong and what to do.  ``detail`` is the shorter Chinese reason used in the message.
    """

    def __init__(self, code: str, message: str, detail: str = "", sha256: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail
        self.sha256 = sha256
        """Of the bytes that were read before the problem was found ("" if none were read).
        Callers must not open the path again to hash it: it may be a FIFO, or replaced."""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 1024 * 1024
    max_member_bytes: int = 100 * 1024 * 1024  # declared uncompressed size of one zip member
    max_total_bytes: int = 300 * 1024 * 1024  # declared total uncompressed
    max_ratio: float = 200.0  # compression ratio of any member bigger than 1 MiB
    max_cells_per_sheet: int = 200_000


_RESAVE = "请用 Excel 或 WPS 打开后另存为 .xlsx，再重新报送。"
_MESSAGES = {
    "unreadable": "无法读取“{name}”：{detail}。请确认选择的是 Excel 文件本身且没有被其他程序占用。",
    "empty-file": "文件“{name}”是空文件（0 字节），可能在保存或上传时出错。请重新保存后报送。",
    "too-large": "文件“{name}”{detail}，超过系统上限。请删除多余的工作表、图片或数据后重新报送。",
    "not-a-workbook": "文件“{name}”不是有效的 Excel 工作簿{detail}，"
    "请用 Excel 或 WPS 另存为 .xlsx 后重新报送。",
    "encrypted": "文件“{name}”设置了打开密码，系统无法读取。请取消文件密码后重新报送。",
    "legacy-xls": "文件“{name}”是旧版 .xls 格式，但内容无法读取（{detail}）。" + _RESAVE,
    "corrupt-zip": "文件“{name}”已损坏或不完整（{detail}），可能是下载或拷贝没有完成。" + _RESAVE,
    "missing-part": "文件“{name}”缺少必要的内部组成部分（{detail}），文件已损坏。" + _RESAVE,
    "zip-bomb": "文件“{name}”的压缩数据异常（{detail}），出于安全考虑系统拒绝读取。" + _RESAVE,
    "xml-entity": "文件“{name}”含有不安全的 XML 实体声明（{detail}），出于安全考虑系统拒绝读取。"
    + _RESAVE,
    "too-many-cells": "文件“{name}”中{detail}，超过系统上限。请删除多余的数据或格式后重新报送。",
    "corrupt-file": "文件“{name}”内容有误，无法读取（{detail}）。" + _RESAVE,
}


class Fail(Exception):
    """Internal: raised deep in parsing, where the file name is unknown; becomes ReadError."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    def to_error(self, name: str) -> ReadError:
        msg = _MESSAGES[self.code].format(name=name, detail=self.detail)
        return ReadError(self.code, msg, self.detail)


def mib(n: float) -> str:
    return f"{n / 1048576:.1f} MB"


# ---------------------------------------------------------------- zip layer
CHUNK = 1 << 16
_MAX_MEMBERS = 20_000  # real workbooks have dozens; a huge directory is itself an attack


_T = TypeVar("_T")
_MEMO: dict[tuple[str, int, int, int, bytes], object] = {}
_MEMO_ENTRIES, _MEMO_PART_BYTES = 512, 32768  # at most 16 MB of keys and as much in values


class Archive:
    """Zip directory checked against :class:`Limits` before any byte is inflated.

    Members are inflated by our own zlib loop so we count the bytes really produced: a member
    whose directory entry understates its size is stopped as soon as it overshoots.
    """

    def __init__(self, data: bytes, limits: Limits) -> None:
        self.data, self.limits, self.inflated = data, limits, 0
        self.done: set[str] = set()  # parts already parsed or checked
        if data.count(b"PK\x01\x02") > _MAX_MEMBERS:  # before zipfile builds an object each
            raise Fail("zip-bomb", "压缩包内的文件数量异常")
        try:
            infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except Exception as exc:  # BadZipFile, struct.error, ValueError, ...
            raise Fail("corrupt-zip", "压缩包目录无法识别") from exc
        self.members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            if info.filename.endswith("/"):
                continue
            key = norm(info.filename)
            if key in self.members:
                raise Fail("corrupt-zip", f"重复的内部文件“{info.filename}”")
            self.members[key] = info
            size = info.file_size
            if size > limits.max_member_bytes:
                raise Fail("zip-bomb", f"“{info.filename}”解压后声明为 {mib(size)}")
            if size > 1048576 and size > limits.max_ratio * max(info.compress_size, 1):
                raise Fail("zip-bomb", f"“{info.filename}”压缩比异常")
            total += size
        if total > limits.max_total_bytes:
            raise Fail("zip-bomb", f"解压后总大小声明为 {mib(total)}")

    def has(self, part: str) -> bool:
        return norm(part) in self.members

    def names(self) -> list[str]:
        return [info.filename for info in self.members.values()]

    def _payload(self, info: zipfile.ZipInfo, part: str) -> memoryview:
        """The member's compressed bytes, located through its local header."""
        if info.flag_bits & 0x1:
            raise Fail("encrypted")
        data, off = self.data, info.header_offset
        if data[off : off + 4] != b"PK\x03\x04" or len(data) < off + 30:
            raise Fail("corrupt-zip", f"“{part}”的位置信息错误")
        name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
        start = off + 30 + name_len + extra_len
        raw = memoryview(data)[start : start + info.compress_size]
        if len(raw) < info.compress_size:
            raise Fail("corrupt-zip", f"“{part}”数据被截断")
        return raw

    def memo(self, part: str, what: str, compute: Callable[[], _T]) -> _T:
        """``compute()`` — the parse of a small part — or its result for the same bytes.

        Returns of one template share most small parts byte for byte (relationships, the
        workbook part, properties, styles). The key is the member's compressed bytes with its
        declared CRC and sizes, so a hit means the very bytes that were inflated, CRC-checked
        and parsed before: nothing is trusted that was not verified. ``compute`` must return
        an immutable value and must not depend on anything but the part's content.
        """
        info = self.members.get(norm(part))
        key = None
        # small parts only, by their inflated size too: what is kept stays bounded
        if info is not None and info.file_size <= _MEMO_PART_BYTES:
            try:
                raw = bytes(self._payload(info, part))
            except Fail:  # a broken header: compute() meets it and decides, as without memo
                raw = None
            if raw is not None:
                key = (what, info.CRC, info.file_size, info.compress_type, raw)
                hit = _MEMO.get(key)
                if hit is not None:
                    self.done.add(norm(part))
                    return cast(_T, hit)
        value = compute()
        if key is not None and len(_MEMO) < _MEMO_ENTRIES:
            _MEMO[key] = value
        return value

    def chunks(self, part: str, size: int = CHUNK) -> Iterator[bytes]:
        """Yield the inflated member, verifying real size and CRC against the directory."""
        info = self.members.get(norm(part))
        if info is None:
            raise Fail("missing-part", f"缺少“{part}”")
        raw = self._payload(info, part)
        declared, produced, crc = info.file_size, 0, 0
        if info.compress_type == zipfile.ZIP_STORED:
            pieces: Iterator[bytes] = (bytes(raw[i : i + size]) for i in range(0, len(raw), size))
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            pieces = _inflate(raw, size)
        else:
            raise Fail("corrupt-zip", f"“{part}”使用了不支持的压缩方式")
        for piece in pieces:
            produced += len(piece)
            self.inflated += len(piece)
            if produced > declared:
                raise Fail("zip-bomb", f"“{part}”实际解压大小超过声明值")
            if self.inflated > self.limits.max_total_bytes:
                raise Fail("zip-bomb", "解压后总大小超过上限")
            crc = zlib.crc32(piece, crc)
            yield piece
        if produced != declared or crc != info.CRC:
            raise Fail("corrupt-zip", f"“{part}”数据校验失败")

    def head(self, part: str, cap: int) -> bytes:
        return next(self.chunks(part, cap), b"")


def _inflate(raw: memoryview, size: int) -> Iterator[bytes]:
    """Raw-deflate ``raw`` in bounded output pieces; never trusts the declared sizes."""
    d = zlib.decompressobj(-15)
    pos = 0
    while not d.eof:
        if d.unconsumed_tail:
            src: bytes | memoryview = d.unconsumed_tail
        elif pos < len(raw):
            src, pos = raw[pos : pos + size], pos + size
        else:
            raise Fail("corrupt-zip", "压缩数据不完整")
        try:
            out = d.decompress(src, size)
        except _InflateError as exc:
            raise Fail("corrupt-zip", "压缩数据损坏") from exc
        if out:
            yield out


_NORMS: dict[str, str] = {}


def norm(name: str) -> str:
    """A member name as compared: ``/`` separators, no leading ``/``, lower case (memoised:
    the same few dozen part names are looked up for every return)."""
    hit = _NORMS.get(name)
    if hit is None:
        hit = name.replace("\\", "/").lstrip("/").lower()
        if len(_NORMS) < 4096 and len(name) <= 256:  # bounded: hostile names may be endless
            _NORMS[name] = hit
    return hit


# ---------------------------------------------------------------- hardened expat
def _no_dtd(name: str, sysid: str | None, pubid: str | None, _internal: int) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _no_entity(name: str, *args: object) -> None:
    raise EntitiesForbidden(name, None, None, None, None, None)


def _no_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _parser() -> expat.XMLParserType:
    """Expat with the same refusals as ``defusedxml`` (forbid_dtd / entities / external).

    We use pyexpat callbacks directly rather than defusedxml's pure-Python ElementTree so no
    tree is built and each cell costs a handful of C-to-Python calls.  Any DOCTYPE is refused
    as soon as it starts, so entity declarations (billion laughs, XXE) are never even read.
    """
    p = expat.ParserCreate(namespace_separator="}")
    p.buffer_text = True
    p.buffer_size = CHUNK
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _no_dtd
    p.EntityDeclHandler = _no_entity
    p.UnparsedEntityDeclHandler = _no_entity
    p.ExternalEntityRefHandler = _no_external
    return p


LOCAL_NAMES: dict[str, str] = {}  # hot loops try this cache inline before local_name()


def local_name(name: str) -> str:
    """``{ns}c`` / ``x:c`` -> ``c``: writers differ in prefixes; only local names matter."""
    tag = LOCAL_NAMES.get(name)
    if tag is None:
        tag = name.rpartition("}")[2].rpartition(":")[2]
        if len(LOCAL_NAMES) < 4096:  # bounded: a hostile part may invent endless names
            LOCAL_NAMES[name] = tag
    return tag


StartFn = Callable[[str, dict[str, str]], None]


def run_xml(
    arc: Archive,
    part: str,
    start: StartFn,
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    """Stream ``part`` through hardened expat with raw handlers."""
    p = _parser()
    p.StartElementHandler = start
    if end:
        p.EndElementHandler = end
    if text:
        p.CharacterDataHandler = text
    feed(arc, part, p)


def hardened_parser() -> expat.XMLParserType:
    """A hardened expat parser, for a caller that switches handlers while it parses."""
    return _parser()


def feed(arc: Archive, part: str, p: expat.XMLParserType) -> None:
    """Stream ``part`` through ``p`` (from :func:`hardened_parser`); XML errors become Fail."""
    arc.done.add(norm(part))
    pieces = arc.chunks(part)
    try:
        for chunk in pieces:
            p.Parse(chunk, False)
        p.Parse(b"", True)
    except DefusedXmlException as exc:
        raise Fail("xml-entity", f"位于“{part}”") from exc
    except expat.ExpatError as exc:
        _verify_rest(pieces, exc)
        raise Fail("corrupt-file", f"“{part}”第 {exc.lineno} 行 XML 格式错误") from exc
    except (LookupError, UnicodeError) as exc:  # an encoding expat/Python does not know
        _verify_rest(pieces, exc)
        raise Fail("corrupt-file", f"“{part}”的文字编码无法识别") from exc


def _verify_rest(pieces: Iterator[bytes], cause: Exception) -> None:
    """Inflate the rest of a part whose XML broke off: a member damaged in the zip (a copy cut
    short, a flipped byte) is told as that, not as bad XML, whatever byte the parser met first."""
    try:
        for _ in pieces:
            pass
    except Fail as fail:
        raise fail from cause


def walk_xml(
    arc: Archive,
    part: str,
    start: StartFn,
    texts: Collection[str] = (),
    got: Callable[[str, str], None] | None = None,
) -> None:
    """Stream a small part: ``start(tag, attrs)`` per element, ``got(tag, text)`` for ``texts``."""
    buf: list[str] | None = None

    def on_start(name: str, attrs: dict[str, str]) -> None:
        nonlocal buf
        tag = local_name(name)
        start(tag, attrs)
        if tag in texts:
            buf = []

    def on_end(name: str) -> None:
        nonlocal buf
        if buf is not None and got is not None:
            got(local_name(name), "".join(buf))
        buf = None

    def on_text(data: str) -> None:
        if buf is not None:
            buf.append(data)

    run_xml(arc, part, on_start, on_end, on_text)


class _Stop(Exception):
    pass


def _raise_stop(name: str, attrs: dict[str, str]) -> None:
    raise _Stop


def check_prologs(arc: Archive) -> None:
    """Refuse DTDs in XML parts we do not parse: a DOCTYPE can only sit before the root."""
    for info in list(arc.members.values()):
        key = norm(info.filename)
        if key in arc.done or not key.endswith((".xml", ".rels", ".vml")):
            continue
        arc.memo(info.filename, "prolog", partial(_check_prolog, arc, info.filename))
        arc.done.add(key)


def _check_prolog(arc: Archive, name: str) -> bool:
    p = _parser()
    p.StartElementHandler = _raise_stop
    try:
        for chunk in arc.chunks(name, 4096):
            p.Parse(chunk, False)
    except (_Stop, expat.ExpatError, LookupError, UnicodeError):
        return True  # root reached, or a broken part we never read anyway
    except Fail as fail:
        if fail.code != "corrupt-zip":
            raise
    except DefusedXmlException as exc:
        raise Fail("xml-entity", f"位于“{name}”") from exc
    return True


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "on")


def col_letters(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def text_of(arc: Archive, part: str, tag: str) -> str | None:
    """Stripped text of the first ``tag`` element in ``part`` (absent part -> None)."""
    if not arc.has(part):
        return None

    def compute() -> str | None:
        found: list[str] = []
        walk_xml(arc, part, lambda t, a: None, (tag,), lambda t, text: found.append(text.strip()))
        return found[0] if found and found[0] else None

    return arc.memo(part, "text:" + tag, compute)


_OS_REASONS = {
    "ENOENT": "文件不存在（可能已被移动、改名或删除）",
    "EISDIR": "这是一个文件夹，不是文件",
    "EACCES": "没有读取该文件的权限",
    "EPERM": "没有读取该文件的权限",
    "EIO": "磁盘读取出错",
    "ENAMETOOLONG": "文件名或路径过长",
    "ELOOP": "路径中存在循环的快捷方式",
    "EBUSY": "文件正被其他程序占用",
}


_O_READ = os.O_RDONLY | getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def _read_at_most(fd: int, n: int) -> bytes:
    """Up to ``n`` bytes, fewer only at the end of the file."""
    data = os.read(fd, n)
    while 0 < len(data) < n:
        more = os.read(fd, n - len(data))
        if not more:
            break
        data += more
    return data


def _os_reason(exc: OSError) -> str:
    code = errno.errorcode.get(exc.errno or 0, "")
    return _OS_REASONS.get(code, f"操作系统报告错误（{code or type(exc).__name__}）")


def load_file(path: Path, limits: Limits) -> bytes:
    """Open once, refuse non-files before opening (a FIFO would block), read at most limit+1.

    Plain ``os.open``/``os.read``: a buffered file object costs more than reading a return.
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise Fail("unreadable", _OS_REASONS["EISDIR"])
        if not stat.S_ISREG(info.st_mode):
            raise Fail("unreadable", "这不是一个普通文件")
        fd = os.open(path, _O_READ)
        try:
            size = os.fstat(fd).st_size
            if size > limits.max_file_bytes:
                raise Fail("too-large", f"大小为 {mib(size)}，上限为 {mib(limits.max_file_bytes)}")
            # ask for the size we saw, +1 to notice a file that grew since: still bounded
            data = _read_at_most(fd, min(size, limits.max_file_bytes) + 1)
            if len(data) > size:
                data += _read_at_most(fd, limits.max_file_bytes + 1 - len(data))
        finally:
            os.close(fd)
    except OSError as exc:
        raise Fail("unreadable", _os_reason(exc)) from exc
    if not data:
        raise Fail("empty-file")
    if len(data) > limits.max_file_bytes:
        raise Fail("too-large", f"大小超过 {mib(limits.max_file_bytes)}")
    return data
