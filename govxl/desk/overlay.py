"""What the office did, with collect's verdicts: confirmations and returns.

Nothing here is stored as a state that could go stale: every standing is derived from the two
ledgers each time the store is judged. Which version counts is collect's to decide, with the
office's choices among its decisions (:mod:`govxl.desk.choices`); a confirm or a return holds
for the version it was taken on, and a newer version puts the unit back to what collect decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govxl.collect.run import CollectReport, FileResult, UnitStatus
from govxl.desk.archive import Action, Upload
from govxl.desk.choices import acted_file, in_force
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
    """The office's choice of version, where it holds and decides the file that counts."""

    def files_of(self, code: str) -> list[FileResult]:
        return [f for f in self.report.files if f.unit_code == code]


def overlay(
    report: CollectReport,
    uploads: list[Upload],
    actions: list[Action],
    generation: int,
    *,
    only: set[str] | None = None,
) -> Judged:
    """``report`` was judged with the office's choices as decisions; this adds the confirms
    and returns that hold for the version each unit's status is now decided from.
    ``only``: the units whose standing is wanted (all when None)."""
    j = Judged(report, generation)
    j.units = {u.code: u for u in report.units}
    j.by_file = {f.relative: f for f in report.files}
    by_id = {u.id: u for u in uploads} if actions else {}  # for the office's actions only
    j.chosen = {
        code: a
        for code, a in in_force(uploads, actions).items()
        if code in j.units and j.units[code].file == acted_file(a, by_id)
    }
    for a in actions:
        if a.kind not in ("confirm", "return") or a.unit not in j.units:
            continue
        if acted_file(a, by_id) == j.units[a.unit].file:
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
