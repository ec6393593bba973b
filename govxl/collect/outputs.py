"""What ``govxl collect`` leaves in the output folder: 审核结果.xlsx and findings.json.

Everything a unit wrote is written as a string cell: a unit name or message starting with ``=``
must never become a formula in a workbook the whole district opens.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from xlsxwriter.workbook import Workbook

from govxl.check.findings import CATALOGUE
from govxl.collect.cache import write_cache
from govxl.collect.run import CollectReport
from govxl.collect.status import Status, Use
from govxl.fileio import atomic_open, atomic_write, ensure_dir
from govxl.forms import load_form
from govxl.template.sheetxml import dimension, rows_xml, style
from govxl.template.writer import patch_workbook

RESULTS = "审核结果.xlsx"
FINDINGS = "findings.json"
STATUS_COLOURS = {
    Status.PASSED: "#C6EFCE",
    Status.WARNED: "#FFEB9C",
    Status.FAILED: "#FFC7CE",
    Status.UNREADABLE: "#FFC7CE",
    Status.MISSING: "#D9D9D9",
}


def write_outputs(report: CollectReport, out: Path) -> list[Path]:
    ensure_dir(out)  # a file in the way is an OutputError (exit 2), not a traceback
    results = out / RESULTS
    atomic_write(results, results_workbook(report))
    findings = out / FINDINGS
    with atomic_open(findings) as fh:
        for chunk in report.json_chunks():
            fh.write(chunk.encode("utf-8"))
    write_cache(
        (
            (f.relative, f.sha256, f.ret)
            for f in report.files
            if f.use == Use.USED and f.ret is not None and f.ret.kind == "return"
        ),
        out,
    )
    return [results, findings]


def results_workbook(report: CollectReport) -> bytes:
    buf = io.BytesIO()
    wb = Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    head = wb.add_format(
        {
            "bold": True,
            "bg_color": "#DDEBF7",
            "border": 1,
            "text_wrap": True,
            "font_name": "宋体",
            "valign": "vcenter",
        }
    )
    cell = wb.add_format({"border": 1, "text_wrap": True, "font_name": "宋体", "valign": "top"})
    # one Format per colour: XlsxWriter gives a style index to only one of two equal formats
    by_colour = {
        c: wb.add_format({"border": 1, "font_name": "宋体", "bg_color": c, "bold": True})
        for c in dict.fromkeys(STATUS_COLOURS.values())
    }
    colours = {s: by_colour[c] for s, c in STATUS_COLOURS.items()}
    ws = wb.add_worksheet("报送进度")
    cols: tuple[str, ...] = (
        "单位代码",
        "单位名称",
        "上级代码",
        "状态",
        "强制问题",
        "未说明的核实问题",
        "已说明的核实问题",
        "提示",
        "文件",
        "sha256",
        "收到时间",
        "来源",
        "采用依据",
    )
    widths: tuple[int, ...] = (12, 24, 10, 10, 9, 10, 10, 7, 36, 20, 22, 10, 40)
    _table(ws, head, cols, widths)
    n, n_progress_cols = len(report.units), len(cols)
    ws.autofilter(0, 0, max(n, 1), len(cols) - 1)
    # The totals line, each status in its colour (which also gives every colour its style
    # index for the streamed rows above it).
    ws.write_string(n + 2, 0, "合计", cell)
    for j, (status, count) in enumerate(report.stats().items(), 1):
        ws.write_string(n + 2, j, f"{status.zh} {count}", colours.get(status, cell))

    def progress_rows() -> Iterator[tuple[object, ...]]:
        for u in report.units:
            yield (
                u.code,
                u.name,
                u.parent or "",
                u.status.zh,
                u.errors,
                u.warnings,
                u.explained,
                u.infos,
                u.file,
                u.sha256[:16],
                u.received,
                "导入报告" if u.imported else "",
                u.reason,
            )

    ws = wb.add_worksheet("问题清单")
    cols = (
        "文件",
        "单位",
        "类别",
        "问题",
        "工作表",
        "单元格",
        "行",
        "列",
        "填写的值",
        "应为",
        "说明",
        "已说明",
        "代码",
        "规则",
    )
    widths = (30, 18, 7, 16, 12, 8, 28, 14, 12, 12, 60, 7, 16, 14)
    _table(ws, head, cols, widths)
    n_findings = sum(len(fr.findings) for fr in report.files)
    ws.autofilter(0, 0, max(n_findings, 1), len(cols) - 1)

    def finding_rows() -> Iterator[tuple[object, ...]]:
        for fr in report.files:
            for f in fr.findings:
                yield (
                    fr.relative,
                    f.unit or fr.unit_name,
                    f.severity.zh,
                    f.title,
                    f.sheet,
                    f.cell,
                    f.row_label,
                    f.column_label,
                    f.value,
                    f.expected,
                    f.message,
                    "是" if f.explained else "",
                    f.code,
                    f.rule,
                )

    ws = wb.add_worksheet("规则说明")
    _table(ws, head, ("代码", "类别", "名称", "说明"), (18, 8, 24, 70))
    row = 1
    for kind in CATALOGUE.values():
        for j, v in enumerate((kind.code, kind.severity.zh, kind.title, kind.description)):
            _write(ws, row, j, v, cell)
        row += 1
    forms = sorted({fr.ret.form.id for fr in report.files if fr.ret})
    for form_id in forms:
        form = load_form(form_id)
        row += 1
        ws.write_string(row, 0, f"{form.id} 的校验规则", head)
        row += 1
        for rule in form.rules:
            for j, v in enumerate((rule.id, rule.severity.zh, rule.title, rule.message)):
                _write(ws, row, j, v.replace("（{lhs}）", "").replace("（{rhs}）", ""), cell)
            row += 1
    wb.close()
    # the two long lists, streamed into their sheets as XML (govxl.template.sheetxml); styles are
    # known now that XlsxWriter has closed the workbook
    plain = style(cell)
    by_status = {s.zh: style(f) for s, f in colours.items()}

    def progress_styles(row: Sequence[object]) -> list[int]:
        return [plain] * 3 + [by_status.get(str(row[3]), plain)] + [plain] * 9

    rows = {
        "xl/worksheets/sheet1.xml": (
            rows_xml(progress_rows(), 1, progress_styles),
            dimension(1, n + 2, n_progress_cols),
        ),
        "xl/worksheets/sheet2.xml": (
            rows_xml(finding_rows(), 1, [plain] * 14),
            dimension(1, n_findings, 14),
        ),
    }
    return patch_workbook(buf.getvalue(), rows)


def _table(ws, head, cols, widths) -> None:
    for j, (c, w) in enumerate(zip(cols, widths, strict=True)):
        ws.write_string(0, j, c, head)
        ws.set_column(j, j, w)
    ws.freeze_panes(1, 0)


def _write(ws, row: int, col: int, value: object, fmt) -> None:
    if isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "", fmt)
    elif isinstance(value, int):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, "" if value is None else str(value), fmt)
