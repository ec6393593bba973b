"""The frame of a report: its title (unit and year), the text of each part, the closing lines.

The part headings are found in the token stream (by title, whatever number the report gives
them, also in the middle of a crawler's one-line copy); the text of a part is the source between
its heading and the next. The title is the last line before the body that names a year and says
报告 — pages put other reports' titles in their navigation first, and metadata lines
(“标题：”, “发布日期：”) before it. The closing — the unit and a date at the very end — is taken
off the last part. Text cut at the page width (PDF) is joined back into paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govxl.forms import Form
from govxl.importer.normal import CELL, norm
from govxl.importer.source import ImportIssue
from govxl.importer.tokens import Doc, Token

TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年\s*度?")
PERIOD = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起\s*)?至")
_META = re.compile(r"^\s*(?:标\s*题|题\s*名|名\s*称|索\s*引\s*号)\s*[:：]\s*")
_DIGITS = "0-9０-９〇零一二三四五六七八九十○Ｏ"
DATE = re.compile(rf"[{_DIGITS}]{{4}}\s*年\s*[{_DIGITS}]{{1,3}}\s*月\s*[{_DIGITS}]{{1,3}}\s*日")
_END_PUNCT = "。；;，,：:！!？?"
_NOT_A_UNIT = {"无", "暂无", "没有", "无。"}
_NEW_PARA = re.compile(
    r"^\s{2,}|^[（(]?[一二三四五六七八九十\d]+[)）、.．]|^[一二三四五六七八九十]是"
)


@dataclass
class Layout:
    unit: str = ""
    year: int | None = None
    title: str = ""
    texts: dict[str, str] = field(default_factory=dict)
    signed: str = ""
    closing_unit: str = ""
    issues: list[ImportIssue] = field(default_factory=list)


def find_layout(form: Form, doc: Doc, parts: list[tuple[str, Token]], *, joined: bool) -> Layout:
    lay = Layout()
    body_start = parts[0][1].start if parts else len(doc.text)
    _title(doc, body_start, lay)
    found = {p for p, _ in parts}
    missing = [p.title for p in form.parts if p.id not in found]
    order = [p.id for p in form.parts]
    ranks = [order.index(p) for p, _ in parts]
    if ranks != sorted(ranks):
        shown = "、".join(p.split("、")[0] for p in (_title_of(form, pid) for pid, _ in parts))
        lay.issues.append(
            ImportIssue(
                "warning",
                "section-order",
                f"报告各部分的顺序为“{shown}”，与年度报告格式规定的一至六的顺序不同",
            )
        )
    if missing:
        lay.issues.append(
            ImportIssue(
                "warning",
                "section-missing",
                f"没有找到部分标题“{'”“'.join(missing)}”，相应部分的文字可能未导入",
            )
        )
    spans = [
        (pid, tok.end, nxt.start) for (pid, tok), (_, nxt) in zip(parts, parts[1:], strict=False)
    ]
    if parts:
        spans.append((parts[-1][0], parts[-1][1].end, len(doc.text)))
    text_parts = {p.id for p in form.parts if p.kind == "text"}
    for k, (pid, a, b) in enumerate(spans):
        paras = _paragraphs(doc.text[a:b], joined)
        if k == len(spans) - 1:  # the closing follows the last part, whichever it is
            paras = _closing(paras, lay)
        if pid in text_parts and pid not in lay.texts:
            lay.texts[pid] = "\n".join(paras)
    if not spans:
        _closing(_paragraphs(doc.text[body_start:], joined), lay)
    if lay.year is None:
        m = PERIOD.search(doc.text)
        if m:
            lay.year = int(m.group(1))
    _check_identity(lay)
    return lay


def _title_of(form: Form, part_id: str) -> str:
    return next(p.title for p in form.parts if p.id == part_id)


def _title(doc: Doc, body_start: int, lay: Layout) -> None:
    """The title: the last line before the body that names a year and says 报告 — or two lines
    that do together, as a PDF prints a long title (…人民政府2025年政府信息公开 / 工作年度报告)."""
    head = doc.text[:body_start].replace(CELL, " ")
    lines = [_META.sub("", line).strip() for line in head.split("\n")[:200]]
    lines = [line for line in lines if line]
    for k, text in enumerate(lines):
        if _is_title(text):
            _take_title(text, lay)
        elif "报告" not in text and k + 1 < len(lines) and _is_title(text + lines[k + 1]):
            _take_title(text + lines[k + 1], lay)


def _is_title(text: str) -> bool:
    if len(text) > 80:
        return False
    return bool(TITLE_YEAR.search(text) and "报告" in text) or "政府信息公开工作年度报告" in text


def _take_title(text: str, lay: Layout) -> None:
    m = TITLE_YEAR.search(text)
    if m and "报告" in text:
        lay.title = text
        lay.year = int(m.group(1))
        unit = text[: m.start()].strip(' 《》“”"')
        if not unit:
            unit = text[m.end() :].split("政府信息公开")[0].strip(' 《》“”"')
        lay.unit = unit
    else:  # the year only in the text
        lay.title, lay.year = text, None
        lay.unit = text.split("政府信息公开")[0].strip(' 《》“”"')


def _paragraphs(text: str, joined: bool) -> list[str]:
    lines = [line.replace(CELL, " ").rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        s = line.strip()
        if not s:
            continue
        if joined and out and not _NEW_PARA.match(line) and out[-1][-1] not in "。！？；：:”":
            out[-1] += s
        else:
            out.append(s)
    return out


def _closing(paras: list[str], lay: Layout) -> list[str]:
    """Take the date (and the unit name before it) off the end of the last part."""
    for k in range(len(paras) - 1, max(len(paras) - 6, -1), -1):
        text = paras[k].strip()
        m = DATE.search(text)
        if not m or m.end() != len(text):
            continue
        lay.signed = m.group(0)
        before = text[: m.start()].strip()
        cut = max(before.rfind(p) for p in "。；;！!")
        unit = before[cut + 1 :].strip()
        if unit and len(unit) <= 40 and unit[-1] not in _END_PUNCT:
            lay.closing_unit = unit  # “……无。某局2024年1月15日”, a one-line copy
            rest = before[: cut + 1]
            return [*paras[:k], rest] if rest else paras[:k]
        if before:
            return [*paras[:k], before]
        if k >= 1 and _unit_like(paras[k - 1]):
            lay.closing_unit = paras[k - 1].strip()
            return paras[: k - 1]
        return paras[:k]
    lay.issues.append(ImportIssue("warning", "no-date", "报告末尾没有找到落款日期"))
    return paras


def _unit_like(text: str) -> bool:
    t = text.strip()
    return 2 <= len(t) <= 40 and t[-1] not in _END_PUNCT and t not in _NOT_A_UNIT


def _check_identity(lay: Layout) -> None:
    if not lay.title:
        lay.issues.append(
            ImportIssue(
                "error" if not lay.closing_unit else "warning",
                "no-title",
                "没有找到报告标题（如“××单位2020年政府信息公开工作年度报告”），"
                + ("单位名称取自落款" if lay.closing_unit else "单位名称未知")
                + ("" if lay.year else "，报告年度未知"),
            )
        )
    if not lay.unit:
        lay.unit = lay.closing_unit
    closing = norm(lay.closing_unit)
    if lay.unit and closing and closing != norm(lay.unit):
        lay.issues.append(
            ImportIssue(
                "info",
                "unit-name",
                f"落款单位“{lay.closing_unit}”与标题中的“{lay.unit}”不同，单位名称采用标题中的写法",
            )
        )
