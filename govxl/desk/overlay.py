"""What the office did, laid over collect's verdicts: chosen versions, confirmations, returns.

Nothing here is stored as a state that could go stale: every standing is derived from the two
ledgers each time the store is judged. An action holds for the version it was taken on; a newer
upload of that unit puts the unit back to what collect decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from govxl.check.findings import finding
from govxl.collect.run import CollectReport, FileResult, UnitStatus
from govxl.collect.status import Use
from govxl.desk.archive import Action, Upload
from govxl.desk.standing import Standing


@dataclass
class Judged:
    """The store judged once: collect's report and the desk's standings, per generation."""

    report: CollectReport
    generation: int
    units: dict[str, UnitStatus] = field(default_factory=dict)
    by_file: dict[str, FileResult] = field(default_factory=dict)
    standing: dict[str, Standing] = field(default_factory=dict)
    decided_by: dict[str, Action] = field(default_factory=dict)
    """The confirm or return behind a unit's standing."""
    chosen: dict[str, Action] = field(default_factory=dict)
    """The office's choice of version, where one holds."""

    def files_of(self, code: str) -> list[FileResult]:
        return [f for f in self.report.files if f.unit_code == code]


def overlay(
    report: CollectReport,
    uploads: list[Upload],
    actions: list[Action],
    generation: int,
    *,
    reread: Callable[[FileResult, UnitStatus], None],
    only: set[str] | None = None,
) -> Judged:
    """``only``: the units whose standing is wanted (all when None)."""
    j = Judged(report, generation)
    j.units = {u.code: u for u in report.units}
    j.by_file = {f.relative: f for f in report.files}
    by_id = {u.id: u for u in uploads}
    choosing = {a.unit for a in actions if a.kind == "choose"}
    latest_upload: dict[str, str] = {}
    for up in uploads:  # only where the office chose: a later upload ends its choice
        if up.unit in choosing and up.at > latest_upload.get(up.unit, ""):
            latest_upload[up.unit] = up.at
    for a in actions:
        if a.kind == "choose" and latest_upload.get(a.unit, "") <= a.at:
            j.chosen[a.unit] = a
        elif a.kind == "choose":
            j.chosen.pop(a.unit, None)
    for code, a in j.chosen.items():
        chosen = by_id.get(a.upload or 0)
        fr = j.by_file.get(chosen.stored) if chosen else None
        if fr is not None and code in j.units:
            _choose(j, j.units[code], fr, reread)
    for a in actions:
        if a.kind not in ("confirm", "return") or a.unit not in j.units:
            continue
        acted_on = by_id.get(a.upload or 0)
        if acted_on is not None and acted_on.stored == j.units[a.unit].file:
            j.decided_by[a.unit] = a
        else:
            j.decided_by.pop(a.unit, None)
    for code, u in j.units.items():
        if only is not None and code not in only:
            continue
        last = j.decided_by.get(code)
        if last is not None and last.kind == "confirm" and u.status.accepted:
            j.standing[code] = Standing.CONFIRMED
        elif last is not None and last.kind == "return":
            j.standing[code] = Standing.RETURNED
        else:
            j.decided_by.pop(code, None)
            j.standing[code] = Standing.of(u.status)
    return j


def _choose(
    j: Judged, u: UnitStatus, fr: FileResult, reread: Callable[[FileResult, UnitStatus], None]
) -> None:
    if fr.use == Use.USED or fr.use != Use.SUPERSEDED or fr.unit_code != u.code:
        return
    current = j.by_file.get(u.file)
    if current is not None:
        current.use = Use.SUPERSEDED
        current.findings.insert(
            0,
            finding(
                "superseded",
                f"办公室选定以 {fr.relative} 为准。",
                file=current.relative,
                unit=current.unit_name,
            ),
        )
    fr.use = Use.USED
    fr.findings = [f for f in fr.findings if f.code != "superseded"]
    reread(fr, u)
