"""The frame of a report: its title (unit and year), the six part headings, the closing lines.

Units rename the headings (“五、政府信息公开工作存在的主要问题及改进情况”, “五、存在问题及改进
情况”, format reference §1.1), so a heading is found by its number — 一、 to 六、, in order — and
a title similar to the official one. The closing is the unit name and a date at the very end,
which Word and web pages push to the right; they are not part of 六.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govxl.forms import Form
from govxl.importer.labels import norm, similarity
from govxl.importer.source import ImportIssue, Para

HEADING_MAX = 40
HEADING_MIN_SIMILARITY = 0.5
TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?")
_DIGITS = "0-9０-９〇零一二三四五六七八九十○Ｏ"
DATE = re.compile(rf"^[{_DIGITS}]{{4}}\s*年\s*[{_DIGITS}]{{1,3}}\s*月\s*[{_DIGITS}]{{1,3}}\s*日$")
_END_PUNCT = "。；;，,：:！!？?"
_NOT_A_UNIT = {"无", "暂无", "没有", "无。"}


@dataclass(frozen=True)
class Title:
    para: Para | None = None
    unit: str = ""
    year: int | None = None


@dataclass
class Layout:
    title: Title
    texts: dict[str, str] = field(default_factory=dict)
    part_of: dict[int, str] = field(default_factory=dict)
    """``id()`` of each paragraph → the part it stands in (paragraphs before 一 are absent)."""
    table_parts: set[str] = field(default_factory=set)
    signed: str = ""
    closing_unit: str = ""
    issues: list[ImportIssue] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return self.title.year

    @property
    def unit(self) -> str:
        return self.title.unit or self.closing_unit


def find_title(paras: list[Para]) -> Title:
    """The first paragraph before the report body that names a year and says 报告."""
    for p in paras[:60]:
        text = p.text.strip()
        if _numbered(text):
            break
        m = TITLE_YEAR.search(text)
        if m and "报告" in text and len(text) <= 80:
            unit = text[: m.start()].strip(' 《》“”"')
            if not unit:
                unit = text[m.end() :].split("政府信息公开")[0].strip(' 《》“”"')
            return Title(p, unit, int(m.group(1)))
    return Title()


def _numbered(text: str) -> bool:
    return bool(re.match(r"[一二三四五六七八九十]+、", text))


def find_layout(paras: list[Para], form: Form, title: Title) -> Layout:
    lay = Layout(title, table_parts={p.id for p in form.parts if p.kind == "table"})
    headings = _headings(paras, form)
    found = set(headings.values())
    missing = [p.title for p in form.parts if p.id not in found]
    if missing:
        lay.issues.append(
            ImportIssue(
                "warning",
                "missing-heading",
                f"没有找到部分标题“{'”“'.join(missing)}”，相应部分的文字可能未导入",
            )
        )
    body: dict[str, list[Para]] = {}
    current: str | None = None
    for p in paras:
        if id(p) in headings:
            current = headings[id(p)]
            continue
        if current is not None:
            lay.part_of[id(p)] = current
            body.setdefault(current, []).append(p)
    last = form.parts[-1].id if form.parts else None
    if last is not None and last in body:
        body[last] = _closing(body[last], lay)
    for part in form.parts:
        if part.kind == "text":
            lay.texts[part.id] = "\n".join(p.text for p in body.get(part.id, []))
    _check_identity(lay)
    return lay


def _headings(paras: list[Para], form: Form) -> dict[int, str]:
    """``id()`` of each heading paragraph → part id; parts are found in order only."""
    out: dict[int, str] = {}
    parts = list(form.parts)
    nxt = 0
    for p in paras:
        text = p.text.strip()
        if len(text) > HEADING_MAX or not _numbered(text):
            continue
        for j in range(nxt, len(parts)):
            number, _, name = parts[j].title.partition("、")
            head, _, rest = text.partition("、")
            if head == number and similarity(norm(rest), norm(name)) >= HEADING_MIN_SIMILARITY:
                out[id(p)] = parts[j].id
                nxt = j + 1
                break
    return out


def _closing(paras: list[Para], lay: Layout) -> list[Para]:
    """Take the date (and the unit name above it) off the end of the last part."""
    for k in range(len(paras) - 1, max(len(paras) - 6, -1), -1):
        if DATE.match(paras[k].text.strip()):
            lay.signed = paras[k].text.strip()
            end = k
            if k >= 1 and _unit_like(paras[k - 1].text):
                lay.closing_unit = paras[k - 1].text.strip()
                end = k - 1
            return paras[:end]
    lay.issues.append(ImportIssue("warning", "no-date", "报告末尾没有找到落款日期"))
    return paras


def _unit_like(text: str) -> bool:
    t = text.strip()
    return 2 <= len(t) <= 40 and t[-1] not in _END_PUNCT and t not in _NOT_A_UNIT


def _check_identity(lay: Layout) -> None:
    if lay.title.para is None:
        lay.issues.append(
            ImportIssue(
                "error" if not lay.closing_unit else "warning",
                "no-title",
                "没有找到报告标题（如“××单位2020年政府信息公开工作年度报告”），"
                + (
                    "单位名称取自落款，报告年度未知"
                    if lay.closing_unit
                    else "单位名称和报告年度未知"
                ),
            )
        )
    closing = norm(lay.closing_unit)
    if lay.title.unit and closing and closing != norm(lay.title.unit):
        lay.issues.append(
            ImportIssue(
                "info",
                "unit-name",
                f"落款单位“{lay.closing_unit}”与标题中的“{lay.title.unit}”不同，单位名称采用标题中的写法",
            )
        )
