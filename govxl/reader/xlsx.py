"""OOXML (.xlsx / .xlsm) reading and the :func:`read_workbook` entry point.

Why not openpyxl: its object model is slow for thousands of returns, and its read-only mode
trusts ``<dimension>`` (WPS writes ``A1`` there, so only A1 comes back).  We walk the zip
ourselves (see :mod:`.core`) and stream each XML part through hardened expat, keeping only
cells that hold a value or a formula, so a report is read in about a millisecond.
"""

from __future__ import annotations

import hashlib
import math
import posixpath
import re
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from govxl.paths import shown

from . import fastsheet
from .core import (
    CHUNK,
    LOCAL_NAMES,
    Archive,
    Fail,
    Limits,
    RawCell,
    RawSheet,
    RawWorkbook,
    ReadError,
    Value,
    check_prologs,
    col_letters,
    load_file,
    local_name,
    norm,
    run_xml,
    text_of,
    truthy,
    walk_xml,
)

if TYPE_CHECKING:
    from openpyxl.formula.translate import Translator

# ---------------------------------------------------------------- OOXML parts
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_INT = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_COLS: dict[str, int] = {}
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _unescape(text: str) -> str:
    """Excel writes control characters as ``_x000D_``; undo it like Excel does on load. A
    half of a surrogate pair (``_xD800_``) is no character: it becomes U+FFFD, not a string
    that cannot be written out again."""
    return _ESCAPE.sub(_escaped_char, text) if "_x" in text else text


def _escaped_char(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    return "\ufffd" if 0xD800 <= code <= 0xDFFF else chr(code)


def _col_index(letters: str) -> int:
    col = _COLS.get(letters)
    if col is None:
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        _COLS[letters] = col
    return col


def _number(text: str) -> tuple[Value, str]:
    if text.isdigit() and text.isascii() and len(text) <= 20:  # the common case, fast
        return int(text), "n"
    text = text.strip()
    if not text:
        return None, ""
    if len(text) <= 20 and _INT.fullmatch(text):  # long digit runs: float (int() has a cap)
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


def _shared_strings(arc: Archive, part: str) -> list[str]:
    """Shared strings with rich-text runs joined; phonetic runs (``rPh``) are not text."""
    info = arc.members.get(norm(part))
    if info is not None and info.file_size <= fastsheet.MAX_FAST:
        data = b"".join(arc.chunks(part))
        fast = fastsheet.shared_strings(data)
        if fast is not None:
            arc.done.add(norm(part))
            # "_x" may also come out of a character reference (&#95;x000D_)
            escapes = b"_x" in data or b"&" in data
            return [_unescape(x) if "_x" in x else x for x in fast] if escapes else fast
    return _stream_shared_strings(arc, part)


def _stream_shared_strings(arc: Archive, part: str) -> list[str]:
    out: list[str] = []
    buf: list[str] | None = None
    parts: list[str] = []
    phonetic = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal buf, parts, phonetic
        tag = local_name(name)
        if tag == "t":
            buf = None if phonetic else parts
        elif tag == "si":
            parts = []
        elif tag == "rPh":
            phonetic = True

    def end(name: str) -> None:
        nonlocal buf, phonetic
        tag = local_name(name)
        if tag == "t":
            buf = None
        elif tag == "si":
            out.append(_unescape("".join(parts)))
        elif tag == "rPh":
            phonetic = False

    def text(data: str) -> None:
        if buf is not None:
            buf.append(data)

    run_xml(arc, part, start, end, text)
    return out


def _parse_sheet(arc: Archive, part: str, label: str, sst: list[str], limit: int) -> RawSheet:
    """One worksheet: the regular-expression fast path when the sheet is regular, else expat."""
    info = arc.members.get(norm(part))
    if info is not None and info.file_size <= fastsheet.MAX_FAST:
        data = b"".join(arc.chunks(part))  # size- and CRC-checked like every member
        fast = fastsheet.scan(data)
        if fast is not None:
            try:
                sheet = _fast_sheet(fast, label, sst, limit)
            except fastsheet.Irregular:  # an entity or character only expat should judge
                return _stream_sheet(arc, part, label, sst, limit)
            arc.done.add(norm(part))
            return sheet
    return _stream_sheet(arc, part, label, sst, limit)


_ADDRESSES: dict[str, tuple[str, int, int]] = {}
"""Cell addresses repeat across thousands of returns of one template: parse each once."""


def _address(ref: str, label: str) -> tuple[str, int, int]:
    hit = _ADDRESSES.get(ref)
    if hit is not None:
        return hit
    m = _REF.fullmatch(ref) or _REF.fullmatch(ref.strip().upper())
    if m is None:
        raise Fail("corrupt-file", f"工作表“{label}”中单元格地址“{ref[:20]}”无效")
    addr, row, col = m.group(0), int(m.group(2)), _col_index(m.group(1))
    if col > 16384 or row > 1048576:
        raise Fail("corrupt-file", f"工作表“{label}”中单元格地址“{addr}”超出 Excel 范围")
    if len(_ADDRESSES) < 200_000:
        _ADDRESSES[ref] = (addr, row, col)
    return addr, row, col


_new_cell = tuple.__new__  # RawCell(...) through its Python-level __new__ costs a frame per cell


def _fast_sheet(fast: tuple, label: str, sst: list[str], limit: int) -> RawSheet:
    """Build the sheet from the fast path's tuples; the common types are decided inline."""
    protected, found, escaped = fast
    if len(found) > limit:
        raise Fail("too-many-cells", f"工作表“{label}”的数据单元格超过 {limit} 个")
    cells: dict[str, RawCell] = {}
    max_row = max_col = 0
    addresses = _ADDRESSES
    n_sst = len(sst)
    for ref, ctype, ftext, has_v, vtext in found:
        if not has_v and not ftext:
            continue
        hit = addresses.get(ref)
        addr, row, col = hit if hit is not None else _address(ref, label)
        value: Value
        if not has_v:
            value, kind = None, ""
        elif ctype == "s" and vtext.isascii() and vtext.isdigit():
            index = int(vtext)
            if index >= n_sst:
                raise Fail("corrupt-file", f"工作表“{label}”引用了不存在的共享字符串")
            value = sst[index] or None
            kind = "s" if value is not None else ""
        elif (
            (ctype == "" or ctype == "n")
            and vtext.isascii()
            and vtext.isdigit()
            and len(vtext) <= 20
        ):
            value, kind = int(vtext), "n"
        elif has_v == "is":
            value, kind = _convert("inlineStr", None, vtext, sst, label)
        else:
            if escaped and "&" in vtext:
                vtext = fastsheet.unescape(vtext)
            value, kind = _convert(ctype or "n", [vtext], None, sst, label)
        if ftext:
            if escaped and "&" in ftext:
                ftext = fastsheet.unescape(ftext)
            formula = ftext.strip().removeprefix("=") or None
        else:
            formula = None
        if value is None:
            if formula is None:
                continue
            kind = "f-empty"
        cells[addr] = _new_cell(RawCell, (value, formula, kind))
        if row > max_row:
            max_row = row
        if col > max_col:
            max_col = col
    return RawSheet(label, "visible", protected, cells, max_row, max_col)


def _stream_sheet(arc: Archive, part: str, label: str, sst: list[str], limit: int) -> RawSheet:
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
    data = 0  # depth of <sheetData>: cells and rows count only inside it, as in Excel
    local = LOCAL_NAMES

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal buf, vals, ftext, inline, fattrs, ref, ctype, row, col, phonetic, protected
        nonlocal data
        tag = local.get(name) or local_name(name)
        if tag == "sheetData":
            data += 1
        elif not data:
            if tag == "sheetProtection":
                protected = truthy(attrs.get("sheet"))
            return
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
        nonlocal buf, phonetic, data
        tag = local.get(name) or local_name(name)
        if tag == "sheetData":
            data -= 1
        elif not data:
            return
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
            addr, row, col = _address(ref, label)
        if col > 16384 or row > 1048576:
            raise Fail("corrupt-file", f"工作表“{label}”中单元格地址“{addr}”超出 Excel 范围")
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
        store(addr, RawCell(value, formula, kind))

    def store(addr: str, cell: RawCell) -> None:
        nonlocal max_row, max_col
        cells[addr] = cell
        if row > max_row:
            max_row = row
        if col > max_col:
            max_col = col
        if len(cells) > limit:
            raise Fail("too-many-cells", f"工作表“{label}”的数据单元格超过 {limit} 个")

    run_xml(arc, part, start, end, text)
    for addr, si, value, kind in orphans:  # child written before its master: rare but legal
        formula = _translate(masters[si], addr, cache) if si in masters else None
        if value is not None or formula is not None:
            m = _REF.fullmatch(addr)
            row, col = (int(m.group(2)), _col_index(m.group(1))) if m else (row, col)
            store(addr, RawCell(value, formula, kind if value is not None else "f-empty"))
    return RawSheet(label, "visible", protected, cells, max_row, max_col)


def _translate(
    master: tuple[str, str], addr: str, cache: dict[tuple[str, str], Translator | None]
) -> str:
    """Expand a shared formula for one cell.  If openpyxl cannot tokenize it we fall back to
    the master's text, so a formula cell never masquerades as a typed-in constant."""
    if master not in cache:
        try:
            from openpyxl.formula.translate import Translator  # only files with shared formulas

            cache[master] = Translator("=" + master[0], origin=master[1])
        except Exception:
            cache[master] = None
    translator = cache[master]
    try:
        return translator.translate_formula(addr)[1:] if translator else master[0]
    except Exception:
        return master[0]


def _convert(
    ctype: str, vals: list[str] | None, inline: list[str] | None, sst: list[str], label: str
) -> tuple[Value, str]:
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
            index = int(text)
            value = sst[index] if index >= 0 else sst[len(sst)]
        except (ValueError, IndexError) as exc:
            raise Fail("corrupt-file", f"工作表“{label}”引用了不存在的共享字符串") from exc
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


def _find(arc: Archive, folder: str, target: str) -> str:
    """Resolve a relationship target (absolute ``/xl/..`` or relative) to a zip member name."""
    target = target.strip().replace("\\", "/")
    path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
    path = posixpath.normpath(path)
    if not arc.has(path) and arc.has(unquote(path)):
        path = unquote(path)
    return path


def _rels(arc: Archive, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type's last segment, member name); external targets skipped."""
    folder = posixpath.dirname(part)
    rels_part = posixpath.join(folder, "_rels", posixpath.basename(part) + ".rels")
    if not arc.has(rels_part):
        return {}

    def parse() -> tuple[tuple[str, str, str], ...]:
        found: list[tuple[str, str, str]] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "Relationship" and attrs.get("TargetMode", "").lower() != "external":
                kind = attrs.get("Type", "").rpartition("/")[2]
                found.append((attrs.get("Id", ""), kind, attrs.get("Target", "")))

        walk_xml(arc, rels_part, start)
        return tuple(found)

    # targets are resolved against this archive's members, after the (shared) parse
    return {
        rid: (kind, _find(arc, folder, target))
        for rid, kind, target in arc.memo(rels_part, "rels", parse)
    }


def _by_type(rels: dict[str, tuple[str, str]], kind: str, default: str) -> str:
    return next((target for k, target in rels.values() if k == kind), default)


def _states(state: str | None) -> str:
    return {"hidden": "hidden", "veryhidden": "veryHidden"}.get((state or "").lower(), "visible")


def _workbook(
    arc: Archive, wb_part: str
) -> tuple[str, tuple[tuple[str, str, str], ...], tuple[tuple[str, str], ...], bool]:
    """The workbook part: root tag, sheets (name, state, relationship id), defined names and
    whether the structure is locked — immutable, so returns sharing the part share the parse."""
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

    walk_xml(arc, wb_part, start, ("definedName",), got)
    return (roots[0] if roots else ""), tuple(order), tuple(names.items()), flags["locked"]


def read_xlsx(arc: Archive, path: Path, wanted: set[str] | None, limits: Limits) -> RawWorkbook:
    root = _rels(arc, "")
    wb_part = _by_type(root, "officeDocument", "xl/workbook.xml")
    if not arc.has(wb_part):
        if arc.has("xl/workbook.bin") or wb_part.endswith(".bin"):
            raise Fail("not-a-workbook", "（这是 .xlsb 二进制格式）")
        if any(norm(name).startswith("xl/") for name in arc.names()):
            raise Fail("missing-part", f"缺少工作簿主体“{wb_part}”")
        raise Fail("not-a-workbook", "（可能是改了扩展名的其他文件）")
    root_tag, order, names, locked = arc.memo(wb_part, "workbook", lambda: _workbook(arc, wb_part))
    if root_tag != "workbook":
        raise Fail("not-a-workbook", "（可能是改了扩展名的其他文件）")
    wb_rels = _rels(arc, wb_part)
    sheets: dict[str, RawSheet] = {}
    sst: list[str] | None = None
    for label, state, rid in order:
        if label in sheets:
            raise Fail("corrupt-file", f"工作表名称“{label}”重复")
        part = wb_rels.get(rid, ("", ""))[1]
        if not part or not arc.has(part):
            raise Fail("missing-part", f"工作表“{label}”的数据“{part or rid}”不存在")
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
    stamp = text_of(arc, _by_type(root, "core-properties", "docProps/core.xml"), "modified")
    if stamp:
        try:
            modified = datetime.fromisoformat(stamp)
        except ValueError:
            modified = None
    application = text_of(
        arc, _by_type(root, "extended-properties", "docProps/app.xml"), "Application"
    )
    has_macros = any(norm(n).endswith("vbaproject.bin") for n in arc.names())
    types = arc.head("[Content_Types].xml", CHUNK) if arc.has("[Content_Types].xml") else b""
    macro_type = b"macroenabled.main" in types.lower()
    check_prologs(arc)
    fmt = "xlsm" if has_macros or macro_type or path.suffix.lower() == ".xlsm" else "xlsx"
    return RawWorkbook(
        path, fmt, sheets, locked, has_macros, True, application, modified, dict(names)
    )


# ---------------------------------------------------------------- entry point
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


_DEFAULT_LIMITS = Limits()  # frozen, so sharing one default instance is safe


def _dispatch(data: bytes, path: Path, wanted: set[str] | None, limits: Limits) -> RawWorkbook:
    if data.startswith(_OLE_MAGIC):
        from .other import read_ole

        return read_ole(data, path, wanted, limits)
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise Fail("not-a-workbook", "（可能是改了扩展名的文本、网页或其他文件）")
    arc = Archive(data, limits)
    if arc.has("mimetype") and arc.head("mimetype", 256).startswith(
        b"application/vnd.oasis.opendocument.spreadsheet"
    ):
        from .other import read_ods

        return read_ods(arc, path, wanted, limits)
    return read_xlsx(arc, path, wanted, limits)


def read_workbook(
    path: Path, *, sheets: Collection[str] | None = None, limits: Limits = _DEFAULT_LIMITS
) -> RawWorkbook:
    """Read a returned workbook without trusting it.

    ``sheets`` names the sheets to parse (others are listed with ``loaded=False``) - parsing
    only what a template needs is most of the speed.  Raises :class:`ReadError` and nothing
    else for any problem with the file.
    """
    path = Path(path)
    name = shown(path.name or str(path))
    wanted = None if sheets is None else ({sheets} if isinstance(sheets, str) else set(sheets))
    data: bytes | None = None
    try:
        data = load_file(path, limits)
        wb = _dispatch(data, path, wanted, limits)
        wb.sha256 = hashlib.sha256(data).hexdigest()
        return wb
    except Fail as fail:
        raise _error(fail, name, data) from fail
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # a bug, an input we did not foresee, or a Rust panic in
        # calamine (pyo3's PanicException derives from BaseException): still a clean ReadError
        detail = f"内部结构异常：{type(exc).__name__}"
        raise _error(Fail("corrupt-file", detail), name, data) from exc


def read_bytes(path: Path, *, limits: Limits = _DEFAULT_LIMITS) -> bytes:
    """The bytes of ``path`` under the same guards as :func:`read_workbook`: a regular file (a
    FIFO would block), not empty, within the size limit. ReadError otherwise.

    For callers that go back to a file they have checked (e.g. to annotate it): they compare
    the sha256 of these bytes with the one recorded, and use these bytes, not the path again.
    """
    path = Path(path)
    try:
        return load_file(path, limits)
    except Fail as fail:
        raise _error(fail, shown(path.name or str(path)), None) from fail


def _error(fail: Fail, name: str, data: bytes | None) -> ReadError:
    """The clerk's error, carrying the sha256 of the bytes read (an empty file has one too)."""
    err = fail.to_error(name)
    if data is not None or fail.code == "empty-file":
        err.sha256 = hashlib.sha256(data or b"").hexdigest()
    return err
