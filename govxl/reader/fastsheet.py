"""A fast path for the worksheets govxl itself wrote (and Excel, WPS, LibreOffice re-saved).

expat calls back into Python for every element; a template sheet has some two thousand of them,
and at ten thousand returns that is most of the collect time. Worksheets from the usual writers
are regular — unprefixed tags, an ``r`` on every cell, no shared formulas, no DTD — so a few
compiled regular expressions read them at C speed. Anything unusual returns ``None`` and the
caller parses the part with the hardened expat path instead, so correctness never depends on
this module recognising a file.
"""

from __future__ import annotations

import re

_CELL = re.compile(r"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)
_R = re.compile(r"\br\s*=\s*[\"']([^\"']*)[\"']")
_TYPE = re.compile(r"\bt\s*=\s*[\"']([^\"']*)[\"']")
_ATTR = re.compile(r"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_F = re.compile(r"<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.S)
_V = re.compile(r"<v(?:\s[^>]*)?>(.*?)</v>", re.S)
_IS = re.compile(r"<is>(.*?)</is>", re.S)
_T = re.compile(r"<t(?:\s[^>]*)?>(.*?)</t>", re.S)
_PROTECT = re.compile(r"<sheetProtection\b([^>]*)")
MAX_FAST = 4 * 1024 * 1024
# The shape the usual writers use for a cell, matched in one C-level pass. The other branches
# match any other cell start, a prefixed cell (expat reads <x:c> as a cell too) and a processing
# instruction: their tuple is all empty strings (NOT_SIMPLE), so one pass both reads the regular
# cells and notices anything the full parser must judge.
_SIMPLE = re.compile(
    r'<c r="([A-Z]{1,3}[0-9]{1,7})"(?: s="[0-9]+")?(?: t="([a-zA-Z]+)")?(?: s="[0-9]+")?'
    r"(?:/>|>(?:<f>([^<]*)</f>)?(<v>([^<]*)</v>)?</c>)"
    r"|<c[\s>/]|<\w++:c[\s>/]|<\?"
)
NOT_SIMPLE = ("", "", "", "", "")
_ROOT = re.compile(r"<(\w+:)?worksheet\b")
_SHEET_DATA = re.compile(r"<sheetData[\s>]")
_SI = re.compile(r"<si>(.*?)</si>", re.S)
_PLAIN_SI = re.compile(r"<si><t(?: xml:space=\"preserve\")?>([^<]*)</t></si>|<si><t/></si>")


class Irregular(Exception):
    """Text that only the full XML parser should judge (an entity XML does not define, a
    character XML forbids): the caller reads the part with expat instead."""


_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _char(m: re.Match[str]) -> str:
    name, dec, hexa = m.groups()
    if name:
        return _NAMED[name]
    code = int(dec) if dec else int(hexa, 16)
    if (
        code in (9, 10, 13)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or (0x10000 <= code <= 0x10FFFF)
    ):
        return chr(code)
    raise Irregular


def unescape(text: str) -> str:
    """XML's own five entities and character references, exactly as expat reads them (not
    HTML's: ``&nbsp;`` or ``&#128;`` mean something else there); anything else is Irregular."""
    if "&" not in text:
        return text
    if "&" in _ENTITY.sub("", text):  # a bare "&" or an entity XML does not define
        raise Irregular
    return _ENTITY.sub(_char, text)


def _attrs(text: str) -> dict[str, str]:
    return {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _ATTR.finditer(text)
    }


def scan(data: bytes) -> tuple[bool, list[tuple[str, str, str, str, str | list[str]]], bool] | None:
    """``(protected, [(ref, type, formula text, has value, value text)], escaped)`` or None.

    ``has value`` is truthy when a ``<v>`` was present (an empty one is a formula's real ""
    result); an inline string comes as a list of its text runs in the value position. When
    ``escaped`` is true the formula and value texts are still XML-escaped (``&amp;``): the
    caller unescapes the few that contain ``&`` as it walks the cells, instead of a second pass
    here. None means "not a regular sheet: use the full parser".
    """
    # b"!" is a memchr; the two-byte search runs only on the rare part that has a "!"
    if len(data) > MAX_FAST or (b"!" in data and b"<!" in data):
        return None  # a DOCTYPE, comment or CDATA: the hardened parser decides
    head = data[:200].lower()
    if b"encoding=" in head and b"utf-8" not in head:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    root = _ROOT.search(text, 0, 400)
    if (
        root is None
        or root.group(1)
        or not (text.endswith("</worksheet>") or text.rstrip().endswith("</worksheet>"))
    ):
        return None  # a prefixed or cut-short document: the full parser decides
    if "\r" in text:  # XML reads a carriage return as a line feed; let expat do it
        return None
    # Cells count only inside <sheetData> (for expat too). After it come merges, conditional
    # formats and validations, often two thirds of the part: the cell pattern never sees them.
    begin = _SHEET_DATA.search(text, root.end())
    if begin is None:
        return None
    end = text.find("</sheetData>", begin.end())
    if (
        end == -1
        or text.find("sheetData", root.end(), begin.start()) != -1
        or text.find("sheetData", end + 12) != -1
    ):
        return None  # no cells, or sheetData twice or prefixed: the full parser decides
    simple = _SIMPLE.findall(text, begin.start(), end)
    if NOT_SIMPLE not in simple:  # every cell has the simple shape
        return _protected(text), simple, True
    if "<rPh" in text or text.find("<?", root.start()) != -1:
        return None
    if re.search(r"<\w+:(?:c|row|v|f|is)[\s>/]", text):
        return None  # prefixed elements inside an unprefixed root: leave it to expat
    try:
        return _irregular_cells(text, begin.start(), end)
    except Irregular:
        return None


_Cells = list[tuple[str, str, str, str, str | list[str]]]


def _irregular_cells(text: str, begin: int, end: int) -> tuple[bool, _Cells, bool] | None:
    """Cells of other shapes (attributes in another order, inline strings), one by one."""
    cells: _Cells = []
    for m in _CELL.finditer(text, begin, end):
        head, close, inner = m.groups()
        r = _R.search(head)
        if r is None:
            return None
        if close == "/>" or not inner:
            continue  # a styled empty cell: no value, no formula
        ref = r.group(1)
        t = _TYPE.search(head)
        value = formula = None
        inline = None
        if "<f" in inner:
            f = _F.search(inner)
            if f is not None:
                if "shared" in f.group(1) and _attrs(f.group(1)).get("t") == "shared":
                    return None
                formula = unescape(f.group(2) or "")
        v = _V.search(inner)
        if v is not None:
            value = unescape(v.group(1))
        if "<is" in inner:
            i = _IS.search(inner)
            if i is not None:
                inline = [unescape(x) for x in _T.findall(i.group(1))]
        if inline is not None:
            cells.append((ref, "inlineStr", formula or "", "is", inline))
        else:
            cells.append(
                (
                    ref,
                    t.group(1) if t else "n",
                    formula or "",
                    "v" if value is not None else "",
                    value or "",
                )
            )
    return _protected(text), cells, False


def _strings_irregular(text: str, root: int) -> bool:
    """What the regular expressions would read differently from expat in a string table: a
    carriage return (XML turns it into a line feed), a processing instruction after the prolog,
    or a prefixed element (expat reads <x:t> as <t>)."""
    return (
        "\r" in text
        or _instruction_after(text, root)
        or re.search(r"<\w+:(?:si|t|r|rPh)[\s>/]", text) is not None
    )


def _instruction_after(text: str, start: int) -> bool:
    """Whether a processing instruction (``<?``) starts after ``start``."""
    at = text.find("?", start)
    while at != -1:
        if text[at - 1] == "<":
            return True
        at = text.find("?", at + 1)
    return False


def _protected(text: str) -> bool:
    # <sheetProtection> follows <sheetData>: look for it from the end, not through every cell;
    # like expat, the last one counts
    at = text.rfind("<sheetProtection")
    while at >= 0:
        p = _PROTECT.match(text, at)
        if p is not None:
            return _attrs(p.group(1)).get("sheet", "").strip().lower() in ("1", "true")
        at = text.rfind("<sheetProtection", 0, at)
    return False


def shared_strings(data: bytes) -> list[str] | None:
    """The shared string table, or None when it needs the full parser (rich text runs are
    fine; phonetic guides, prefixes and DTDs are not)."""
    if len(data) > MAX_FAST or (b"!" in data and b"<!" in data):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not (text.endswith("</sst>") or re.search(r"</sst>\s*$", text)):
        return None
    root = text.find("<sst")
    if root < 0 or _strings_irregular(text, root):
        return None
    try:
        return _strings(text)
    except Irregular:
        return None


def _strings(text: str) -> list[str] | None:
    if "<r" not in text:  # no rich text (<r>) nor phonetic guide (<rPh>): one pass
        plain = _PLAIN_SI.findall(text)
        if len(plain) == text.count("<si"):  # every item is a plain <si><t>…</t></si>
            return [unescape(x) for x in plain] if "&" in text else plain
    if "<rPh" in text:
        return None
    out = []
    for body in _SI.findall(text):
        out.append(unescape("".join(_T.findall(body))))
    if text.count("<si") != len(out):
        return None
    return out
