"""``govxl merge``: add up accepted returns (or lower-level summaries) into one summary.

Sources are resolved to *contributions* — one per unit, with its exact figures — whatever they
came as: an inbox, a ``govxl collect`` output folder, single returns, or summaries made by this
command (whose 明细 rows carry their units, so a roll-up sums the same units, never the
sub-totals, and a unit that arrives twice is caught instead of counted twice).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from govxl.check.findings import Finding
from govxl.check.read import inspect_file
from govxl.check.result import ReadResult
from govxl.check.summary import Contribution, read_contributions, read_uncounted
from govxl.collect.cache import CACHE, finding_from_dict, read_cache
from govxl.collect.run import CollectReport, collect, read_all
from govxl.collect.scan import scan
from govxl.collect.status import Status, Use
from govxl.forms import Severity, load_form
from govxl.forms.compute import run
from govxl.forms.returns import Member, Return
from govxl.merge.detail import total
from govxl.paths import shown
from govxl.reader import ReadError, read_bytes
from govxl.roster import Roster, Unit, name_key, shared_place


class MergeError(ValueError):
    """The sources cannot be merged (mixed forms or years, a unit twice); Chinese message."""


@dataclass
class LeftOut:
    code: str
    name: str
    file: str
    reason: str


@dataclass
class MergeResult:
    summary: Return
    rows: list[Contribution]
    left_out: list[LeftOut] = field(default_factory=list)
    missing: list[Unit] = field(default_factory=list)
    carried: list[Finding] = field(default_factory=list)
    """Warnings of the included units, with whether they explained them."""
    texts: list[tuple[Member, dict[str, str]]] = field(default_factory=list)
    unchecked: bool = False
    """Returns with error-level findings were included (``--include-errors``)."""
    roster: Roster | None = None


def _contribution(res: ReadResult, file: str) -> list[Contribution]:
    ret = res.ret
    assert ret is not None
    if ret.kind == "summary":
        return read_contributions(res.path, ret.form, via=ret.unit_code or ret.unit_name)
    member = Member(ret.unit_code, ret.unit_name, res.sha256, file)
    return [Contribution(member, ret.values, res.findings)]  # shared, not copied: 10,000 of them


@dataclass
class _Source:
    """One file that enters the summary, known by its full identity (its path), never by its
    name alone: every district sends ``区汇总.xlsx``."""

    path: Path
    label: str
    res: ReadResult


@dataclass
class _Sources:
    by_path: dict[Path, _Source] = field(default_factory=dict)
    by_sha: dict[str, _Source] = field(default_factory=dict)

    def add(self, path: Path, label: str, res: ReadResult, out: MergeResult) -> None:
        """Take a file once: the same path given twice is one source; the same bytes under
        another path are listed as left out, naming the file they repeat."""
        key = path.resolve()
        if key in self.by_path:
            return
        first = self.by_sha.get(res.sha256) if res.sha256 else None
        if first is not None:
            ret = res.ret
            same = first.label == label  # 区汇总.xlsx twice: say which is which by path
            other = shown(str(first.path)) if same else first.label
            out.left_out.append(
                LeftOut(
                    ret.unit_code if ret else "",
                    ret.unit_name if ret else "",
                    shown(str(path)) if same else label,
                    f"与 {other} 内容完全相同，按一份汇总",
                )
            )
            return
        src = _Source(path, label, res)
        self.by_path[key] = self.by_sha[res.sha256] = src

    def named(self) -> list[_Source]:
        """Every source, a label shared by two of them replaced by the path as given."""
        count = Counter(s.label for s in self.by_path.values())
        for s in self.by_path.values():
            if count[s.label] > 1:
                s.label = shown(str(s.path))
        return sorted(self.by_path.values(), key=lambda s: s.label)


def _from_report(
    report: CollectReport, include_errors: bool, out: MergeResult, sources: _Sources
) -> None:
    used = {f.relative: f for f in report.files if f.use == Use.USED}
    for u in report.units:
        fr = used.get(u.file)
        if fr is not None and (
            u.status in (Status.PASSED, Status.WARNED)
            or (include_errors and u.status == Status.FAILED)
        ):
            assert fr.ret is not None  # summed as the unit it was matched to, on a copy: the
            # report's return may be another's (the desk keeps each upload's read result)
            ret = replace(fr.ret, unit_code=fr.unit_code, unit_name=fr.unit_name)
            sources.add(fr.path, fr.relative, ReadResult(fr.path, fr.sha256, ret, fr.findings), out)
            if u.status == Status.FAILED:
                out.unchecked = True
        elif u.file:
            reason = f"{u.status.zh}（{u.errors} 个强制问题）"
            out.left_out.append(LeftOut(u.code, u.name, u.file, reason))


def gather(
    sources: list[Path],
    *,
    roster: Roster | None,
    include_errors: bool,
    progress: Callable[[int, int], None] | None = None,
    reports: Sequence[CollectReport] = (),
) -> MergeResult:
    taken = _Sources()
    out = MergeResult(Return.__new__(Return), [], roster=roster)
    for report in reports:  # decided already (the intake desk's store)
        _from_report(report, include_errors, out, taken)
    for src in sources:
        if src.is_dir() and (src / "findings.json").is_file():
            _from_collect_output(src, include_errors, out, taken)
        elif src.is_dir() and roster is not None:
            _from_report(collect(src, roster, progress=progress), include_errors, out, taken)
        elif src.is_dir():
            entries, _ = scan(src)
            for entry, res in zip(entries, read_all(entries, progress=progress), strict=True):
                _take(res, entry.path, entry.relative, include_errors, out, taken)
        elif src.is_file():
            label = shown(src.name)
            _take(inspect_file(src, label=label), src, label, include_errors, out, taken)
        else:
            raise MergeError(f"找不到汇总来源：{shown(str(src))}")
    results = taken.named()
    if not results:
        raise MergeError("没有可以汇总的报表（所有文件都未通过审核或无法读取）。")
    _same_form(results)
    unit = _one_money_unit(results)
    seen = _Seen()
    for s in results:
        res = s.res
        for c in _contribution(res, s.label):
            seen.add(c, f"{s.label}" + (f"（经由 {c.member.via}）" if c.member.via else ""))
            out.rows.append(c)
            if res.ret and res.ret.kind != "summary":
                out.texts.append((c.member, res.ret.texts))
                out.carried.extend(f for f in res.findings if f.severity is Severity.WARNING)
        if res.ret and res.ret.kind == "summary":
            _carry_uncounted(res.path, res.ret.unit_code or res.ret.unit_name, out)
    first = next(s.res.ret for s in results if s.res.ret)
    out.summary = Return(first.form, year=first.year, kind="summary", money_unit=unit)
    if roster is not None:
        listed = {c.member.code for c in out.rows} | {lo.code for lo in out.left_out}
        out.missing = [u for u in roster.units if u.code not in listed]
    out.missing = list({(u.parent_code, u.code): u for u in out.missing}.values())
    return out


def _carry_uncounted(path: Path, via: str, out: MergeResult) -> None:
    """A lower summary's units it did not count stay visible one level up: the city sees which
    district is incomplete, and by whom (never counted: their figures are not in it)."""
    for u in read_uncounted(path):
        if u.state == "未报送":
            out.missing.append(Unit(u.code, u.name, via))
        else:
            out.left_out.append(LeftOut(u.code, u.name, u.file, f"{via}：{u.reason}"))


def _one_money_unit(results: list[_Source]) -> str:
    """The unit of the money cells the form leaves open (2019 采购总金额), the same in every
    source: figures in 元 and in 万元 must never be added into one total."""
    units = {s.label: s.res.ret.money_unit for s in results if s.res.ret}
    first = next(s.res.ret for s in results if s.res.ret)
    cells = first.form.open_unit_cells()
    if not cells or len(set(units.values())) <= 1:
        return next(iter(units.values()), "")
    label = "、".join(dict.fromkeys(c.column_label for c in cells))
    listing = "；".join(f"{name}：{u or '未注明'}" for name, u in sorted(units.items()))
    raise MergeError(
        f"参与汇总的报表中，{label}的单位不一致，不能相加：{listing}。"
        "请让各单位使用同一单位的模板重新填报（或换算后重新报送），再汇总。"
    )


class _Seen:
    """Which units are in the summary already, so none is counted twice.

    Units are numbered by their district: a city's districts may each have a 001. So a unit is
    known by the summary it came through (``via``: the district that counted it) and its code;
    the same code and name through two districts, or the same return's bytes twice, is one unit
    arriving twice.
    """

    def __init__(self) -> None:
        self.where: dict[tuple[str, str], str] = {}
        self.by_name: dict[tuple[str, str], str] = {}
        self.by_sha: dict[str, str] = {}

    def add(self, c: Contribution, where: str) -> None:
        m = c.member
        named = (m.code, name_key(m.name))
        before = (
            self.where.get((m.via, m.code))
            or self.by_name.get(named)
            or (self.by_sha.get(m.sha256) if m.sha256 else None)
        )
        if before is not None:
            raise MergeError(
                f"单位 {m.code} {m.name} 重复出现：{before} 和 {where}。"
                "同一单位只能汇总一次，请去掉重复的来源。"
            )
        self.where[(m.via, m.code)] = self.by_name[named] = where
        if m.sha256:
            self.by_sha[m.sha256] = where


def _same_form(results: list[_Source]) -> None:
    """All of one form and year, or a refusal naming the files that differ from the most (or
    every file, when no form and year is the most)."""
    kinds = Counter((s.res.ret.form.id, s.res.ret.year) for s in results if s.res.ret)
    if len(kinds) < 2:
        return
    (most, n), (_, second) = kinds.most_common(2)

    def kind(s: _Source) -> str:
        assert s.res.ret is not None
        return f"{s.label}：{s.res.ret.form.short}，{s.res.ret.year} 年"

    head = "参与汇总的文件表格格式或年度不一致，不能汇总："
    if n == second:
        listing = "；".join(kind(s) for s in results if s.res.ret)
        raise MergeError(f"{head}{listing}。请只汇总同一格式、同一年度的报表。")
    odd = [kind(s) for s in results if s.res.ret and (s.res.ret.form.id, s.res.ret.year) != most]
    raise MergeError(
        f"{head}{n} 份文件是{load_form(most[0]).short}，{most[1]} 年，以下 {len(odd)} 份不同："
        f"{'；'.join(odd)}。请去掉这些文件或换用正确年度的报表。"
    )


def _take(
    res: ReadResult,
    path: Path,
    name: str,
    include_errors: bool,
    out: MergeResult,
    sources: _Sources,
) -> None:
    ret = res.ret
    if ret is None:
        out.left_out.append(
            LeftOut("", "", name, "无法读取：" + "；".join(f.message for f in res.findings))
        )
        return
    errors = [f for f in res.findings if f.severity is Severity.ERROR]
    if errors and not include_errors:
        out.left_out.append(
            LeftOut(ret.unit_code, ret.unit_name, name, f"未通过审核（{len(errors)} 个强制问题）")
        )
        return
    out.unchecked = out.unchecked or bool(errors)
    sources.add(path, name, res, out)


def _from_collect_output(
    folder: Path, include_errors: bool, out: MergeResult, sources: _Sources
) -> None:
    """Use the decisions of an earlier ``govxl collect`` run, re-reading only accepted files."""
    data = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    inbox = Path(data["inbox"])
    ok = {Status.PASSED, Status.WARNED} | ({Status.FAILED} if include_errors else set())
    used = {f["file"] for f in data["files"] if f["use"] == Use.USED}
    status = {u["file"]: u for u in data["units"] if u["file"]}
    for u in data["units"]:
        if not u["file"]:
            out.missing.append(Unit(u["code"], u["name"], u.get("parent")))
        elif u["status"] not in ok or u["file"] not in used:
            reason = Status(u["status"]).zh + ("（文件未采用）" if u["status"] in ok else "")
            out.left_out.append(LeftOut(u["code"], u["name"], u["file"], reason))
    cached = read_cache(folder / CACHE) if (folder / CACHE).is_file() else {}
    for f in data["files"]:
        unit = status.get(f["file"])
        if f["use"] != Use.USED or unit is None or unit["status"] not in ok:
            continue
        raw = f.get("raw_name")
        path = inbox / (os.fsdecode(bytes.fromhex(raw)) if raw else f["file"])
        if f["file"] in cached and cached[f["file"]][0] == f["sha256"]:
            res = ReadResult(
                path,
                _sha256(path),
                cached[f["file"]][1],
                [finding_from_dict(x) for x in f["findings"]],
            )
        else:
            # not cached: read it again
            res = inspect_file(path, label=f["file"])
        if res.sha256 != f["sha256"]:
            raise MergeError(f"{f['file']} 在审核之后被改动过或已移走，请重新运行 govxl collect。")
        if res.ret is not None:  # the unit as matched to the roster (an imported report has
            res.ret.unit_code, res.ret.unit_name = f["unit_code"], f["unit_name"]  # no code)
        sources.add(path, f["file"], res, out)
        out.unchecked = out.unchecked or unit["status"] == Status.FAILED


def _sha256(path: Path) -> str:
    """Of the file as it is now; "" if it is gone or no longer a file (never blocks on a pipe)."""
    try:
        return hashlib.sha256(read_bytes(path)).hexdigest()
    except ReadError:
        return ""


def merge(
    sources: list[Path],
    *,
    roster: Roster | None = None,
    include_errors: bool = False,
    level: str = "",
    code: str = "",
    name: str = "",
    progress: Callable[[int, int], None] | None = None,
    reports: Sequence[CollectReport] = (),
) -> MergeResult:
    """Sum the sources; ``reports`` are inboxes already collected (what ``merge`` of their
    folder with the roster would collect), summed exactly as such a folder would be."""
    result = gather(
        sources, roster=roster, include_errors=include_errors, progress=progress, reports=reports
    )
    s = result.summary
    s.values = total(s.form, result.rows)
    place = shared_place([u.name for u in roster.units]) if roster else ""
    s.unit_code, s.unit_name, s.level = code, name or place or "汇总", level
    s.members = [c.member for c in result.rows]
    s.notes = per_unit_notes(s, len(result.rows))
    return result


def per_unit_notes(summary: Return, units: int) -> list[tuple[str, str]]:
    """The summary's 说明: a 核实 about a magnitude no single unit can have does not apply to
    the sum of many (the workbook shows "√ 已说明", and govxl reads it the same way)."""
    values = summary.all_values()
    failed = dict.fromkeys(
        inst.rule.id
        for inst in summary.form.instances
        if inst.rule.per_unit and not inst.uses_prev and run(inst, values).status == "fail"
    )
    why = f"本表是 {units} 个单位的汇总数：单个单位的数额范围不适用于汇总数。"
    return [(rule_id, why) for rule_id in failed]
