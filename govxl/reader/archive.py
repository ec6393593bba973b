"""The zip layer: a returned file read once, within its limits, and its parts inflated by our
own loop, which counts what it really produces (a part that lies about its size is stopped as
soon as it overshoots) and checks every CRC.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar, cast

try:  # zlib-ng inflates the same deflate streams in about half the time of the system zlib
    from zlib_ng import zlib_ng as zlib
except ImportError:  # pragma: no cover - a platform without its wheel: the standard library
    import zlib  # type: ignore[no-redef]

from .core import Fail, Limits, mib

_InflateError = cast("type[Exception]", zlib.error)  # zlib-ng's stubs call it an instance

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
