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
from govxl.merge.detail import sum_formula, write_detail
from govxl.merge.run import MergeResult
from govxl.template.sheetxml import dimension, rows_xml, style
from govxl.template.writer import Builder, render

STATUS_SHEET = "报送情况"
ISSUES_SHEET = "审核问题"
TEXTS_SHEET = "文字汇编"
UNCHECKED = "注意：本汇总包含未通过审核的报表数据（使用了 --include-errors），数字未经核实。"


def summary_bytes(result: MergeResult, *, generated: datetime | None = None) -> bytes:
    form = result.summary.form
    n = len(result.rows)

    def extra(b: Builder) -> None:
        write_detail(b, form, result.rows, result.summary.year)
        _status_sheet(b, result)
        _issues_sheet(b, result)
        _texts_sheet(b, result)
        if result.unchecked:
            for table in form.tables:
                ws = b.wb.get_worksheet_by_name(table.sheet)
                assert ws is not None
                ws.set_header(f'&C&"宋体,Bold"&12{UNCHECKED}')
                lay = layout(form, table.id, result.summary.year)
                ws.write_string(lay.last_row + 2, 0, UNCHECKED, b.fmt["status"])

    return render(
        result.summary,
        generated=generated,
        input_hook=lambda cid: sum_formula(form, cid, n),
        extra=extra,
        compress_level=1,  # a third of level 6's time; the file is a fifth larger
    )


def write_summary(result: MergeResult, out: Path, *, generated: datetime | None = None) -> Path:
    atomic_write(out, summary_bytes(result, generated=generated))
    return out


def _sheet(b: Builder, name: str, heads: tuple[str, ...], widths: tuple[int, ...]):
    ws = b.wb.add_worksheet(name)
    for j, (h, w) in enumerate(zip(heads, widths, strict=True)):
        ws.write_string(0, j, h, b.fmt["header"])
        ws.set_column(j, j, w)
    ws.freeze_panes(1, 0)
    return ws


def _streamed(
    b: Builder,
    sheet: str,
    rows: Callable[[], Iterable[Sequence[object]]],
    n: int,
    formats: Sequence[Any],
) -> None:
    """The sheet's data rows, from row 2, rendered as XML when the workbook closes (a city's
    thousand units would otherwise cost XlsxWriter a few microseconds a cell)."""
    b.row_patches[sheet] = lambda: (
        rows_xml(rows(), 1, [style(f) for f in formats]),
        dimension(1, n, len(formats)),
    )


def _status_sheet(b: Builder, result: MergeResult) -> None:
    heads = ("单位代码", "单位名称", "汇总情况", "说明", "文件", "sha256")
    ws = _sheet(b, STATUS_SHEET, heads, (12, 24, 10, 50, 36, 20))

    def rows() -> Iterator[tuple[str, ...]]:
        for c in result.rows:
            how = f"经由 {c.member.via} 汇总" if c.member.via else ""
            yield (c.member.code, c.member.name, "已汇总", how, c.member.file, c.member.sha256[:16])
        for lo in result.left_out:
            yield lo.code, lo.name, "未汇总", lo.reason, lo.file, ""
        for u in result.missing:
            yield u.code, u.name, "未报送", "", "", ""

    n = len(result.rows) + len(result.left_out) + len(result.missing)
    _streamed(b, STATUS_SHEET, rows, n, [b.fmt["fixed"]] * len(heads))
    ws.autofilter(0, 0, max(n, 1), len(heads) - 1)
    b._protect(ws)


def _issues_sheet(b: Builder, result: MergeResult) -> None:
    heads = ("单位", "类别", "位置", "问题", "单位的说明")
    ws = _sheet(b, ISSUES_SHEET, heads, (20, 8, 30, 60, 50))

    def rows() -> Iterator[tuple[str, ...]]:
        for f in result.carried:
            why = "（已在“说明”表中说明）" if f.explained else ""
            yield f.unit, f.severity.zh, f.where, f.message, why

    _streamed(b, ISSUES_SHEET, rows, len(result.carried), [b.fmt["fixed"]] * len(heads))
    b._protect(ws)


def _texts_sheet(b: Builder, result: MergeResult) -> None:
    parts = [p for p in b.form.parts if p.kind == "text"]
    ws = _sheet(
        b,
        TEXTS_SHEET,
        ("单位代码", "单位名称", *[p.title for p in parts]),
        (12, 20, *[60] * len(parts)),
    )

    def rows() -> Iterator[tuple[str, ...]]:
        for member, texts in result.texts:
            # streamed as inline strings: a unit's text starting with "=" stays text
            yield member.code, member.name, *[texts.get(p.id, "") for p in parts]

    formats = [b.fmt["fixed"]] * 2 + [b.fmt["fixed_text_area"]] * len(parts)
    _streamed(b, TEXTS_SHEET, rows, len(result.texts), formats)
    b._protect(ws)
