"""Which roster unit a received file belongs to: what the file says, and what its name says.

A return says who it is in its identity sheet (or, for a typed-in template or an imported report,
by its unit name). Its file name usually says who sent it: ``<单位代码>-<单位名称>.xlsx`` as the
templates are named, or a unit's name somewhere in it. When the two disagree — unit C09 filled in
C02's personalised file and sent it as ``C09-….xlsx`` — the file counts for nobody until a human
decides: it must not displace C02's own return, and C09 must not show 未报送 as if it had sent
nothing. The finding names both units; renaming or removing the file, or a decision taken at the
intake desk (``decisions``), settles it. At the desk the sender is not read from a name at all:
a file uploaded through a unit's private link was sent by that unit (``FileResult.sender``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from govxl.check.findings import finding
from govxl.collect.received import FileResult
from govxl.collect.status import Use
from govxl.roster import Roster, Unit, name_key, shared_place

_CODE_END = re.compile(r"[-_\s－—–（(【\[.、，,]")
MAX_NAME_WINDOW = 40
"""Longest unit name (after normalising) looked for inside a file name."""
_OFFICE_ENDS = ("人民政府", "办事处", "委员会")
"""What a unit's name ends with that clerks leave out of a file name: 城关镇人民政府 → 城关镇,
东风街道办事处 → 东风街道."""
MIN_SHORT = 3
"""A short name of fewer characters (东风) could be any word of a file name."""


@dataclass
class Index:
    """A roster looked up by code and by normalised name."""

    roster: Roster
    by_code: dict[str, Unit] = field(default_factory=dict)
    by_folded_code: dict[str, Unit] = field(default_factory=dict)
    by_name: dict[str, Unit] = field(default_factory=dict)
    by_short: dict[str, Unit] = field(default_factory=dict)
    """Names as clerks shorten them in file names, each in no other unit's name: 东湖街道 is not
    东湖街道办事处's while another unit is 东湖街道社区卫生服务中心."""
    keys_of: dict[str, list[str]] = field(default_factory=dict)
    """A unit's code → its name and the short names that are its alone."""

    @classmethod
    def of(cls, roster: Roster) -> Index:
        ix = cls(roster, dict(roster.by_code()))
        for u in roster.units:
            ix.by_folded_code[unicodedata.normalize("NFKC", u.code).casefold()] = u
            ix.by_name.setdefault(name_key(u.name), u)
        shorts: dict[str, set[str]] = {}
        place = shared_place([name_key(u.name) for u in roster.units])
        for u in roster.units:
            for short in short_names(name_key(u.name), place):
                shorts.setdefault(short, set()).add(u.code)
        grams: dict[str, set[str]] = {}  # every MIN_SHORT characters of a name → its units
        for u in roster.units:
            key = name_key(u.name)
            ix.keys_of[u.code] = [key]
            for i in range(len(key) - MIN_SHORT + 1):
                grams.setdefault(key[i : i + MIN_SHORT], set()).add(u.code)
        for short, codes in shorts.items():
            code = next(iter(codes)) if len(codes) == 1 else ""
            others = grams.get(short[:MIN_SHORT], set()) - {code}
            if code and not any(short in ix.keys_of[o][0] for o in others):
                ix.by_short[short] = ix.by_code[code]
                ix.keys_of[code].append(short)
        return ix

    def identity(self, code: str, name: str) -> Unit | None:
        """The unit a return says it is: by code, else by name."""
        if code:
            return self.by_code.get(code) or _by_number(code, self.roster)
        return self.by_unit_name(name)

    def by_unit_name(self, name: str) -> Unit | None:
        """Exact after normalising, else the one roster name that contains it or is contained."""
        key = name_key(name)
        if not key:
            return None
        if key in self.by_name:
            return self.by_name[key]
        near = [u for k, u in self.by_name.items() if key in k or k in key]
        return near[0] if len(near) == 1 else None

    def named(self, relative: str, expect: Unit | None = None) -> Unit | None:
        """The unit a file's name points at: a roster code before the first separator, else
        the one roster name inside the name (the longest, when one contains another)."""
        stem = unicodedata.normalize("NFKC", Path(relative).stem).strip()
        token = _CODE_END.split(stem, maxsplit=1)[0].casefold()
        if token in self.by_folded_code:
            return self.by_folded_code[token]
        key = name_key(stem)
        if expect is not None and any(k in key for k in self.keys_of.get(expect.code, ())):
            return expect  # the usual case, decided without looking at every name
        return self._inside(key, self.by_name) or self._inside(key, self.by_short)

    @staticmethod
    def _inside(key: str, names: dict[str, Unit]) -> Unit | None:
        """The one unit whose name is in ``key`` (the longest, when one contains another)."""
        found = {
            k: names[key[i:j]]
            for i in range(len(key))
            for j in range(i + 1, min(len(key), i + MAX_NAME_WINDOW) + 1)
            if (k := key[i:j]) in names
        }
        if not found:
            return None
        longest = max(found, key=len)
        inside = all(k in longest for k in found)
        return found[longest] if inside else None


_last: list[Index] = []


def _index(roster: Roster) -> Index:
    """The roster's index, made once for the roster in use: the desk matches every upload
    against the same roster, and a province's short names take a while to work out."""
    if not _last or _last[0].roster is not roster:
        _last[:] = [Index.of(roster)]
    return _last[0]


def short_names(key: str, place: str) -> list[str]:
    """A unit's name as clerks shorten it in a file name: without the district it lies in,
    and without 人民政府 / 办事处 / 委员会 — each only where MIN_SHORT characters remain."""
    bare = key[len(place) :] if place and key.startswith(place) else key
    out = [bare] if bare != key else []
    for end in _OFFICE_ENDS:
        if bare.endswith(end):
            out.append(bare[: -len(end)])
    return [s for s in out if len(s) >= MIN_SHORT]


def _by_number(code: str, roster: Roster) -> Unit | None:
    """The unit whose code is ``code`` with its leading zeros back.

    A clerk who types 012 into a blank template's 单位代码 in Excel gets the number 12: Excel drops
    the zeros. The unit is matched only when exactly one roster code of digits means that number.
    """
    if not code.isdigit():
        return None
    same = [u for u in roster.units if u.code.isdigit() and int(u.code) == int(code)]
    return same[0] if len(same) == 1 else None


def match(
    files: list[FileResult], roster: Roster, year: int | None, decisions: Mapping[str, str]
) -> None:
    """Attribute every file to a unit (``use`` USED when it may count for it)."""
    ix = _index(roster)
    for fr in files:
        decided = decisions.get(fr.relative) or (decisions.get(fr.sha256) if fr.sha256 else None)
        ret = fr.ret
        if ret is None:  # an unreadable file is attributed by its sender only
            sender = ix.by_code.get(decided or "") or _sender(ix, fr, None)
            if sender is not None:
                fr.unit_code, fr.unit_name = sender.code, sender.name
            continue
        unit = ix.by_code.get(decided) if decided else ix.identity(ret.unit_code, ret.unit_name)
        sender = None if decided else _sender(ix, fr, unit)
        if unit is None:
            _unknown(fr, sender)
            continue
        if sender is not None and sender.code != unit.code:
            _disputed(fr, unit, sender, files)
            continue
        fr.unit_code, fr.unit_name = unit.code, unit.name
        fr.use = Use.USED
        fr.decided = bool(decided)
        _check_year(fr, year)


def _sender(ix: Index, fr: FileResult, expect: Unit | None) -> Unit | None:
    """Who sent the file: the unit whose link it came through (an intake desk upload, whose
    store name the desk chose), else the unit its file name points at."""
    return ix.by_code.get(fr.sender) or ix.named(fr.relative, expect)


def _unknown(fr: FileResult, sender: Unit | None) -> None:
    ret = fr.ret
    assert ret is not None
    who = f"单位代码“{ret.unit_code}”" if ret.unit_code else f"单位“{ret.unit_name}”"
    fr.findings.append(
        finding(
            "unknown-unit",
            f"{who}（{ret.unit_name}）不在名册中。请核对文件是否发错，或在名册中补充该单位。",
            file=fr.relative,
            value=ret.unit_code,
            for_unit=f"文件中的{who}（{ret.unit_name}）不在本次报送的单位名单中，可能用错了模板。"
            "请用本单位的模板填写后重新报送。",
        )
    )
    if sender is not None:  # the unit that sent it has sent something: not 未报送
        fr.unit_code, fr.unit_name = sender.code, sender.name


def _disputed(fr: FileResult, owner: Unit, sender: Unit, files: list[FileResult]) -> None:
    """The file's sender is ``sender`` (its link, or its name), its content says ``owner``: it
    counts for neither. The office reads what it can do; the sender reads what to send."""
    fr.use = Use.DISPUTED
    fr.unit_code, fr.unit_name = sender.code, sender.name
    who, whose = f"{sender.code} {sender.name}", f"{owner.code} {owner.name}"
    how = (
        f"这份文件（{fr.label}）是通过 {who} 的专用链接上传的"
        if fr.sender
        else f"文件名表明这是 {who} 报送的"
    )
    twin = next(
        (
            o
            for o in files
            if o is not fr and o.sha256 == fr.sha256 and o.ret and o.ret.unit_code == owner.code
        ),
        None,
    )
    if twin is not None:
        text = (
            f"{how}，但它与 {twin.label} 完全相同：{who} 报送的是 {whose} 的文件，未作任何"
            f"改动，{who} 本单位的数字没有报送。请 {who} 用本单位的模板填报后重新报送。"
        )
    else:
        text = (
            f"{how}，但文件中的单位是 {whose}：{who} 可能在 {whose} 的模板上填写了数字。"
            f"这份文件不计入任何单位，{whose} 的报送不受影响。请 {who} 用本单位的模板重新填报；"
            + (
                f"如这确是 {whose} 的报表，可在收件台 {whose} 的“全部版本”中对这份文件选"
                "“以此版本为准”。"
                if fr.sender
                else f"如这确是 {whose} 的报表，请把文件名改为以 {owner.code} 开头（或从收件箱"
                "移走），然后重新运行。"
            )
        )
    fr.findings.insert(
        0,
        finding(
            "unit-mismatch",
            text,
            file=fr.relative,
            value=owner.code,
            expected=sender.code,
            detail={"named": sender.code, "identity": owner.code},
            for_unit=f"这是 {whose} 的报表文件，不是本单位的，不计入本单位的报送。"
            "请用本单位的模板填写后重新报送。",
        ),
    )


def _check_year(fr: FileResult, year: int | None) -> None:
    ret = fr.ret
    assert ret is not None
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
