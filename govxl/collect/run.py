"""``govxl collect``: read every return in an inbox, match it to the roster, decide each unit.

Reading is the expensive part and is independent per file, so it runs in worker processes on
every core; matching, de-duplication and statuses are cheap and run in the parent. Nothing is
written into the inbox; results come back as a ``CollectReport`` that the CLI renders.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
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
from govxl.collect.scan import Entry, scan
from govxl.collect.status import Status, Use
from govxl.forms import Severity
from govxl.forms.compute import Value
from govxl.forms.returns import Return
from govxl.roster import Roster, Unit


@dataclass
class FileResult:
    relative: str
    path: Path
    sha256: str = ""
    unit_code: str = ""
    unit_name: str = ""
    use: Use = Use.UNMATCHED
    findings: list[Finding] = field(default_factory=list)
    received: str = ""
    saved: datetime | None = None
    ret: Return | None = None
    imported: bool = False

    @property
    def readable(self) -> bool:
        return self.ret is not None


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
        by_file = {fr.relative: fr for fr in self.files}
        return [(u, by_file[u.file]) for u in self.units if u.status in ok]

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
        "findings": [x.to_dict() for x in f.findings],
    }


def _read(entry: Entry, blank_as_zero: bool) -> ReadResult:
    if entry.problem:
        res = ReadResult(entry.path)
        res.findings.append(
            finding(
                "file-unreadable",
                f"{entry.relative}：{entry.problem}。",
                file=entry.relative,
                detail={"reason": "not-a-file"},
            )
        )
        return res
    if entry.kind == "report":
        return inspect_report(entry.path, label=entry.relative)
    return inspect_file(entry.path, blank_as_zero=blank_as_zero, label=entry.relative)


def read_all(
    entries: list[Entry],
    *,
    blank_as_zero: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[ReadResult]:
    """Read files on every core, yielding results in input order (memory stays flat)."""
    jobs = jobs or os.cpu_count() or 1
    work = partial(_read, blank_as_zero=blank_as_zero)
    if jobs == 1 or len(entries) < 8:
        results: Iterator[ReadResult] = map(work, entries)
        for i, r in enumerate(results, 1):
            if progress:
                progress(i, len(entries))
            yield r
        return
    wanted_sheets()  # load the reader and the forms once, here: the workers inherit them (fork)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for i, r in enumerate(
            pool.map(work, entries, chunksize=max(1, min(64, len(entries) // (jobs * 8)))), 1
        ):
            if progress:
                progress(i, len(entries))
            yield r


def collect(
    inbox: Path,
    roster: Roster,
    *,
    year: int | None = None,
    previous: Mapping[str, Mapping[str, Value]] | None = None,
    blank_as_zero: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CollectReport:
    entries, ignored = scan(inbox, reports=True)
    files: list[FileResult] = []
    for entry, res in zip(
        entries,
        read_all(entries, blank_as_zero=blank_as_zero, jobs=jobs, progress=progress),
        strict=True,
    ):
        files.append(_file_result(entry, res))
    year = year or _common_year(files)
    units = [
        UnitStatus(u.code, u.name, u.parent_code, contact=u.contact, phone=u.phone)
        for u in roster.units
    ]
    _match(files, roster, year)
    _choose(files)
    if previous:
        for fr in files:
            if fr.use == Use.USED and fr.ret and fr.unit_code in previous:
                fr.findings.extend(check_previous(fr.ret, previous[fr.unit_code], file=fr.relative))
    by_code = {fr.unit_code: fr for fr in files if fr.use == Use.USED}
    broken = {fr.unit_code: fr for fr in files if not fr.readable and fr.unit_code}
    for u in units:
        chosen = by_code.get(u.code)
        if chosen is not None:
            _decide(u, chosen)
        elif u.code in broken:
            _decide(u, broken[u.code])
            u.status = Status.UNREADABLE
    for fr in files:
        for f in fr.findings:
            f.unit = f.unit or fr.unit_name
    return CollectReport(inbox, year, units, files, ignored)


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
    )


def _common_year(files: list[FileResult]) -> int | None:
    years = Counter(fr.ret.year for fr in files if fr.ret and fr.ret.year)
    return years.most_common(1)[0][0] if years else None


def _match(files: list[FileResult], roster: Roster, year: int | None) -> None:
    by_code = roster.by_code()
    by_name = {u.name.replace(" ", ""): u for u in roster.units}
    for fr in files:
        ret = fr.ret
        if ret is None:
            # An unreadable file can still be attributed by its name: "<单位代码>-<单位名称>.xlsx".
            code = Path(fr.relative).name.split("-", 1)[0]
            if code in by_code:
                fr.unit_code, fr.unit_name = code, by_code[code].name
            continue
        unit = by_code.get(ret.unit_code) or (
            _by_number(ret.unit_code, roster) if ret.unit_code else _by_name(ret.unit_name, by_name)
        )
        if unit is None:
            who = f"单位代码“{ret.unit_code}”" if ret.unit_code else f"单位“{ret.unit_name}”"
            fr.findings.append(
                finding(
                    "unknown-unit",
                    f"{who}（{ret.unit_name}）不在名册中。请核对文件是否发错，"
                    "或在名册中补充该单位。",
                    file=fr.relative,
                    value=ret.unit_code,
                )
            )
            continue
        fr.unit_code, fr.unit_name = unit.code, unit.name
        fr.use = Use.USED
        if year and ret.year != year:
            fr.findings.append(
                finding(
                    "wrong-year",
                    f"文件的报告年度是 {ret.year or '（未填）'} 年，本次收集的是 {year} 年度。"
                    f"请使用 {year} 年度模板重新填报。",
                    file=fr.relative,
                    value=str(ret.year or ""),
                    expected=str(year),
                )
            )
        elif year and not ret.form.covers(year):
            fr.findings.append(
                finding(
                    "wrong-form",
                    f"文件使用的表格格式“{ret.form.title}”不适用于 {year} 年度。"
                    f"请使用 {year} 年度模板重新填报。",
                    file=fr.relative,
                    value=ret.form.id,
                )
            )


def _by_number(code: str, roster: Roster) -> Unit | None:
    """The unit whose code is ``code`` with its leading zeros back.

    A clerk who types 012 into a blank template's 单位代码 in Excel gets the number 12: Excel drops
    the zeros. The unit is matched only when exactly one roster code of digits means that number.
    """
    if not code.isdigit():
        return None
    same = [u for u in roster.units if u.code.isdigit() and int(u.code) == int(code)]
    return same[0] if len(same) == 1 else None


def _by_name(name: str, by_name: dict[str, Unit]) -> Unit | None:
    """A return without a unit code (a typed-in template, an imported report) by its name:
    exact, else the one roster name that contains it or is contained in it."""
    key = name.replace(" ", "")
    if not key:
        return None
    if key in by_name:
        return by_name[key]
    near = [u for k, u in by_name.items() if key in k or k in key]
    return near[0] if len(near) == 1 else None


def _choose(files: list[FileResult]) -> None:
    """Identical bytes count once; otherwise the newest return of a unit counts."""
    seen: dict[str, FileResult] = {}
    for fr in files:
        if fr.use != Use.USED:
            continue
        if fr.sha256 in seen:
            fr.use = Use.DUPLICATE
            fr.findings = [
                finding(
                    "duplicate-file",
                    f"与 {seen[fr.sha256].relative} 内容完全相同，按一份处理。",
                    file=fr.relative,
                )
            ]
            continue
        seen[fr.sha256] = fr
    groups: dict[str, list[FileResult]] = {}
    for fr in files:
        if fr.use == Use.USED:
            groups.setdefault(fr.unit_code, []).append(fr)
    for group in groups.values():
        if len(group) == 1:  # the usual case: nothing to choose, no file to stat again
            continue
        group.sort(
            key=lambda f: (
                f.saved.timestamp() if f.saved else 0.0,
                _mtime(f.path) or 0.0,
                f.relative,
            ),
            reverse=True,
        )
        for old in group[1:]:
            old.use = Use.SUPERSEDED
            old.findings.insert(
                0,
                finding(
                    "superseded",
                    f"同一单位另有更新的文件 {group[0].relative}，以该文件为准。",
                    file=old.relative,
                ),
            )


def _decide(u: UnitStatus, fr: FileResult) -> None:
    u.file, u.sha256, u.received, u.imported = fr.relative, fr.sha256, fr.received, fr.imported
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
