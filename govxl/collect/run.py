"""``govxl collect``: read every return in an inbox, match it to the roster, decide each unit.

Reading is the expensive part and is independent per file, so it runs in worker processes on
every core; matching, de-duplication and statuses are cheap and run in the parent. Nothing is
written into the inbox; results come back as a ``CollectReport`` that the CLI renders.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from govxl.check.findings import Finding, finding
from govxl.check.read import inspect_file, wanted_sheets
from govxl.check.result import ReadResult
from govxl.check.rules import check_previous
from govxl.collect.imported import inspect_report
from govxl.collect.match import match
from govxl.collect.received import FileResult
from govxl.collect.scan import Entry, scan
from govxl.collect.status import Status, Use
from govxl.collect.versions import choose
from govxl.forms import Severity
from govxl.forms.compute import Value
from govxl.roster import Roster


class CollectError(ValueError):
    """The collection cannot go on as asked (a usage error); the message is Chinese."""


@dataclass
class UnitStatus:
    code: str
    name: str
    parent: str | None
    status: Status = Status.MISSING
    file: str = ""
    sha256: str = ""
    received: str = ""
    errors: int = 0
    warnings: int = 0
    explained: int = 0
    infos: int = 0
    imported: bool = False
    contact: str = ""
    phone: str = ""
    """Whom to call: from the return's 基本信息, else from the roster."""
    reason: str = ""
    """Why this file counts, when the unit sent several (报送进度's 采用依据)."""
    versions: list[str] = field(default_factory=list)
    """Every file received for this unit, the one that counts first: what the office may
    choose from at the intake desk."""


@dataclass
class CollectReport:
    inbox: Path
    year: int | None
    units: list[UnitStatus]
    files: list[FileResult]
    ignored: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(u.status == Status.PASSED for u in self.units)

    def findings(self) -> list[Finding]:
        return [f for fr in self.files for f in fr.findings]

    def accepted(self, include_errors: bool = False) -> list[tuple[UnitStatus, FileResult]]:
        ok = {Status.PASSED, Status.WARNED} | ({Status.FAILED} if include_errors else set())
        used = {fr.relative: fr for fr in self.files if fr.use == Use.USED}
        return [(u, used[u.file]) for u in self.units if u.status in ok and u.file in used]

    def stats(self) -> dict[Status, int]:
        counts = Counter(u.status for u in self.units)
        return {s: counts.get(s, 0) for s in Status}

    def to_dict(self) -> dict[str, Any]:
        return {
            **self._head(),
            "files": [_file_dict(f) for f in self.files],
            "ignored": self.ignored,
        }

    def json_chunks(self) -> Iterator[str]:
        """``json.dumps(self.to_dict())`` in pieces, one per file: findings.json of a province
        is written without holding all of it (or a million small writes of ``json.dump``)."""
        head = json.dumps(self._head(), ensure_ascii=False, default=str)
        yield head[:-1] + ', "files": ['
        for i, f in enumerate(self.files):
            yield (", " if i else "") + json.dumps(_file_dict(f), ensure_ascii=False, default=str)
        yield '], "ignored": ' + json.dumps(self.ignored, ensure_ascii=False) + "}"

    def _head(self) -> dict[str, Any]:
        return {
            # absolute: ``govxl merge OUT`` finds the files again from any working folder
            "inbox": str(self.inbox.absolute()),
            "year": self.year,
            "valid": self.valid,
            "stats": self.stats(),
            "units": [{**u.__dict__, "status_zh": u.status.zh} for u in self.units],
        }


def _file_dict(f: FileResult) -> dict[str, Any]:
    return {
        "file": f.relative,
        "sha256": f.sha256,
        "unit_code": f.unit_code,
        "unit_name": f.unit_name,
        "use": f.use,
        "use_zh": f.use.zh,
        "received": f.received,
        "imported": f.imported,
        "identity": {"code": f.ret.unit_code, "name": f.ret.unit_name} if f.ret else None,
        "decided": f.decided,
        "reason": f.reason,
        "evidence": f.evidence,
        **({"raw_name": f.raw_name} if f.raw_name else {}),
        "findings": [x.to_dict() for x in f.findings],
    }


def _read(entry: Entry, blank_as_zero: bool) -> ReadResult:
    label = entry.label or entry.relative
    if entry.problem:
        res = ReadResult(entry.path)
        res.findings.append(
            finding(
                "file-unreadable",
                f"{entry.relative}：{entry.problem}。",
                file=entry.relative,
                detail={"reason": entry.reason},
            )
        )
        return res
    if entry.kind == "report":
        return inspect_report(entry.path, label=label)
    return inspect_file(entry.path, blank_as_zero=blank_as_zero, label=label)


def read_all(
    entries: list[Entry],
    *,
    blank_as_zero: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[ReadResult]:
    """Read files on every core, yielding results in input order (memory stays flat).

    Never more workers than files or cores, whatever ``jobs`` asks: each is a process."""
    jobs = workers(jobs, len(entries))
    work = partial(_read, blank_as_zero=blank_as_zero)
    if jobs == 1 or len(entries) < 8:
        results: Iterator[ReadResult] = map(work, entries)
        for i, r in enumerate(results, 1):
            if progress:
                progress(i, len(entries))
            yield r
        return
    wanted_sheets()  # load the reader and the forms once, here: the workers inherit them (fork)
    chunk = max(1, min(64, len(entries) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupt) as pool:
        try:
            # Ctrl-C while the workers are forked would be swallowed by the fork hooks (the
            # run would go on): hold it until they all exist, then it interrupts here.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                results = pool.map(work, entries, chunksize=chunk)
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            for i, r in enumerate(results, 1):
                if progress:
                    progress(i, len(entries))
                yield r
        except BaseException:  # Ctrl-C or a consumer that stops: drop the files not yet read
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def workers(jobs: int | None, files: int) -> int:
    """Worker processes for ``files`` files: ``jobs`` (default: every core), at most one per
    file and per core, at least one."""
    cores = os.cpu_count() or 1
    return max(1, min(jobs or cores, cores, files))


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the parent, which stops them and says what was kept (a worker
    interrupted on its own prints a traceback per process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked while forked


def collect(
    inbox: Path,
    roster: Roster,
    *,
    year: int | None = None,
    previous: Mapping[str, Mapping[str, Value]] | None = None,
    previous_year: int | None = None,
    decisions: Mapping[str, str] | None = None,
    blank_as_zero: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CollectReport:
    """Read, match and decide every file of ``inbox`` against ``roster``.

    ``previous`` are last year's figures per unit (of ``previous_year``: a CollectError before
    anything is read when ``year`` is given and is not the year after, else once the year is
    known). ``decisions`` are the office's: file (relative path or sha256) → unit code, a file
    that counts for that unit whatever its name says and whichever version is newer.
    """
    if year is not None:
        _check_previous_year(previous_year, year)
    entries, ignored = scan(inbox, reports=True)
    files: list[FileResult] = []
    for entry, res in zip(
        entries,
        read_all(entries, blank_as_zero=blank_as_zero, jobs=jobs, progress=progress),
        strict=True,
    ):
        files.append(_file_result(entry, res))
    files += [_file_result(e, _read(e, blank_as_zero)) for e in ignored]  # listed, never read
    return judge(
        inbox,
        files,
        roster,
        year=year,
        previous=previous,
        previous_year=previous_year,
        decisions=decisions,
        ignored=[e.relative for e in ignored],
    )


def judge(
    inbox: Path,
    files: list[FileResult],
    roster: Roster,
    *,
    year: int | None = None,
    previous: Mapping[str, Mapping[str, Value]] | None = None,
    previous_year: int | None = None,
    decisions: Mapping[str, str] | None = None,
    ignored: list[str] | None = None,
    units: AbstractSet[str] | None = None,
) -> CollectReport:
    """Match files that were read to the roster and decide every unit.

    The second half of :func:`collect`, for files that were read elsewhere: the intake desk reads
    each upload as it arrives and judges its whole store with this, so the desk and
    ``govxl collect`` over the same store always give the same statuses. Findings are added to
    the ``FileResult`` objects given. ``units``: the codes to decide (the desk judging the files
    of one upload's units); the report then lists only those. None: the whole roster.
    """
    year = year or _common_year(files)
    if previous:
        _check_previous_year(previous_year, year)
    match(files, roster, year, decisions or {})
    _choose(files)
    if previous:
        for fr in files:
            if fr.use == Use.USED and fr.ret and fr.unit_code in previous:
                fr.findings.extend(check_previous(fr.ret, previous[fr.unit_code], file=fr.relative))
    wanted = roster.units if units is None else [u for u in roster.units if u.code in units]
    decided = [
        UnitStatus(u.code, u.name, u.parent_code, contact=u.contact, phone=u.phone) for u in wanted
    ]
    _decide_all(decided, files)
    for fr in files:
        for f in fr.findings:
            f.unit = f.unit or fr.unit_name
    return CollectReport(inbox, year, decided, files, ignored or [])


def _check_previous_year(previous_year: int | None, year: int | None) -> None:
    if previous_year is None or year is None or previous_year == year - 1:
        return
    same = "与本次收集的年度相同" if previous_year == year else f"不是 {year - 1} 年度"
    raise CollectError(
        f"--previous 给出的上年数据是 {previous_year} 年度的，{same}。"
        f"请指定 {year - 1} 年度的汇总表或报表文件夹。"
    )


def _decide_all(units: list[UnitStatus], files: list[FileResult]) -> None:
    """Each unit's status from the file that counts for it; a unit whose only files cannot
    count (unreadable, another unit's, not in the roster) is never shown as 未报送."""
    by_unit: dict[str, list[FileResult]] = {}
    for fr in files:
        if fr.unit_code:
            by_unit.setdefault(fr.unit_code, []).append(fr)
    rank = {Use.USED: 0, Use.DISPUTED: 1, Use.UNMATCHED: 2, Use.SUPERSEDED: 3, Use.DUPLICATE: 4}
    for u in units:
        mine = sorted(by_unit.get(u.code, []), key=lambda f: (not f.readable, rank[f.use]))
        if not mine:
            continue
        u.versions = [fr.relative for fr in mine]
        first = next((fr for fr in mine if fr.use == Use.USED), None)
        if first is not None:
            decide(u, first)
            continue
        shown = next((fr for fr in mine if fr.use in (Use.DISPUTED, Use.UNMATCHED)), mine[0])
        decide(u, shown)
        if not shown.readable:
            u.status = Status.UNREADABLE
        else:
            u.status = Status.FAILED


def _mtime(path: Path) -> float | None:
    """When the file arrived, or None if it was moved or deleted since it was read."""
    try:
        return path.lstat().st_mtime
    except OSError:
        return None


def _file_result(entry: Entry, res: ReadResult) -> FileResult:
    mtime = _mtime(entry.path)
    received = (
        datetime.fromtimestamp(mtime, UTC).astimezone().isoformat(timespec="seconds")
        if mtime is not None
        else ""
    )
    ret = res.ret
    return FileResult(
        entry.relative,
        entry.path,
        res.sha256,
        ret.unit_code if ret else "",
        ret.unit_name if ret else "",
        findings=res.findings,
        received=received,
        saved=res.saved,
        ret=ret,
        imported=entry.kind == "report",
        arrived=mtime,
        raw_name=entry.raw_name,
    )


def _common_year(files: list[FileResult]) -> int | None:
    years = Counter(fr.ret.year for fr in files if fr.ret and fr.ret.year)
    return years.most_common(1)[0][0] if years else None


def _choose(files: list[FileResult]) -> None:
    """Identical bytes count once; of a unit's distinct returns the newest counts
    (:mod:`govxl.collect.versions` says how "newest" is told, and asks when it cannot)."""
    seen: dict[str, FileResult] = {}
    for fr in files:
        if fr.use != Use.USED:
            continue
        first = seen.get(fr.sha256)
        if first is None:
            seen[fr.sha256] = fr
            continue
        keep, drop = (fr, first) if fr.decided and not first.decided else (first, fr)
        seen[fr.sha256] = keep  # the office's pick is the one listed as used
        drop.use = Use.DUPLICATE
        drop.reason = f"与 {keep.label} 相同"
        drop.findings = [
            finding(
                "duplicate-file",
                f"与 {keep.label} 内容完全相同，按一份处理。",
                file=drop.relative,
            )
        ]
    groups: dict[str, list[FileResult]] = {}
    for fr in files:
        if fr.use == Use.USED:
            groups.setdefault(fr.unit_code, []).append(fr)
    decided = {fr.relative for fr in files if fr.decided}
    for group in groups.values():
        if len(group) > 1:  # the usual case is one file: nothing to choose
            choose(group, decided)


def decide(u: UnitStatus, fr: FileResult) -> None:
    """A unit's status from the file that counts for it."""
    u.file, u.sha256, u.received, u.imported = fr.relative, fr.sha256, fr.received, fr.imported
    u.reason = fr.reason
    if fr.ret is not None:
        u.contact = fr.ret.info.get("contact") or u.contact
        u.phone = fr.ret.info.get("phone") or u.phone
    sev = [f.severity for f in fr.findings]
    u.errors = sev.count(Severity.ERROR)
    u.warnings = sum(f.severity is Severity.WARNING and not f.explained for f in fr.findings)
    u.explained = sum(f.severity is Severity.WARNING and f.explained for f in fr.findings)
    u.infos = sev.count(Severity.INFO)
    if u.errors:
        u.status = Status.FAILED
    elif u.warnings:
        u.status = Status.WARNED
    else:
        u.status = Status.PASSED
