"""OOXML (.xlsx / .xlsm) reading and the :func:`read_workbook` entry point.

Why not openpyxl: its object model is slow for thousands of returns, and its read-only mode
trusts ``<dimension>`` (WPS writes ``A1`` there, so only A1 comes back).  We walk the zip
ourselves (see :mod:`.core`) and stream each XML part through hardened expat (worksheets in
:mod:`.worksheet`), keeping only cells that hold a value or a formula.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote

from govxl.paths import shown

from .archive import Archive, load_file, norm
from .core import Fail, Limits, RawSheet, RawWorkbook, ReadError, truthy
from .parsing import check_prologs, text_of, walk_xml
from .styles import date_styles
from .worksheet import read_sheet, shared_strings


# ---------------------------------------------------------------- OOXML parts
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


class _Book(NamedTuple):
    """What the workbook part says: immutable, so returns sharing the part share the parse."""

    root: str
    sheets: tuple[tuple[str, str, str], ...]  # name, state, relationship id
    names: tuple[tuple[str, str], ...]  # defined names
    locked: bool  # structure protected
    date1904: bool  # serial numbers count days from 1904 (old Excel for Mac)


def _workbook(arc: Archive, wb_part: str) -> _Book:
    order: list[tuple[str, str, str]] = []
    names: dict[str, str] = {}
    pending: list[tuple[str, str | None]] = []
    flags = {"locked": False, "date1904": False}
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
        elif tag == "workbookPr":
            flags["date1904"] = truthy(attrs.get("date1904"))

    def got(tag: str, text: str) -> None:
        name, local = pending[-1]
        if local is not None and local.isdigit() and int(local) < len(order):
            name = f"{order[int(local)][0]}!{name}"
        names[name] = text.strip()

    walk_xml(arc, wb_part, start, ("definedName",), got)
    root = roots[0] if roots else ""
    return _Book(root, tuple(order), tuple(names.items()), flags["locked"], flags["date1904"])


def _macro_type(arc: Archive) -> bool:
    """Whether [Content_Types].xml gives the workbook part the macro-enabled type (.xlsm)."""
    found = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag in ("Override", "Default"):
            found[0] = found[0] or "macroenabled.main" in attrs.get("ContentType", "").lower()

    if arc.has("[Content_Types].xml"):
        walk_xml(arc, "[Content_Types].xml", start)
    return found[0]


def read_xlsx(arc: Archive, path: Path, wanted: set[str] | None, limits: Limits) -> RawWorkbook:
    root = _rels(arc, "")
    wb_part = _by_type(root, "officeDocument", "xl/workbook.xml")
    if not arc.has(wb_part):
        if arc.has("xl/workbook.bin") or wb_part.endswith(".bin"):
            raise Fail("not-a-workbook", "（这是 .xlsb 二进制格式）")
        if any(norm(name).startswith("xl/") for name in arc.names()):
            raise Fail("missing-part", f"缺少工作簿主体“{wb_part}”")
        raise Fail("not-a-workbook", "（可能是改了扩展名的其他文件）")
    book = arc.memo(wb_part, "workbook", lambda: _workbook(arc, wb_part))
    if book.root != "workbook":
        raise Fail("not-a-workbook", "（可能是改了扩展名的其他文件）")
    sheets = _sheets(arc, wb_part, book.sheets, wanted, limits)
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
    macro_type = arc.memo("[Content_Types].xml", "macro-type", lambda: _macro_type(arc))
    check_prologs(arc)
    fmt = "xlsm" if has_macros or macro_type or path.suffix.lower() == ".xlsm" else "xlsx"
    names = dict(book.names)
    return RawWorkbook(
        path, fmt, sheets, book.locked, has_macros, True, application, modified, names,
        date1904=book.date1904,
    )  # fmt: skip


def _sheets(
    arc: Archive,
    wb_part: str,
    order: tuple[tuple[str, str, str], ...],
    wanted: set[str] | None,
    limits: Limits,
) -> dict[str, RawSheet]:
    """Every sheet in the workbook's order; only the ``wanted`` ones are parsed."""
    wb_rels = _rels(arc, wb_part)
    sheets: dict[str, RawSheet] = {}
    sst: list[str] | None = None
    dates: frozenset[int] = frozenset()
    for label, state, rid in order:
        if label in sheets:
            raise Fail("corrupt-file", f"工作表名称“{label}”重复")
        part = wb_rels.get(rid, ("", ""))[1]
        if not part or not arc.has(part):
            raise Fail("missing-part", f"工作表“{label}”的数据“{part or rid}”不存在")
        if wanted is not None and label not in wanted:
            sheets[label] = RawSheet(label, state, False, loaded=False)
            continue
        if sst is None:  # read once, and only when a sheet is
            sst_part = _by_type(wb_rels, "sharedStrings", "xl/sharedStrings.xml")
            sst = shared_strings(arc, sst_part) if arc.has(sst_part) else []
            dates = date_styles(arc, _by_type(wb_rels, "styles", "xl/styles.xml"))
        sheet = read_sheet(arc, part, label, sst, limits.max_cells_per_sheet, dates)
        sheet.state = state
        sheets[label] = sheet
    return sheets


# ---------------------------------------------------------------- entry point
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


_DEFAULT_LIMITS = Limits()  # frozen, so sharing one default instance is safe


def _dispatch(data: bytes, path: Path, wanted: set[str] | None, limits: Limits) -> RawWorkbook:
    if data.startswith(_OLE_MAGIC):
        from .xls import read_ole

        return read_ole(data, path, wanted, limits)
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise Fail("not-a-workbook", "（可能是改了扩展名的文本、网页或其他文件）")
    arc = Archive(data, limits)
    if arc.has("mimetype") and arc.head("mimetype", 256).startswith(
        b"application/vnd.oasis.opendocument.spreadsheet"
    ):
        from .ods import read_ods

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
