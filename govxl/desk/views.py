"""What the pages show, worked out from a judged store: tables with the wrong cells marked, the
board's rows and a unit's history. Plain data for the Jinja2 templates, which only lay it out.

A table is drawn from the same model as the published report (``govxl.report.tables``), so the
merged headers and row labels sit where they sit in the workbook; each finding that names a cell
of the table marks that cell and gets a number, and the messages are listed beside the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from govxl.check.findings import Finding
from govxl.collect.run import FileResult
from govxl.collect.status import Status, Use
from govxl.desk.archive import Action, Upload
from govxl.desk.overlay import Judged
from govxl.desk.standing import ACTIONS, Standing
from govxl.forms import Severity
from govxl.forms.layout import layout
from govxl.forms.returns import Return
from govxl.report.tables import show, table_model


@dataclass
class Mark:
    text: str
    role: str
    rowspan: int = 1
    colspan: int = 1
    severity: str = ""
    """``error`` or ``warning`` when a finding names this cell."""
    numbers: list[int] = field(default_factory=list)
    title: str = ""


@dataclass
class Note:
    number: int
    severity: str
    severity_zh: str
    where: str
    message: str
    explained: bool
    rule: str


@dataclass
class MarkedTable:
    id: str
    title: str
    head: int
    rows: list[list[Mark]]
    notes: list[Note]


def marked_tables(
    ret: Return, findings: list[Finding], *, for_unit: bool = False
) -> tuple[list[MarkedTable], list[Note]]:
    """The return's tables with findings on their cells, and the findings on no table cell.

    A finding names its cell; a failed rule names the check cell beside the table, so the cells
    the rule adds up are marked instead (the two sides the clerk has to compare). ``for_unit``:
    in the words meant for the unit that sent the file (its page), not the office's.
    """
    values = ret.all_values()
    numbered = [(i, f) for i, f in enumerate(findings, 1) if f.severity is not Severity.INFO]
    rules = {inst.key: inst for inst in ret.form.instances}
    placed: set[int] = set()
    tables = []
    for table in ret.form.tables:
        lay = layout(ret.form, table.id, ret.year)
        at = {lay.a1(cid): cid for cid in lay.cells}
        by_cell: dict[str, list[tuple[int, Finding]]] = {}
        here = []
        for i, f in numbered:
            cells = _cells_of(f, table.sheet, at, rules, set(lay.cells))
            for cid in cells:
                by_cell.setdefault(cid, []).append((i, f))
            if cells:
                here.append((i, f))
                placed.add(i)
        model = table_model(ret.form, table.id, ret.year)
        rows = [[_mark(c, ret, values, by_cell, for_unit) for c in row] for row in model.rows]
        notes = notes_of(here, for_unit=for_unit)
        tables.append(MarkedTable(table.id, table.title, model.head, rows, notes))
    elsewhere = [(i, f) for i, f in enumerate(findings, 1) if i not in placed]
    return tables, notes_of(elsewhere, for_unit=for_unit)


def _cells_of(
    f: Finding, sheet: str, at: dict[str, str], rules: dict[str, Any], cells: set[str]
) -> list[str]:
    if f.sheet == sheet and f.cell in at:
        return [at[f.cell]]
    inst = rules.get(f.rule)
    if inst is None or f.sheet != sheet:
        return []
    return [r for r in inst.refs if r in cells]


def _mark(
    c: Any, ret: Return, values: dict[str, Any], by_cell: dict[str, list], for_unit: bool
) -> Mark:
    m = Mark(c.text, c.role, c.rowspan, c.colspan)
    if not c.cell_id:
        return m
    m.text = show(values.get(c.cell_id), ret.form.cells[c.cell_id].type)
    hits = by_cell.get(c.cell_id, [])
    if hits:
        severe = any(f.severity is Severity.ERROR for _, f in hits)
        live = [f for _, f in hits if not f.explained]
        m.severity = ("error" if severe else "warning") if live else "explained"
        m.numbers = [i for i, _ in hits]
        m.title = "\n".join(f.unit_message if for_unit else f.message for _, f in hits)
    return m


def notes_of(found: list[tuple[int, Finding]], *, for_unit: bool = False) -> list[Note]:
    """Numbered findings as the notes beside a table (``for_unit``: as the unit reads them)."""
    return [
        Note(
            i,
            f.severity.value,
            f.severity.zh,
            f.where,
            f.unit_message if for_unit else f.message,
            f.explained,
            f.rule,
        )
        for i, f in found
    ]


@dataclass
class BoardRow:
    code: str
    name: str
    parent: str
    standing: Standing
    last_upload: str
    versions: int
    errors: int
    warnings: int
    overdue: bool
    contact: str
    comment: str


def board_rows(
    j: Judged, uploads: list[Upload], deadline: date | None, contacts: dict[str, str]
) -> list[BoardRow]:
    """One row per roster unit; ``contacts`` from the roster, the return's own when it has one."""
    last: dict[str, str] = {}
    count: dict[str, int] = {}
    for up in uploads:
        last[up.unit] = max(last.get(up.unit, ""), up.at)
        count[up.unit] = count.get(up.unit, 0) + 1
    late = deadline is not None and date.today() > deadline
    rows = []
    for u in j.report.units:
        s = j.standing[u.code]
        fr = j.by_file.get(u.file)
        info = fr.ret.info if fr and fr.ret else {}
        given = " ".join(x for x in (info.get("contact", ""), info.get("phone", "")) if x)
        contact = given or contacts.get(u.code, "")
        a = j.decided_by.get(u.code)
        rows.append(
            BoardRow(
                u.code,
                u.name,
                u.parent or "",
                s,
                short_time(last.get(u.code, "")),
                count.get(u.code, 0),
                u.errors,
                u.warnings,
                late and s.needs_unit,
                contact,
                a.comment if a else "",
            )
        )
    return rows


def short_time(iso: str) -> str:
    """``2026-01-12T09:30:05+08:00`` → ``01-12 09:30``: what a board column has room for."""
    if not iso:
        return ""
    t = datetime.fromisoformat(iso)
    return t.strftime("%m-%d %H:%M")


@dataclass
class HistoryItem:
    at: str
    kind: str
    """``upload`` or an action kind."""
    text: str
    verdict: str = ""
    upload: int | None = None
    comment: str = ""


def history(code: str, uploads: list[Upload], actions: list[Action]) -> list[HistoryItem]:
    """A unit's own uploads and what the office did, newest first: what its page may show."""
    items = [
        HistoryItem(
            short_time(u.at),
            "upload",
            u.original_name,
            Status(u.verdict).zh,
            u.id,
        )
        for u in uploads
        if u.unit == code
    ]
    items += [
        HistoryItem(short_time(a.at), a.kind, f"办公室{ACTIONS[a.kind]}", "", a.upload, a.comment)
        for a in actions
        if a.unit == code
    ]
    return sorted(items, key=lambda x: (x.at, x.kind != "upload"), reverse=True)


def counts(j: Judged) -> dict[Standing, int]:
    out = dict.fromkeys(Standing, 0)
    for s in j.standing.values():
        out[s] += 1
    return out


def versions(j: Judged, code: str, uploads: list[Upload]) -> list[tuple[FileResult, Upload | None]]:
    """Every file of a unit (uploaded through its link or matched to it), and the files another
    unit sent whose content names it (the office may decide one is its return), newest first."""
    first: dict[str, Upload] = {}
    for up in uploads:
        first.setdefault(up.stored, up)
    mine = [
        f
        for f in j.report.files
        if f.unit_code == code or _via(first.get(f.relative), code) or _claims(f, code)
    ]
    return sorted(
        ((f, first.get(f.relative)) for f in mine), key=lambda p: p[0].received, reverse=True
    )


def _via(up: Upload | None, code: str) -> bool:
    return up is not None and up.unit == code


def _claims(f: FileResult, code: str) -> bool:
    return f.use is Use.DISPUTED and f.ret is not None and f.ret.unit_code == code
