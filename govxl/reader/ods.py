""".ods: the extent of each sheet measured in content.xml before calamine reads the values."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .archive import Archive, norm
from .calamine import Extent, calamine_sheets, check_extent, open_book
from .core import Fail, Limits, RawWorkbook
from .parsing import check_prologs, local_name, run_xml, walk_xml


def _reps(attrs: dict[str, str], local: str) -> int:
    value = next((v for k, v in attrs.items() if k.endswith("}" + local)), "1").strip()
    return min(int(value), 1 << 31) if value.isascii() and value.isdigit() and value != "0" else 1


def _attr(attrs: dict[str, str], local: str) -> str | None:
    return next((v for k, v in attrs.items() if k.endswith("}" + local)), None)


def _scan_ods(arc: Archive) -> tuple[list[tuple[str, Extent]], bool]:
    """Walk content.xml counting filled cells with their repeat factors; nothing is kept."""
    tables: list[tuple[str, Extent]] = []
    st = {"row": 0, "rrep": 1, "col": 0, "crep": 1, "depth": 0, "in": 0, "filled": 0, "lock": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = local_name(name)
        if tag == "table":
            st["depth"] += 1
            st["filled"] = st["filled"] or st["in"]  # a sub-table inside a cell is content
            if st["depth"] == 1:
                ext = Extent(protected=_attr(attrs, "protected") == "true")
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
        check_extent(label, ext, limits)
    meta: dict[str, str] = {}
    if arc.has("meta.xml"):

        def keep_first(tag: str, text: str) -> None:
            meta.setdefault(tag, text)

        walk_xml(arc, "meta.xml", _ignore, ("generator", "date", "creation-date"), keep_first)
    parsed = set(arc.done)
    check_prologs(arc)
    for name in arc.names():  # calamine inflates these itself: prove their sizes first
        if norm(name).endswith(".xml") and norm(name) not in parsed:
            for _ in arc.chunks(name):
                pass
    book = open_book(arc.data, "ods")
    macros = any(norm(n).startswith(("basic/", "scripts/")) for n in arc.names())
    sheets = calamine_sheets(book, wanted, limits, [ext.protected for _, ext in tables])
    application = meta.get("generator", "").strip() or None
    saved = _when(meta.get("date")) or _when(meta.get("creation-date"))
    return RawWorkbook(path, "ods", sheets, locked, macros, False, application, saved, {})


def _ignore(tag: str, attrs: dict[str, str]) -> None:
    pass


def _when(stamp: str | None) -> datetime | None:
    """meta.xml's ``dc:date`` (last saved) or ``meta:creation-date``: an ISO date and time,
    without a zone when LibreOffice writes it (the saving PC's own clock)."""
    try:
        return datetime.fromisoformat(stamp.strip()) if stamp else None
    except ValueError:
        return None
