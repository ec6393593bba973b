"""The summary workbook: the official tables as live SUMs over 明细, plus who is in it.

Built with the same ``Builder`` as a unit's template, so its tables look the same and pass the
same rules; its figures are formulas over the 明细 sheet with their true values cached, so Excel,
WPS and LibreOffice show the right numbers at once and every figure leads to its units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from govxl.fileio import atomic_write
from govxl.forms.layout import layout
from govxl.forms.workbook import SHEET_STATUS, STATUS_COLUMNS
from govxl.merge.detail import sum_formula, write_detail
from govxl.merge.run import MergeResult
from govxl.template.builder import page_setup
from govxl.template.sheetxml import dimension, row_height, rows_xml, style
from govxl.template.writer import Builder, render

STATUS_SHEET = SHEET_STATUS
ISSUES_SHEET = "审核问题"
TEXTS_SHEET = "文字汇编"
UNCHECKED = "注意：本汇总包含未通过审核的报表数据（汇总时选择了包含未通过的报表），数字未经核实。"
NAMES_SHOWN = 10
"""Units named in the coverage line; more are counted ("等 N 个")."""


def coverage(result: MergeResult) -> str:
    """What the summary covers, where it is read and printed: 本表汇总 8 个单位，应报 12 个，
    未报送 4 个（甲、乙、丙、丁）。"""
    text = f"本表汇总 {len(result.rows)} 个单位"
    missing, left = result.missing, result.left_out
    if result.roster is None and not missing and not left:
        return text + "。"  # who should have reported is not known
    text += f"，应报 {len(result.rows) + len(missing) + len(left)} 个"
    if not missing and not left:
        return text + "，全部汇总。"
    if missing:
        text += f"，未报送 {len(missing)} 个（{_names([u.name for u in missing])}）"
    if left:
        text += f"，未通过审核未汇总 {len(left)} 个（{_names([x.name or x.file for x in left])}）"
    return text + "。"


def _names(names: list[str]) -> str:
    shown = "、".join(names[:NAMES_SHOWN])
    return shown + (f"等 {len(names)} 个" if len(names) > NAMES_SHOWN else "")


def summary_bytes(result: MergeResult, *, generated: datetime | None = None) -> bytes:
    form = result.summary.form
    n = len(result.rows)
    covers = coverage(result)

    def prepare(b: Builder) -> None:
        b.coverage = covers
        b.sign_text = f"汇总单位：{result.summary.unit_name}　　{covers}"

    def extra(b: Builder) -> None:
        write_detail(b, form, result.rows, result.summary.year)
        _status_sheet(b, result)
        _issues_sheet(b, result)
        _texts_sheet(b, result)
        if result.unchecked:
            for table in form.tables:
                ws = b.wb.get_worksheet_by_name(table.sheet)
                assert ws is not None
                ws.set_header(f'&C&"宋体,Bold"&12 {UNCHECKED}')
                lay = layout(form, table.id, result.summary.year)
                ws.write_string(lay.last_row + 2, 0, UNCHECKED, b.fmt["status"])

    return render(
        result.summary,
        generated=generated,
        input_hook=lambda cid: sum_formula(form, cid, n),
        extra=extra,
        prepare=prepare,
        compress_level=1,  # a third of level 6's time; the file is a fifth larger
    )


def write_summary(result: MergeResult, out: Path, *, generated: datetime | None = None) -> Path:
    atomic_write(out, summary_bytes(result, generated=generated))
    return out


def _sheet(b: Builder, name: str, cols: tuple[tuple[str, int], ...], heading: str):
    """A list sheet: header row, widths, A4 landscape one page wide, the header on every page."""
    ws = b.wb.add_worksheet(name)
    for j, (h, w) in enumerate(cols):
        ws.write_string(0, j, h, b.fmt["header"])
        ws.set_column(j, j, w)
    ws.set_row(0, row_height([h for h, _ in cols], [w for _, w in cols], 11))
    ws.freeze_panes(1, 0)
    page_setup(ws, landscape=True, header_left=b.ret.unit_name, title=name, heading=heading)
    ws.repeat_rows(0)
    return ws


def _streamed(
    b: Builder,
    sheet: str,
    rows: Callable[[], Iterable[Sequence[object]]],
    n: int,
    formats: Sequence[Any],
    widths: Sequence[float],
) -> None:
    """The sheet's data rows, from row 2, rendered as XML when the workbook closes (a city's
    thousand units would otherwise cost XlsxWriter a few microseconds a cell), each row as tall
    as its wrapped text."""
    b.row_patches[sheet] = lambda: (
        rows_xml(rows(), 1, [style(f) for f in formats], widths),
        dimension(1, n, len(formats)),
    )


STATUS_COLS = tuple(zip(STATUS_COLUMNS, (12, 26, 10, 48, 36), strict=True))


def _status_sheet(b: Builder, result: MergeResult) -> None:
    ws = _sheet(b, STATUS_SHEET, STATUS_COLS, "各单位报送和汇总情况")

    def rows() -> Iterator[tuple[str, ...]]:
        for c in result.rows:
            how = f"经由 {c.member.via} 汇总" if c.member.via else ""
            yield c.member.code, c.member.name, "已汇总", how, c.member.file
        for lo in result.left_out:
            yield lo.code, lo.name, "未汇总", lo.reason, lo.file
        for u in result.missing:
            yield u.code, u.name, "未报送", f"属 {u.parent_code}" if u.parent_code else "", ""

    n = len(result.rows) + len(result.left_out) + len(result.missing)
    widths = [w for _, w in STATUS_COLS]
    _streamed(b, STATUS_SHEET, rows, n, [b.fmt["fixed"]] * len(STATUS_COLS), widths)
    ws.autofilter(0, 0, max(n, 1), len(STATUS_COLS) - 1)
    b.protect(ws)


ISSUES_COLS = (("单位", 20), ("类别", 6), ("位置", 30), ("问题", 56), ("单位的说明", 24))


def _issues_sheet(b: Builder, result: MergeResult) -> None:
    ws = _sheet(b, ISSUES_SHEET, ISSUES_COLS, "汇总单位的核实问题")

    def rows() -> Iterator[tuple[str, ...]]:
        for f in result.carried:
            why = "（已在“说明”表中说明）" if f.explained else ""
            yield f.unit, f.severity.zh, f.where, f.message, why

    formats = [b.fmt["fixed"]] * len(ISSUES_COLS)
    widths = [w for _, w in ISSUES_COLS]
    _streamed(b, ISSUES_SHEET, rows, len(result.carried), formats, widths)
    b.protect(ws)


TEXTS_COLS = (("单位代码", 10), ("单位名称", 20), ("部分", 16), ("内容", 86))


def _texts_sheet(b: Builder, result: MergeResult) -> None:
    """Each unit's texts, one row per paragraph: a whole 总体情况 in one cell would be cut at
    the tallest row a spreadsheet allows (409 points), on screen and in print."""
    ws = _sheet(b, TEXTS_SHEET, TEXTS_COLS, "各单位报告正文（第一、五、六部分）汇编")
    parts = [p for p in b.form.parts if p.kind == "text"]

    def rows() -> Iterator[tuple[str, ...]]:
        for member, texts in result.texts:
            for part in parts:
                # streamed as inline strings: a unit's text starting with "=" stays text
                for para in paragraphs(texts.get(part.id, "")) or ("",):
                    yield member.code, member.name, part.title, para

    n = sum(
        max(1, len(paragraphs(texts.get(p.id, "")))) for _, texts in result.texts for p in parts
    )
    formats = [b.fmt["fixed"]] * 3 + [b.fmt["fixed_text_area"]]
    _streamed(b, TEXTS_SHEET, rows, n, formats, [w for _, w in TEXTS_COLS])
    b.protect(ws)


def paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())
