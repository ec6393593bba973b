"""Which of a unit's returns counts when it sent more than one, from evidence a clerk can see.

A unit that corrects its return sends it again, often in another format, from another PC, under
another name. No single clue is reliable: an .xlsx without ``docProps/core.xml`` (or an .xls
or .ods whose properties were never written) carries no saved time, a PC's clock can be wrong,
a re-downloaded old mail arrives late, a zip keeps the sender's file times. So four clues are
weighed, in this order:

1. **words in the file name**: 更正/修正/修改/修订/终稿/定稿/最终/最新/正式 mark a later
   version, 初稿/草稿/作废 an earlier one (the unit's own name is left out of the search);
2. **the saved time** in the file (.xlsx ``docProps/core.xml``, .ods ``meta.xml``, .xls its
   summary information), unless it is impossible (after the file arrived, or before
   the year the return reports on began: a wrong clock);
3. **the arrival time** in the inbox (the file's modification time, what 资源管理器 shows as
   修改日期); files that arrived within a minute of each other arrived together;
4. **a copy number** that a browser, a mail client or Explorer adds to a second file of the
   same name: ``报表(1).xlsx``, ``报表-2.xlsx``, ``报表 - 副本.xlsx``.

The first clue that tells two files apart orders them. When a clue contradicts the choice, or no
clue tells the chosen file from another, the unit gets a ``version-unclear`` 核实 finding that
names both files and what each clue says: govxl asks instead of guessing silently. A human
decision (the office renames or removes a file, or picks one at the intake desk, passed as
``decided``) always wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cmp_to_key
from pathlib import Path
from typing import Any

from govxl.check.findings import finding
from govxl.collect.received import FileResult
from govxl.collect.status import Use
from govxl.roster import name_key

LATER_WORDS = ("更正", "修正", "修改", "修订", "终稿", "定稿", "最终", "最新", "正式")
EARLIER_WORDS = ("初稿", "草稿", "作废")
TOGETHER = 60.0
"""Seconds: files whose arrival times are this close came in one download or one copy."""
CLOCK_SLACK = 86_400.0
"""A file saved up to a day after it arrived is time zones and clock drift, not a wrong clock."""
_COPY = re.compile(
    r"(?:\s*-\s*副本(?:\s*[(（]\s*(?P<n1>\d{1,3})\s*[)）])?"
    r"|\s*[(（]\s*(?P<n2>\d{1,3})\s*[)）]"
    r"|\s*[-_－]\s*(?P<n3>\d{1,2}))$"
)
KINDS = ("words", "saved", "arrived", "copy")


@dataclass(frozen=True)
class Evidence:
    """What a clerk can see about one version of a return."""

    arrived: float | None
    saved: float | None
    """Trusted saved time (POSIX seconds); None when the file has none or it is impossible."""
    saved_doubt: str
    words: int
    """+1 a later-version word, -1 an earlier-version word, 0 neither."""
    word: str
    base: str
    """The file name without its copy number, to compare copies of one name only."""
    copy: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "arrived": _when(self.arrived),
            "saved": _when(self.saved),
            "saved_doubt": self.saved_doubt,
            "word": self.word,
            "copy": self.copy,
        }


def evidence(fr: FileResult) -> Evidence:
    stem = Path(fr.relative).stem
    words_in = stem.replace(fr.unit_name, "") if fr.unit_name else stem
    later = next((w for w in LATER_WORDS if w in words_in), "")
    earlier = next((w for w in EARLIER_WORDS if w in words_in), "")
    words = (1 if later else 0) - (1 if earlier else 0)
    m = _COPY.search(stem)
    copy = int(m["n1"] or m["n2"] or m["n3"] or 1) if m else 0
    base = name_key(stem[: m.start()] if m else stem)
    saved, doubt = _trusted_saved(fr)
    return Evidence(fr.arrived, saved, doubt, words, later or earlier, base, copy)


def _trusted_saved(fr: FileResult) -> tuple[float | None, str]:
    if fr.saved is None:
        return None, "文件中没有保存时间"
    # .ods stamps carry no zone: the saving PC's clock, read as this PC's (one country's zone)
    saved = fr.saved if fr.saved.tzinfo else fr.saved.astimezone()
    t = saved.timestamp()
    if fr.arrived is not None and t > fr.arrived + CLOCK_SLACK:
        return None, f"保存时间 {_when(t)} 晚于收到时间，保存它的电脑时钟可能有误"
    if fr.ret is not None and fr.ret.year and saved.year < fr.ret.year:
        return None, f"保存时间 {_when(t)} 早于报告年度，保存它的电脑时钟可能有误"
    return t, ""


def _when(t: float | None, other: float | None = None) -> str:
    """Local time to the minute; to the second when ``other`` falls in the same minute (two
    versions saved a minute apart read 12:04 and 12:04 otherwise)."""
    if t is None:
        return ""
    fmt = "%Y-%m-%d %H:%M"
    if other is not None and _minute(t) == _minute(other):
        fmt += ":%S"
    return datetime.fromtimestamp(t, UTC).astimezone().strftime(fmt)


def _minute(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y%m%d%H%M")


def compare(kind: str, a: Evidence, b: Evidence) -> int:
    """+1 when ``kind`` says ``a`` is the later version, -1 when ``b`` is, 0 when it cannot tell."""
    if kind == "words":
        return (a.words > b.words) - (a.words < b.words)
    if kind == "saved":
        if a.saved is None or b.saved is None or abs(a.saved - b.saved) < 1:
            return 0
        return 1 if a.saved > b.saved else -1
    if kind == "arrived":
        if a.arrived is None or b.arrived is None or abs(a.arrived - b.arrived) < TOGETHER:
            return 0
        return 1 if a.arrived > b.arrived else -1
    if a.base != b.base:  # copy numbers compare only between copies of one name
        return 0
    return (a.copy > b.copy) - (a.copy < b.copy)


def _says(kind: str, ev: Evidence, other: Evidence) -> str:
    """Why ``kind`` puts ``ev`` after ``other``, in words."""
    if kind == "words":
        return f"文件名写有“{ev.word}”" if ev.words > 0 else f"另一份文件名写有“{other.word}”"
    if kind == "saved":
        return f"保存时间较晚（{_when(ev.saved, other.saved)}）"
    if kind == "arrived":
        return f"收到时间较晚（{_when(ev.arrived, other.arrived)}）"
    return "文件名带有后来复制或下载时加上的编号"


INBOX_CHOICE = (
    "请向单位核实以哪一份为准：把不用的文件移出收件箱，或在要用的文件名中加上“更正”，然后重新运行。"
)
DESK_CHOICE = "请向单位核实以哪一份为准，在收件台该单位的“全部版本”中对要用的一份选“以此版本为准”。"
"""What the office does about versions it cannot tell apart: in a folder, and at the desk (whose
store it does not rename)."""


def choose(group: list[FileResult], decided: set[str]) -> None:
    """Order the distinct returns of one unit, newest first; mark the rest superseded and
    record why (``reason`` on every file, a 核实 finding when the evidence disagrees)."""
    ev = {id(fr): evidence(fr) for fr in group}
    for fr in group:
        fr.evidence = ev[id(fr)].to_dict()

    def newer_first(a: FileResult, b: FileResult) -> int:
        by_hand = (b.relative in decided) - (a.relative in decided)
        if by_hand:
            return by_hand
        for kind in KINDS:
            c = compare(kind, ev[id(a)], ev[id(b)])
            if c:
                return -c
        return (a.relative > b.relative) - (a.relative < b.relative)

    group.sort(key=cmp_to_key(newer_first))
    top, rest = group[0], group[1:]
    if top.relative in decided:
        top.reason = f"共 {len(group)} 份，由办公室指定采用此份"
    else:
        _weigh(top, rest, ev)
    for old in rest:
        old.use = Use.SUPERSEDED
        old.reason = f"已由 {top.label} 替代"
        old.findings.insert(
            0,
            finding(
                "superseded",
                f"同一单位另有文件 {top.label}，以该文件为准（{top.reason}）。",
                file=old.relative,
            ),
        )


def _weigh(top: FileResult, rest: list[FileResult], ev: dict[int, Evidence]) -> None:
    """Say why ``top`` was chosen; ask (核实) where a clue says otherwise or none decides."""
    te = ev[id(top)]
    support: dict[str, str] = {}
    against: list[str] = []
    for other in rest:
        oe = ev[id(other)]
        votes = {kind: compare(kind, te, oe) for kind in KINDS}
        for kind, v in votes.items():
            if v > 0:
                support.setdefault(kind, _says(kind, te, oe))
        contra = [_says(k, oe, te) for k, v in votes.items() if v < 0]
        if contra:
            against.append(f"{other.label}：{'；'.join(contra)}")
        elif not any(votes.values()):
            against.append(f"{other.label}：收到时间、保存时间和文件名都无法分出先后")
    because = "；".join(support[k] for k in KINDS if k in support) or "无法判断先后"
    top.reason = f"共 {len(rest) + 1} 份，采用此份：{because}"
    if not against:
        return
    top.reason += "；依据不一致，请核实"
    names = "、".join(o.label for o in rest)
    found = (
        f"本单位收到 {len(rest) + 1} 份内容不同的文件（{top.label}、{names}），"
        f"无法确定哪一份是最新的。暂采用 {top.label}（{because}），但 " + "；".join(against) + "。"
    )
    top.findings.insert(
        0,
        finding(
            "version-unclear",
            found + (DESK_CHOICE if top.sender else INBOX_CHOICE),
            file=top.relative,
            for_unit=found.replace("本单位收到", "本单位报送了", 1)
            + "如应以另一份为准，请在那一份的文件名中写上“更正”后重新报送，或告知办公室。",
        ),
    )
