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
from govxl.collect.status import Status, Use, local_time
from govxl.fileio import atomic_open, atomic_write, ensure_dir
from govxl.forms import load_form
from govxl.forms.model import plain_message
from govxl.template.builder import page_setup
from govxl.template.sheetxml import dimension, row_height, rows_xml, style
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
            "default_format_properties": {"font_name": FONT, "font_size": 10.5},
        },
    )
    base = {"font_name": FONT, "font_size": 10.5, "border": 1}
    head = wb.add_format(
        {**base, "bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "vcenter"}
    )
    cell = wb.add_format({**base, "text_wrap": True, "valign": "top"})
    # one Format per colour: XlsxWriter gives a style index to only one of two equal formats
    by_colour = {
        c: wb.add_format({**base, "bg_color": c, "bold": True, "valign": "top"})
        for c in dict.fromkeys(STATUS_COLOURS.values())
    }
    colours = {s: by_colour[c] for s, c in STATUS_COLOURS.items()}
    year = f"{report.year}年度" if report.year else ""

    ws = wb.add_worksheet("报送进度")
    _table(ws, head, PROGRESS, f"{year}政府信息公开工作年度报告报送进度", landscape=True)
    n = len(report.units)
    ws.autofilter(0, 0, max(n, 1), len(PROGRESS) - 1)
    # The totals line, each status in its colour (which also gives every colour its style
    # index for the streamed rows above it).
    # One status a line, in the wide 单位名称 column: side by side, the narrow columns cut
    # "无法读取 0" off in print.
    ws.write_string(n + 2, 0, "合计", cell)
    for j, (status, count) in enumerate(report.stats().items()):
        ws.write_string(n + 2 + j, 1, f"{status.zh} {count}", colours.get(status, cell))

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
                u.contact,
                u.phone,
                u.file,
                local_time(u.received),
                "导入报告" if u.imported else "",
                u.reason,
            )

    ws = wb.add_worksheet("问题清单")
    _table(ws, head, PROBLEMS, f"{year}政府信息公开工作年度报告审核问题清单", landscape=True)
    n_findings = sum(len(fr.findings) for fr in report.files)
    ws.autofilter(0, 0, max(n_findings, 1), len(PROBLEMS) - 1)
    titles = _rule_titles(report)

    def finding_rows() -> Iterator[tuple[object, ...]]:
        for fr in report.files:
            for f in fr.findings:
                rule = titles.get(f.rule.split("[")[0], "")
                yield (
                    f.unit or fr.unit_name,
                    f.severity.zh,
                    f.title + (f"：{rule}" if rule else ""),
                    f.where,
                    f.value,
                    f.expected,
                    f.message,
                    "是" if f.explained else "",
                    fr.relative,
                )

    ws = wb.add_worksheet("规则说明")
    _table(ws, head, RULES, "问题类别和校验规则说明", landscape=False)
    row = 1
    for kind in CATALOGUE.values():
        texts = ("", kind.severity.zh, kind.title, kind.description)
        for j, v in enumerate(texts):
            _write(ws, row, j, v, cell)
        ws.set_row(row, row_height(texts, [w for _, w in RULES]))
        row += 1
    forms = sorted({fr.ret.form.id for fr in report.files if fr.ret})
    for form_id in forms:
        form = load_form(form_id)
        row += 1
        ws.merge_range(row, 0, row, len(RULES) - 1, f"{form.title}的校验规则", head)
        row += 1
        for rule in form.rules:
            texts = (rule.id, rule.severity.zh, rule.title, plain_message(rule.message))
            for j, v in enumerate(texts):
                _write(ws, row, j, v, cell)
            ws.set_row(row, row_height(texts, [w for _, w in RULES]))
            row += 1
    wb.close()
    # the two long lists, streamed into their sheets as XML (govxl.template.sheetxml); styles are
    # known now that XlsxWriter has closed the workbook
    plain = style(cell)
    by_status = {s.zh: style(f) for s, f in colours.items()}

    def progress_styles(row: Sequence[object]) -> list[int]:
        return [plain] * 3 + [by_status.get(str(row[3]), plain)] + [plain] * (len(PROGRESS) - 4)

    rows = {
        "xl/worksheets/sheet1.xml": (
            rows_xml(progress_rows(), 1, progress_styles, [w for _, w in PROGRESS]),
            dimension(1, n + 2, len(PROGRESS)),
        ),
        "xl/worksheets/sheet2.xml": (
            rows_xml(finding_rows(), 1, [plain] * len(PROBLEMS), [w for _, w in PROBLEMS]),
            dimension(1, n_findings, len(PROBLEMS)),
        ),
    }
    return patch_workbook(buf.getvalue(), rows)


FONT = "宋体"
PROGRESS = (
    ("单位代码", 10),
    ("单位名称", 22),
    ("上级代码", 8),
    ("状态", 8),
    ("强制问题", 6),
    ("未说明的核实问题", 8),
    ("已说明的核实问题", 8),
    ("提示", 5),
    ("联系人", 8),
    ("联系电话", 14),
    ("文件", 28),
    ("收到时间", 15),
    ("来源", 6),
    ("采用依据", 30),
)
"""报送进度's columns and widths: landscape A4, one page wide for a clerk to chase the late."""
PROBLEMS = (
    ("单位", 16),
    ("类别", 5),
    ("问题", 16),
    ("位置", 24),
    ("填写的值", 9),
    ("应为", 9),
    ("问题和处理意见", 52),
    ("已说明", 5),
    ("文件", 20),
)
RULES = (("规则", 6), ("类别", 6), ("名称", 22), ("说明", 60))


def _rule_titles(report: CollectReport) -> dict[str, str]:
    """Rule id → title, for the forms of the files read: 问题清单 names rules in words."""
    forms = {fr.ret.form.id: fr.ret.form for fr in report.files if fr.ret}
    return {r.id: f"{r.title}（{r.id}）" for f in forms.values() for r in f.rules}


def _table(ws, head, cols, title: str, *, landscape: bool) -> None:
    """Header row, widths, and a print setup: A4, one page wide, the header row on every page,
    the title in the page header and page numbers in the footer."""
    for j, (c, w) in enumerate(cols):
        ws.write_string(0, j, c, head)
        ws.set_column(j, j, w)
    ws.set_row(0, row_height([c for c, _ in cols], [w for _, w in cols]))
    ws.freeze_panes(1, 0)
    page_setup(ws, landscape=landscape, title=ws.name, heading=title)
    ws.repeat_rows(0)


def _write(ws, row: int, col: int, value: object, fmt) -> None:
    if isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "", fmt)
    elif isinstance(value, int):
        ws.write_number(row, col, value, fmt)
    elif value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)
