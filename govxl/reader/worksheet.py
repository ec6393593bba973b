"""Worksheets and the shared string table, read by hardened expat: the one reading of a sheet.

Why expat decides and nothing else: the same sheet can be spelled in many legal ways
(``sheet="1"`` or ``sheet='&#49;'``, prefixes, CDATA, comments), and each program that re-saves a
return picks its own. A second, faster reading by pattern matching once read ``t="&#115;"`` as a
number and ``sheet="&#49;"`` as unprotected; an XML parser cannot.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import TYPE_CHECKING

from .archive import Archive
from .core import Fail, RawCell, RawSheet, Value, col_letters, truthy
from .parsing import LOCAL_NAMES, local_name, run_xml

if TYPE_CHECKING:
    from openpyxl.formula.translate import Translator

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_INT = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_EXCEL_EPOCH = datetime(1899, 12, 30)


def unescape(text: str) -> str:
    """Excel writes control characters as ``_x000D_``; undo it like Excel does on load. A
    half of a surrogate pair (``_xD800_``) is no character, and U+FFFE and U+FFFF are none XML
    may hold: they become U+FFFD, not a string that cannot be written out again."""
    return _ESCAPE.sub(_escaped_char, text) if "_x" in text else text


def _escaped_char(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    return "\ufffd" if 0xD800 <= code <= 0xDFFF or code >= 0xFFFE else chr(code)


def shared_strings(arc: Archive, part: str) -> list[str]:
    """Shared strings with rich-text runs joined; phonetic runs (``rPh``) are not text."""
    out: list[str] = []
    buf: list[str] | None = None
    parts: list[str] = []
    phonetic = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal buf, parts, phonetic
        tag = LOCAL_NAMES.get(name) or local_name(name)
        if tag == "t":
            buf = None if phonetic else parts
        elif tag == "si":
            parts = []
        elif tag == "rPh":
            phonetic = True

    def end(name: str) -> None:
        nonlocal buf, phonetic
        tag = LOCAL_NAMES.get(name) or local_name(name)
        if tag == "t":
            buf = None
        elif tag == "si":
            out.append(unescape("".join(parts)))
        elif tag == "rPh":
            phonetic = False

    def text(data: str) -> None:
        if buf is not None:
            buf.append(data)

    run_xml(arc, part, start, end, text)
    return out


_ADDRESSES: dict[str, tuple[str, int, int]] = {}
"""Cell addresses repeat across thousands of returns of one template: parse each once."""


def address(ref: str, label: str) -> tuple[str, int, int]:
    """``"B12"`` -> ``("B12", 12, 2)``; an address Excel cannot hold is a corrupt file."""
    hit = _ADDRESSES.get(ref)
    if hit is not None:
        return hit
    m = _REF.fullmatch(ref) or _REF.fullmatch(ref.strip().upper())
    if m is None:
        raise Fail("corrupt-file", f"工作表“{label}”中单元格地址“{ref[:20]}”无效")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    addr, row = m.group(0), int(m.group(2))
    if col > 16384 or row > 1048576:
        raise Fail("corrupt-file", f"工作表“{label}”中单元格地址“{addr}”超出 Excel 范围")
    if len(_ADDRESSES) < 200_000:
        _ADDRESSES[ref] = (addr, row, col)
    return addr, row, col


_new_cell = tuple.__new__  # RawCell(...) through its Python-level __new__ costs a frame per cell


def read_sheet(
    arc: Archive,
    part: str,
    label: str,
    sst: list[str],
    limit: int,
    date_styles: frozenset[int] = frozenset(),
) -> RawSheet:
    """One worksheet: every cell inside ``<sheetData>`` that holds a value or a formula.

    ``date_styles`` are the style indices whose number format shows a date or time: a number
    in such a cell is flagged ``is_date`` (Excel turned what was typed into a date). The state
    lives in closures over expat's handlers: this is the hot loop, a few calls per cell.
    """
    cells: dict[str, RawCell] = {}
    masters: dict[str, tuple[str, str]] = {}
    cache: dict[tuple[str, str], Translator | None] = {}
    orphans: list[tuple[str, str, RawCell]] = []
    buf: list[str] | None = None
    vals: list[str] | None = None
    ftext: list[str] | None = None
    inline: list[str] | None = None
    fattrs: dict[str, str] = {}
    ref: str | None = None
    last: str | None = None  # the address of the last empty cell, for a following cell without r=
    ctype, style = "n", None
    row = col = max_row = max_col = 0
    phonetic = protected = False
    depth = 0  # of <sheetData>: cells and rows count only inside it, as in Excel
    local, addresses, n_sst = LOCAL_NAMES, _ADDRESSES, len(sst)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal buf, vals, ftext, inline, fattrs, ref, ctype, style, row, col, phonetic, last
        nonlocal protected, depth
        tag = local.get(name) or local_name(name)
        if tag == "sheetData":
            depth += 1
        elif tag == "sheetProtection":
            protected = truthy(attrs.get("sheet"))  # like every reader: the last one counts
        elif not depth:
            return
        elif tag == "c":
            ref, ctype, style = attrs.get("r"), attrs.get("t", "n"), attrs.get("s")
            vals = ftext = inline = None
        elif tag == "v":
            buf = vals = []
        elif tag == "f":
            buf = ftext = []
            fattrs = attrs
        elif tag == "row":
            r = attrs.get("r", "").strip()
            row = int(r) if r.isascii() and r.isdigit() and len(r) < 8 else row + 1
            col, last = 0, None
        elif tag == "t":
            if inline is not None and not phonetic:
                buf = inline
        elif tag == "is":
            inline = []
        elif tag == "rPh":
            phonetic = True

    def end(name: str) -> None:
        nonlocal buf, phonetic, depth, last
        tag = local.get(name) or local_name(name)
        if tag == "sheetData":
            depth -= 1
        elif not depth:
            return
        elif tag == "c":
            if vals is None and ftext is None and inline is None:
                last = ref  # a styled empty cell: nothing to keep, its address parsed if needed
            else:
                finish()
        elif tag == "v" or tag == "f" or tag == "t":
            buf = None
        elif tag == "rPh":
            phonetic = False

    def text(data: str) -> None:
        if buf is not None:
            buf.append(data)

    def finish() -> None:
        nonlocal row, col, last
        if ref is not None:
            hit = addresses.get(ref)
            addr, row, col = hit if hit is not None else address(ref, label)
        else:  # some writers omit r=; position follows document order
            if last is not None:
                _, row, col = address(last, label)
            row, col = max(row, 1), col + 1
            if col > 16384 or row > 1048576:
                raise Fail("corrupt-file", f"工作表“{label}”中单元格地址超出 Excel 范围")
            addr = col_letters(col) + str(row)
        last = None
        value: Value
        if vals is None or inline is not None:
            value, kind = convert(ctype, vals, inline, sst, label)
        elif len(vals) == 1 and (v := vals[0]).isascii() and v.isdigit():  # the common cases
            if ctype == "s":
                index = int(v)
                if index >= n_sst:
                    raise Fail("corrupt-file", f"工作表“{label}”引用了不存在的共享字符串")
                value = sst[index] or None
                kind = "s" if value is not None else ""
            elif ctype == "n" and len(v) <= 20:
                value, kind = int(v), "n"
            else:
                value, kind = convert(ctype, vals, inline, sst, label)
        else:
            value, kind = convert(ctype, vals, inline, sst, label)
        formula: str | None = None
        if ftext is not None:
            formula = "".join(ftext).strip().removeprefix("=") or None
            si = fattrs.get("si")
            if fattrs.get("t") == "shared" and si is not None:
                if formula:
                    masters[si] = (formula, addr)
                elif si in masters:
                    formula = _translate(masters[si], addr, cache)
                else:  # a child written before its master: rare but legal
                    orphans.append((addr, si, RawCell(value, None, kind, kind == "n" and dated())))
                    return
        if value is None:
            if formula is None:
                return
            kind = "f-empty"
        is_date = kind == "n" and (ctype == "d" or (style is not None and dated()))
        store(addr, _new_cell(RawCell, (value, formula, kind, is_date)))

    def dated() -> bool:
        """Whether the cell's type or style says it shows a date or time."""
        if ctype == "d":
            return True
        if not date_styles or style is None:
            return False
        s = style.strip()
        return s.isascii() and s.isdigit() and int(s) in date_styles

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
    for addr, si, cell in orphans:
        formula = _translate(masters[si], addr, cache) if si in masters else None
        if cell.value is not None or formula is not None:
            _, row, col = address(addr, label)
            kind = cell.kind if cell.value is not None else "f-empty"
            store(addr, RawCell(cell.value, formula, kind, cell.is_date))
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


def convert(
    ctype: str, vals: list[str] | None, inline: list[str] | None, sst: list[str], label: str
) -> tuple[Value, str]:
    """A cell's value and kind from its type attribute and its ``<v>`` or inline text."""
    if ctype == "inlineStr":
        text = "".join(inline) if inline is not None else "".join(vals or ())
        return (unescape(text), "s") if text else (None, "")
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
        return unescape(text), "s"  # a formula's cached text: "" is a real result
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
