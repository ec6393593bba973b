"""What a third-party evaluator checks in a report, beyond the arithmetic of its tables.

The 2021 notice (国办公开办函〔2021〕30号) and the evaluations of published reports name them:
figures in the text that the tables contradict (“共受理申请859件” against table 三), parts
五 and 六 left empty, fees in the tables that 六 does not report, an outdated table layout for
the year, and text copied from last year's report (内容雷同). Each needs only a ``Return`` —
its texts, figures, form and year — so they run the same on a workbook's 文字部分 and on an
imported report; ``previous`` (last year's return) adds the copied-text check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from govxl.check.findings import Finding, finding
from govxl.forms import Form
from govxl.forms.compute import Value, is_number
from govxl.forms.layout import a1
from govxl.forms.returns import Return
from govxl.forms.workbook import SHEET_TEXT, text_cells

SIMILAR = 0.8
"""Share of a part's 5-character pieces found in last year's same part: above it, copied."""
SIMILAR_MIN_CHARS = 60
"""Shorter parts (“无。”) say too little to be copies."""
SHINGLE = 5
EMPTY = {"", "无", "无。", "暂无", "暂无。", "/", "—"}
FEE_WORDS = ("信息处理费", "收费", "缴纳费用", "缴费")


@dataclass(frozen=True)
class Claim:
    """A figure the text states, and the cells of the tables that say the same thing."""

    pattern: re.Pattern[str]
    cells: tuple[str, ...]
    what: str


def _claim(words: str, cells: tuple[str, ...], what: str) -> Claim:
    return Claim(re.compile(words + r"[^，。；,;0-9]{0,8}?(\d+)\s*件"), cells, what)


def _rows(form: Form, prefix: str) -> tuple[str, ...]:
    return tuple(
        c.id for c in form.table_cells("t3") if c.column == "total" and c.row.startswith(prefix)
    )


def claims(form: Form) -> list[Claim]:
    """The statements a report's text makes about its tables, for this form's cells."""
    have = set(form.cells)
    found = [
        _claim(
            r"(?:本年(?:度)?)?(?:共)?(?:新收|收到|受理)[^，。；]{0,12}?申请",
            ("t3.r1.total",),
            "本年新收申请",
        ),
        _claim(r"上年结转[^，。；]{0,10}?", ("t3.r2.total",), "上年结转申请"),
        _claim(r"予以公开", ("t3.r3_1.total",), "予以公开"),
        _claim(r"部分公开", ("t3.r3_2.total",), "部分公开"),
        _claim(r"不予公开", _rows(form, "r3_3_"), "不予公开"),
        _claim(r"无法提供", _rows(form, "r3_4_"), "无法提供"),
        _claim(r"不予处理", _rows(form, "r3_5_"), "不予处理"),
        _claim(r"结转下年度?[^，。；]{0,6}?", ("t3.r4.total",), "结转下年度继续办理"),
        _claim(r"行政复议", ("t4.cases.review_total",), "行政复议"),
        _claim(r"行政诉讼", ("t4.cases.suit_total", "t4.cases.after_total"), "行政诉讼"),
    ]
    return [c for c in found if c.cells and set(c.cells) <= have]


UPHELD = re.compile(r"(?:行政)?复议[^。；]{0,12}?(?:均|全部)(?:被|获|予以)?维持")
NONE_OF = re.compile(r"(?:未(?:发生|收到)|没有|无)[^。；，]{0,12}?(行政复议|行政诉讼)")


def evaluate(
    ret: Return, *, previous: Return | None = None, published: bool = False, file: str = ""
) -> list[Finding]:
    """The evaluator's checks on one return; ``previous`` adds 内容雷同 (copied text).

    A ``published`` report (imported) is checked whole. A workbook's 文字部分 is checked once
    the unit has written some of it (a unit that leaves it all to the district is not told
    五 is empty), and its form against the year is collect's ``wrong-form``. A summary of
    several units has no text of its own."""
    if ret.kind == "summary":
        return []
    written = any((ret.texts.get(p.id) or "").strip() for p in ret.form.parts if p.kind == "text")
    out = list(text_against_tables(ret, file))
    if published or written:
        out += required_content(ret, file)
    if published:
        out += outdated_layout(ret, file)
    if previous is not None:
        out += copied_text(ret, previous, file)
    return out


def _where(ret: Return, part_id: str) -> dict[str, str]:
    cells = text_cells(ret.form)
    title = next((p.title for p in ret.form.parts if p.id == part_id), part_id)
    place = {"sheet": SHEET_TEXT, "row_label": title}
    if part_id in cells:
        place["cell"] = a1(*cells[part_id])
    return place


def _text_parts(ret: Return) -> Iterator[tuple[str, str]]:
    for part in ret.form.parts:
        if part.kind == "text":
            yield part.id, ret.texts.get(part.id) or ""


def _sum(values: dict[str, Value], cells: tuple[str, ...]) -> int | None:
    numbers = [values.get(c) for c in cells]
    if not all(isinstance(v, int | Decimal) for v in numbers):
        return None
    return sum(int(v) for v in numbers if isinstance(v, int | Decimal))


def text_against_tables(ret: Return, file: str = "") -> Iterator[Finding]:
    """Figures stated in the text that the tables contradict."""
    values = ret.all_values()
    for part_id, text in _text_parts(ret):
        for claim in claims(ret.form):
            table = _sum(values, claim.cells)
            for m in claim.pattern.finditer(text):
                stated = int(m.group(1))
                if table is None or stated == table:
                    continue
                yield finding(
                    "text-vs-tables",
                    f"文字中写“{m.group(0)}”，而表格中“{claim.what}”为 {table} 件，两者不一致，"
                    "请核对文字或表格。",
                    value=str(stated),
                    expected=str(table),
                    file=file,
                    **_where(ret, part_id),
                )
        yield from _worded(ret, values, part_id, text, file)


def _worded(
    ret: Return, values: dict[str, Value], part_id: str, text: str, file: str
) -> Iterator[Finding]:
    """“复议均获维持” with cases pending or corrected; “未发生行政复议” with cases."""
    review = [values.get(f"t4.cases.review_{k}") for k in ("corrected", "other", "pending")]
    m = UPHELD.search(text)
    if m and any(is_number(v) and v > 0 for v in review):  # type: ignore[operator]
        yield finding(
            "text-vs-tables",
            f"文字中写“{m.group(0)}”，而表四行政复议有结果纠正、其他结果或尚未审结的案件，"
            "两者不一致，请核对。",
            file=file,
            **_where(ret, part_id),
        )
    for m in NONE_OF.finditer(text):
        cells = ("review_total",) if m.group(1) == "行政复议" else ("suit_total", "after_total")
        total = _sum(values, tuple(f"t4.cases.{c}" for c in cells))
        if total:
            yield finding(
                "text-vs-tables",
                f"文字中写“{m.group(0)}”，而表四中{m.group(1)}共 {total} 件，两者不一致，请核对。",
                value="0",
                expected=str(total),
                file=file,
                **_where(ret, part_id),
            )


def required_content(ret: Return, file: str = "") -> Iterator[Finding]:
    """五 and 六 written; fees the tables show reported in 六."""
    texts = dict(_text_parts(ret))
    for part_id in ("p5", "p6"):
        if part_id in texts and "".join(texts[part_id].split()) in EMPTY - (
            {"无", "无。"} if part_id == "p6" else set()
        ):
            title = next(p.title for p in ret.form.parts if p.id == part_id)
            yield finding(
                "section-empty",
                f"“{title}”没有内容。年度报告的这一部分不能空缺，请补写。",
                file=file,
                **_where(ret, part_id),
            )
    unpaid = ret.all_values().get("t3.r3_6_2.total")
    if "p6" in texts and is_number(unpaid) and unpaid > 0:  # type: ignore[operator]
        if not any(w in texts["p6"] for w in FEE_WORDS):
            yield finding(
                "fees-not-reported",
                f"表三中有 {unpaid} 件因申请人逾期未缴纳费用而不再处理的申请，"
                "说明本年收取过信息处理费，但“六、其他需要报告的事项”中没有说明信息处理费的收取情况，请补充。",
                value=str(unpaid),
                file=file,
                **_where(ret, "p6"),
            )


def outdated_layout(ret: Return, file: str = "") -> Iterator[Finding]:
    """A report for a year its form does not cover (the 2019 tables in a 2023 report)."""
    form = ret.form
    if ret.year is not None and not form.covers(ret.year):
        span = f"{form.first_year}–{form.last_year or ''}"
        yield finding(
            "outdated-layout",
            f"{ret.year} 年度的报告使用了“{form.title}”（适用于 {span} 年度），表格模板已过时，"
            "请改用现行格式。",
            value=form.id,
            file=file,
        )


def _shingles(text: str) -> set[str]:
    flat = "".join(text.split())
    return {flat[k : k + SHINGLE] for k in range(len(flat) - SHINGLE + 1)}


def similarity(text: str, before: str) -> float:
    """Share of this text's 5-character pieces that last year's text has too."""
    now, then = _shingles(text), _shingles(before)
    return len(now & then) / len(now) if now else 0.0


def copied_text(ret: Return, previous: Return, file: str = "") -> Iterator[Finding]:
    """内容雷同: a part that is mostly last year's same part."""
    for part_id, text in _text_parts(ret):
        before = previous.texts.get(part_id) or ""
        if len("".join(text.split())) < SIMILAR_MIN_CHARS or not before:
            continue
        share = similarity(text, before)
        if share >= SIMILAR:
            title = next(p.title for p in ret.form.parts if p.id == part_id)
            yield finding(
                "copied-text",
                f"“{title}”与上一年度报告的同一部分雷同（{share:.0%} 的内容相同），"
                "年度报告应如实反映本年度情况，请重新撰写。",
                value=f"{share:.2f}",
                expected=f"< {SIMILAR:.2f}",
                file=file,
                **_where(ret, part_id),
            )
