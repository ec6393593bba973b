"""Fast, hostile-input-safe reader for workbooks returned by sub-units.

Why not openpyxl: its object model is slow for thousands of returns, and its read-only mode
trusts ``<dimension>`` (WPS writes ``A1`` there, so only A1 comes back).  We walk the zip
ourselves and stream each XML part through expat, keeping only cells that hold something.

Why so defensive: returns arrive from hundreds of offices.  Files may be renamed text, cut
off by a flaky upload, encrypted, or crafted.  Every failure becomes a :class:`ReadError`
with a stable ``code`` and a Chinese ``message`` a clerk can act on; nothing else escapes.
"""

from __future__ import annotations

import io
import math
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote
from xml.parsers import expat

from defusedxml.common import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from openpyxl.formula.translate import Translator

Value = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class RawCell:
    """One stored cell: the cached value exactly as the writer saved it, plus formula text."""

    value: Value
    formula: str | None
    kind: str  # "n" | "s" | "b" | "e" | "f-empty" | "blank"


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


class ReadError(Exception):
    """Could not read the file at all.

    ``code`` is a stable slug for programs; ``message`` is Chinese for an office clerk and says
    what is wrong and what to do.  ``detail`` is the shorter Chinese reason used in the message.
    """

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


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


class _Fail(Exception):
    """Internal: raised deep in parsing, where the file name is unknown; becomes ReadError."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    def to_error(self, name: str) -> ReadError:
        msg = _MESSAGES[self.code].format(name=name, detail=self.detail)
        return ReadError(self.code, msg, self.detail)


def _mib(n: float) -> str:
    return f"{n / 1048576:.1f} MB"


# ---------------------------------------------------------------- zip layer
_CHUNK = 1 << 16
_MAX_MEMBERS = 20_000  # real workbooks have dozens; a huge directory is itself an attack


class _Archive:
    """Zip directory checked against :class:`Limits` before any byte is inflated.

    Members are inflated by our own zlib loop so we count the bytes really produced: a member
    whose directory entry understates its size is stopped as soon as it overshoots.
    """

    def __init__(self, data: bytes, limits: Limits) -> None:
        self.data, self.limits, self.inflated = data, limits, 0
        self.done: set[str] = set()  # parts already parsed or checked
        if data.count(b"PK\x01\x02") > _MAX_MEMBERS:
            raise _Fail("zip-bomb", "压缩包内的文件数量异常")
        try:
            infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except Exception as exc:  # BadZipFile, struct.error, ValueError, ...
            raise _Fail("corrupt-zip", "压缩包目录无法识别") from exc
        self.members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            if info.filename.endswith("/"):
                continue
            key = _norm(info.filename)
            if key in self.members:
                raise _Fail("corrupt-zip", f"重复的内部文件“{info.filename}”")
            self.members[key] = info
            size = info.file_size
            if size > limits.max_member_bytes:
                raise _Fail("zip-bomb", f"“{info.filename}”解压后声明为 {_mib(size)}")
            if size > 1048576 and size > limits.max_ratio * max(info.compress_size, 1):
                raise _Fail("zip-bomb", f"“{info.filename}”压缩比异常")
            total += size
        if total > limits.max_total_bytes:
            raise _Fail("zip-bomb", f"解压后总大小声明为 {_mib(total)}")

    def has(self, part: str) -> bool:
        return _norm(part) in self.members

    def names(self) -> list[str]:
        return [info.filename for info in self.members.values()]

    def chunks(self, part: str, size: int = _CHUNK) -> Iterator[bytes]:
        """Yield the inflated member, verifying real size and CRC against the directory."""
        info = self.members.get(_norm(part))
        if info is None:
            raise _Fail("missing-part", f"缺少“{part}”")
        if info.flag_bits & 0x1:
            raise _Fail("encrypted")
        data, off = self.data, info.header_offset
        if data[off : off + 4] != b"PK\x03\x04":
            raise _Fail("corrupt-zip", f"“{part}”的位置信息错误")
        name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
        start = off + 30 + name_len + extra_len
        raw = memoryview(data)[start : start + info.compress_size]
        if len(raw) < info.compress_size:
            raise _Fail("corrupt-zip", f"“{part}”数据被截断")
        declared, produced, crc = info.file_size, 0, 0
        if info.compress_type == zipfile.ZIP_STORED:
            pieces: Iterator[bytes] = (bytes(raw[i : i + size]) for i in range(0, len(raw), size))
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            pieces = _inflate(raw, size)
        else:
            raise _Fail("corrupt-zip", f"“{part}”使用了不支持的压缩方式")
        for piece in pieces:
            produced += len(piece)
            self.inflated += len(piece)
            if produced > declared:
                raise _Fail("zip-bomb", f"“{part}”实际解压大小超过声明值")
            if self.inflated > self.limits.max_total_bytes:
                raise _Fail("zip-bomb", "解压后总大小超过上限")
            crc = zlib.crc32(piece, crc)
            yield piece
        if produced != declared or crc != info.CRC:
            raise _Fail("corrupt-zip", f"“{part}”数据校验失败")

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
            raise _Fail("corrupt-zip", "压缩数据不完整")
        try:
            out = d.decompress(src, size)
        except zlib.error as exc:
            raise _Fail("corrupt-zip", "压缩数据损坏") from exc
        if out:
            yield out


def _norm(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


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
    p.buffer_size = _CHUNK
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _no_dtd
    p.EntityDeclHandler = _no_entity
    p.UnparsedEntityDeclHandler = _no_entity
    p.ExternalEntityRefHandler = _no_external
    return p


_LOCAL: dict[str, str] = {}


def _local(name: str) -> str:
    """``{ns}c`` / ``x:c`` -> ``c``: writers differ in prefixes; only local names matter."""
    tag = _LOCAL.get(name)
    if tag is None:
        tag = name.rpartition("}")[2].rpartition(":")[2]
        if len(_LOCAL) < 4096:
            _LOCAL[name] = tag
    return tag


StartFn = Callable[[str, dict[str, str]], None]


def _run(arc: _Archive, part: str, start: StartFn, end: Callable[[str], None] | None = None,
         text: Callable[[str], None] | None = None) -> None:
    p = _parser()
    p.StartElementHandler = start
    if end:
        p.EndElementHandler = end
    if text:
        p.CharacterDataHandler = text
    arc.done.add(_norm(part))
    try:
        for chunk in arc.chunks(part):
            p.Parse(chunk, False)
        p.Parse(b"", True)
    except DefusedXmlException as exc:
        raise _Fail("xml-entity", f"位于“{part}”") from exc
    except expat.ExpatError as exc:
        raise _Fail("corrupt-file", f"“{part}”第 {exc.lineno} 行 XML 格式错误") from exc


def _walk(arc: _Archive, part: str, start: StartFn,
          texts: Collection[str] = (), got: Callable[[str, str], None] | None = None) -> None:
    """Stream a small part: ``start(tag, attrs)`` per element, ``got(tag, text)`` for ``texts``."""
    buf: list[str] | None = None

    def on_start(name: str, attrs: dict[str, str]) -> None:
        nonlocal buf
        tag = _local(name)
        start(tag, attrs)
        if tag in texts:
            buf = []

    def on_end(name: str) -> None:
        nonlocal buf
        if buf is not None and got is not None:
            got(_local(name), "".join(buf))
        buf = None

    def on_text(data: str) -> None:
        if buf is not None:
            buf.append(data)

    _run(arc, part, on_start, on_end, on_text)


class _Stop(Exception):
    pass


def _raise_stop(name: str, attrs: dict[str, str]) -> None:
    raise _Stop


def check_prologs(arc: _Archive) -> None:
    """Refuse DTDs in XML parts we do not parse: a DOCTYPE can only sit before the root."""
    for info in list(arc.members.values()):
        key = _norm(info.filename)
        if key in arc.done or not key.endswith((".xml", ".rels", ".vml")):
            continue
        arc.done.add(key)
        p = _parser()
        p.StartElementHandler = _raise_stop
        try:
            for chunk in arc.chunks(info.filename, 4096):
                p.Parse(chunk, False)
        except (_Stop, expat.ExpatError):
            continue  # root reached, or a broken part we never read anyway
        except _Fail as fail:
            if fail.code != "corrupt-zip":
                raise
        except DefusedXmlException as exc:
            raise _Fail("xml-entity", f"位于“{info.filename}”") from exc


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "on")


# ---------------------------------------------------------------- OOXML parts
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_INT = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_COLS: dict[str, int] = {}
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _unescape(text: str) -> str:
    """Excel writes control characters as ``_x000D_``; undo it like Excel does on load."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def col_letters(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _col_index(letters: str) -> int:
    col = _COLS.get(letters)
    if col is None:
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        _COLS[letters] = col
    return col


def _number(text: str) -> tuple[Value, str]:
    text = text.strip()
    if not text:
        return None, ""
    if _INT.fullmatch(text):
        return int(text), "n"
    if _FLOAT.fullmatch(text) and math.isfinite(num := float(text)):
        return num, "n"
    return text, "s"  # not a number Excel could have written: keep the text, let checks flag it


def _iso_serial(text: str) -> tuple[Value, str]:
    """``t="d"`` cells hold ISO dates; turn them into the serial number Excel itself stores."""
    try:
        moment = datetime.fromisoformat(text.strip()).replace(tzinfo=None)
    except ValueError:
        return text, "s"
    days = (moment - _EXCEL_EPOCH).total_seconds() / 86400
    return (int(days) if days.is_integer() else days), "n"


def _shared_strings(arc: _Archive, part: str) -> list[str]:
    """Shared strings with rich-text runs joined; phonetic runs (``rPh``) are not text."""
    out: list[str] = []
    buf: list[str] | None = None
    parts: list[str] = []
    phonetic = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal buf, parts, phonetic
        tag = _local(name)
        if tag == "t":
            buf = None if phonetic else parts
        elif tag == "si":
            parts = []
        elif tag == "rPh":
            phonetic = True

    def end(name: str) -> None:
        nonlocal buf, phonetic
        tag = _local(name)
        if tag == "t":
            buf = None
        elif tag == "si":
            out.append(_unescape("".join(parts)))
        elif tag == "rPh":
            phonetic = False

    def text(data: str) -> None:
        if buf is not None:
            buf.append(data)

    _run(arc, part, start, end, text)
    return out


def _parse_sheet(arc: _Archive, part: str, label: str, sst: list[str], limit: int) -> RawSheet:
    """Stream one worksheet; state lives in closures because this is the hot loop."""
    cells: dict[str, RawCell] = {}
    masters: dict[str, tuple[str, str]] = {}
    cache: dict[tuple[str, str], Translator | None] = {}
    orphans: list[tuple[str, str, Value, str]] = []
    buf: list[str] | None = None
    vals: list[str] | None = None
    ftext: list[str] | None = None
    inline: list[str] | None = None
    fattrs: dict[str, str] = {}
    ref: str | None = None
    ctype = "n"
    row = col = max_row = max_col = 0
    phonetic = protected = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal buf, vals, ftext, inline, fattrs, ref, ctype, row, col, phonetic, protected
        tag = _local(name)
        if tag == "c":
            ref, ctype = attrs.get("r"), attrs.get("t", "n")
            vals = ftext = inline = None
        elif tag == "v":
            buf = vals = []
        elif tag == "f":
            buf = ftext = []
            fattrs = attrs
        elif tag == "t":
            if inline is not None and not phonetic:
                buf = inline
        elif tag == "row":
            r = attrs.get("r", "").strip()
            row = int(r) if r.isascii() and r.isdigit() and len(r) < 8 else row + 1
            col = 0
        elif tag == "is":
            inline = []
        elif tag == "rPh":
            phonetic = True
        elif tag == "sheetProtection":
            protected = truthy(attrs.get("sheet"))

    def end(name: str) -> None:
        nonlocal buf, phonetic
        tag = _local(name)
        if tag == "c":
            finish()
        elif tag in ("v", "f", "t"):
            buf = None
        elif tag == "rPh":
            phonetic = False

    def text(data: str) -> None:
        if buf is not None:
            buf.append(data)

    def finish() -> None:
        nonlocal row, col
        if ref is None:  # some writers omit r=; position follows document order
            row, col = max(row, 1), col + 1
            addr = col_letters(col) + str(row)
        else:
            m = _REF.fullmatch(ref.strip().upper())
            if m is None:
                raise _Fail("corrupt-file", f"工作表“{label}”中单元格地址“{ref[:20]}”无效")
            addr, row, col = m.group(0), int(m.group(2)), _col_index(m.group(1))
        if col > 16384 or row > 1048576:
            raise _Fail("corrupt-file", f"工作表“{label}”中单元格地址“{addr}”超出 Excel 范围")
        value, kind = _convert(ctype, vals, inline, sst, label)
        formula: str | None = None
        if ftext is not None:
            formula = "".join(ftext).strip().removeprefix("=") or None
            si = fattrs.get("si")
            if fattrs.get("t") == "shared" and si is not None:
                if formula:
                    masters[si] = (formula, addr)
                elif si in masters:
                    formula = _translate(masters[si], addr, cache)
                else:
                    orphans.append((addr, si, value, kind))
                    return
        if value is None:
            if formula is None:
                return
            kind = "f-empty"
        _store(addr, RawCell(value, formula, kind))

    def _store(addr: str, cell: RawCell) -> None:
        nonlocal max_row, max_col
        cells[addr] = cell
        max_row, max_col = max(max_row, row), max(max_col, col)
        if len(cells) > limit:
            raise _Fail("too-many-cells", f"工作表“{label}”的数据单元格超过 {limit} 个")

    _run(arc, part, start, end, text)
    for addr, si, value, kind in orphans:  # child written before its master: rare but legal
        formula = _translate(masters[si], addr, cache) if si in masters else None
        if value is not None or formula is not None:
            m = _REF.fullmatch(addr)
            row, col = (int(m.group(2)), _col_index(m.group(1))) if m else (row, col)
            _store(addr, RawCell(value, formula, kind if value is not None else "f-empty"))
    return RawSheet(label, "visible", protected, cells, max_row, max_col)


def _translate(master: tuple[str, str], addr: str,
               cache: dict[tuple[str, str], Translator | None]) -> str:
    """Expand a shared formula for one cell.  If openpyxl cannot tokenize it we fall back to
    the master's text, so a formula cell never masquerades as a typed-in constant."""
    if master not in cache:
        try:
            cache[master] = Translator("=" + master[0], origin=master[1])
        except Exception:
            cache[master] = None
    translator = cache[master]
    try:
        return translator.translate_formula(addr)[1:] if translator else master[0]
    except Exception:
        return master[0]


def _convert(ctype: str, vals: list[str] | None, inline: list[str] | None,
             sst: list[str], label: str) -> tuple[Value, str]:
    if ctype == "inlineStr":
        text = "".join(inline) if inline is not None else "".join(vals or ())
        return (_unescape(text), "s") if text else (None, "")
    if vals is None:
        return None, ""
    text = "".join(vals)
    if ctype == "n":
        return _number(text)
    if ctype == "s":
        if not text.strip():
            return None, ""
        try:
            value = sst[int(text)]
        except (ValueError, IndexError) as exc:
            raise _Fail("corrupt-file", f"工作表“{label}”引用了不存在的共享字符串") from exc
        return (value, "s") if value else (None, "")
    if ctype == "str":
        return _unescape(text), "s"  # a formula's cached text: "" is a real result
    if ctype == "b":
        flag = text.strip().lower()
        if flag in ("1", "true", "0", "false"):
            return flag in ("1", "true"), "b"
        return text, "s"
    if ctype == "e":
        return (text.strip(), "e") if text.strip() else (None, "")
    if ctype == "d":
        return _iso_serial(text)
    return _number(text)


def _find(arc: _Archive, folder: str, target: str) -> str:
    """Resolve a relationship target (absolute ``/xl/..`` or relative) to a zip member name."""
    target = target.strip().replace("\\", "/")
    path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
    path = posixpath.normpath(path)
    if not arc.has(path) and arc.has(unquote(path)):
        path = unquote(path)
    return path


def _rels(arc: _Archive, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type's last segment, member name); external targets skipped."""
    folder = posixpath.dirname(part)
    rels_part = posixpath.join(folder, "_rels", posixpath.basename(part) + ".rels")
    out: dict[str, tuple[str, str]] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "Relationship" and attrs.get("TargetMode", "").lower() != "external":
            kind = attrs.get("Type", "").rpartition("/")[2]
            out[attrs.get("Id", "")] = (kind, _find(arc, folder, attrs.get("Target", "")))

    if arc.has(rels_part):
        _walk(arc, rels_part, start)
    return out


def _by_type(rels: dict[str, tuple[str, str]], kind: str, default: str) -> str:
    return next((target for k, target in rels.values() if k == kind), default)


def _text_of(arc: _Archive, part: str, tag: str) -> str | None:
    found: list[str] = []
    if arc.has(part):
        _walk(arc, part, lambda t, a: None, (tag,), lambda t, text: found.append(text.strip()))
    return found[0] if found and found[0] else None


def _states(state: str | None) -> str:
    return {"hidden": "hidden", "veryhidden": "veryHidden"}.get((state or "").lower(), "visible")


def read_xlsx(arc: _Archive, path: Path, wanted: set[str] | None, limits: Limits) -> RawWorkbook:
    root = _rels(arc, "")
    wb_part = _by_type(root, "officeDocument", "xl/workbook.xml")
    if not arc.has(wb_part):
        if arc.has("xl/workbook.bin") or wb_part.endswith(".bin"):
            raise _Fail("not-a-workbook", "（这是 .xlsb 二进制格式）")
        if any(_norm(name).startswith("xl/") for name in arc.names()):
            raise _Fail("missing-part", f"缺少工作簿主体“{wb_part}”")
        raise _Fail("not-a-workbook", "（可能是改了扩展名的其他文件）")
    order: list[tuple[str, str, str]] = []
    names: dict[str, str] = {}
    pending: list[tuple[str, str | None]] = []
    flags = {"locked": False}
    roots: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if not roots:
            roots.append(tag)
        if tag == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith("}id")), "")
            order.append((attrs.get("name", ""), _states(attrs.get("state")), rid))
        elif tag == "definedName":
            pending.append((attrs.get("name", ""), attrs.get("localSheetId")))
        elif tag == "workbookProtection":
            flags["locked"] = truthy(attrs.get("lockStructure"))

    def got(tag: str, text: str) -> None:
        name, local = pending[-1]
        if local is not None and local.isdigit() and int(local) < len(order):
            name = f"{order[int(local)][0]}!{name}"
        names[name] = text.strip()

    _walk(arc, wb_part, start, ("definedName",), got)
    if roots[:1] != ["workbook"]:
        raise _Fail("not-a-workbook", "（可能是改了扩展名的其他文件）")
    wb_rels = _rels(arc, wb_part)
    sheets: dict[str, RawSheet] = {}
    sst: list[str] | None = None
    for label, state, rid in order:
        if label in sheets:
            raise _Fail("corrupt-file", f"工作表名称“{label}”重复")
        part = wb_rels.get(rid, ("", ""))[1]
        if not part or not arc.has(part):
            raise _Fail("missing-part", f"工作表“{label}”的数据“{part or rid}”不存在")
        if wanted is not None and label not in wanted:
            sheets[label] = RawSheet(label, state, False, loaded=False)
            continue
        if sst is None:
            sst_part = _by_type(wb_rels, "sharedStrings", "xl/sharedStrings.xml")
            sst = _shared_strings(arc, sst_part) if arc.has(sst_part) else []
        sheet = _parse_sheet(arc, part, label, sst, limits.max_cells_per_sheet)
        sheet.state = state
        sheets[label] = sheet
    modified: datetime | None = None
    stamp = _text_of(arc, _by_type(root, "core-properties", "docProps/core.xml"), "modified")
    if stamp:
        try:
            modified = datetime.fromisoformat(stamp)
        except ValueError:
            modified = None
    application = _text_of(
        arc, _by_type(root, "extended-properties", "docProps/app.xml"), "Application")
    has_macros = any(_norm(n).endswith("vbaproject.bin") for n in arc.names())
    types = arc.head("[Content_Types].xml", _CHUNK) if arc.has("[Content_Types].xml") else b""
    macro_type = b"macroenabled.main" in types.lower()
    check_prologs(arc)
    fmt = "xlsm" if has_macros or macro_type or path.suffix.lower() == ".xlsm" else "xlsx"
    return RawWorkbook(path, fmt, sheets, flags["locked"], has_macros, True, application,
                       modified, names)


# ---------------------------------------------------------------- entry point
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_workbook(path: Path, *, sheets: Collection[str] | None = None,
                  limits: Limits = Limits()) -> RawWorkbook:  # noqa: B008 - frozen, immutable
    """Read a returned workbook without trusting it.

    ``sheets`` names the sheets to parse (others are listed with ``loaded=False``) - parsing
    only what a template needs is most of the speed.  Raises :class:`ReadError` and nothing
    else for any problem with the file.
    """
    path = Path(path)
    name = path.name or str(path)
    wanted = None if sheets is None else ({sheets} if isinstance(sheets, str) else set(sheets))
    try:
        data = _load(path, limits)
        if data.startswith(_OLE_MAGIC):
            from .other import read_ole

            return read_ole(data, path, wanted, limits)
        if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise _Fail("not-a-workbook", "（可能是改了扩展名的文本、网页或其他文件）")
        arc = _Archive(data, limits)
        if arc.has("mimetype") and arc.head("mimetype", 256).startswith(
                b"application/vnd.oasis.opendocument.spreadsheet"):
            from .other import read_ods

            return read_ods(arc, path, wanted, limits)
        return read_xlsx(arc, path, wanted, limits)
    except _Fail as fail:
        raise fail.to_error(name) from fail
    except RecursionError as exc:
        raise _Fail("corrupt-file", "结构嵌套过深").to_error(name) from exc
    except Exception as exc:  # a bug or an input we did not foresee: still a clean ReadError
        raise _Fail("corrupt-file", f"内部结构异常：{type(exc).__name__}").to_error(name) from exc


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


def _os_reason(exc: OSError) -> str:
    import errno

    code = errno.errorcode.get(exc.errno or 0, "")
    return _OS_REASONS.get(code, f"操作系统报告错误（{code or type(exc).__name__}）")


def _load(path: Path, limits: Limits) -> bytes:
    """Open once, refuse non-files before opening (a FIFO would block), read at most limit+1."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise _Fail("unreadable", _OS_REASONS["EISDIR"])
        if not stat.S_ISREG(info.st_mode):
            raise _Fail("unreadable", "这不是一个普通文件")
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limits.max_file_bytes:
                raise _Fail("too-large", f"大小为 {_mib(size)}，上限为 {_mib(limits.max_file_bytes)}")
            data = fh.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise _Fail("unreadable", _os_reason(exc)) from exc
    if not data:
        raise _Fail("empty-file")
    if len(data) > limits.max_file_bytes:
        raise _Fail("too-large", f"大小超过 {_mib(limits.max_file_bytes)}")
    return data
