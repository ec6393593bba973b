"""Annotated copies for the units: their own workbook, what is wrong marked, a comment on each.

The copy is made from the bytes govxl already read and checked (sizes and XML guarded), goes to
``OUT/退回/``, and keeps the template's protection, so the unit can correct it and send it again.
The marks clear as the unit corrects (:mod:`govxl.collect.marks`): the corrected copy is a return
like any other, and passes. The copy is the unit's to read: each finding in the words meant for
the unit (``Finding.unit_message``), not the office's advice about its inbox. The original in
the inbox is never touched.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.header_footer import HeaderFooterItem, _HeaderFooterPart
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from govxl.collect.marks import FILLS, Mark, check_cells, mark_for, operand_marks
from govxl.collect.run import CollectReport, FileResult
from govxl.collect.status import Status, local_time
from govxl.fileio import OutputError, atomic_write
from govxl.forms.workbook import SHEET_ID
from govxl.reader import ReadError, read_bytes
from govxl.roster import safe_filename
from govxl.template.sheetxml import lines_needed

FEEDBACK_DIR = "退回"
SHEET = "审核意见"
FONT = "宋体"
AUTHOR = "审核意见"
HEADS = ("序号", "类别", "位置", "问题和处理意见", "现状")
WIDTHS = (5, 6, 30, 70, 8)
FIRST = 5
"""Row (1-based) of the first finding on the 审核意见 sheet: title, unit, advice, header above."""
ADVICE = (
    "请按下表逐项修改后保存，按原方式重新报送。改正后，标红（强制，必须改正）和标黄（核实）的"
    "单元格会恢复原样，“现状”一栏显示“已改正”；核实类问题数字确实无误的，在“说明”表中写明"
    "涉及的规则或单元格及原因即可。"
)


class NoCopy(Exception):
    """Why a unit's file cannot be sent back annotated (Chinese)."""


def write_all(
    report: CollectReport, out: Path, *, now: datetime | None = None
) -> tuple[list[Path], list[tuple[str, str]]]:
    """An annotated copy for every unit that has not passed, and last run's copies of units
    that pass now removed. Returns the copies and, for each file that could not be annotated,
    (file, why): the clerk must send those units their problems another way."""
    by_file = {fr.relative: fr for fr in report.files}
    written: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for u in report.units:
        fr = by_file.get(u.file)
        if fr is None or u.status == Status.PASSED:
            continue
        try:
            written.append(annotate(fr, out, now=now))
        except NoCopy as why:
            skipped.append((fr.relative, str(why)))
    remove_stale(out, [(u.code, u.name) for u in report.units if u.status == Status.PASSED])
    return written, skipped


def write_feedback(fr: FileResult, out: Path, *, now: datetime | None = None) -> Path | None:
    """Write the annotated copy; None for files that cannot be annotated (unreadable, .ods…)."""
    try:
        return annotate(fr, out, now=now)
    except NoCopy:
        return None


def annotate(fr: FileResult, out: Path, *, now: datetime | None = None) -> Path:
    """Write the annotated copy, or raise NoCopy saying why it cannot be made."""
    suffix = fr.path.suffix.lower()
    if fr.ret is None:
        raise NoCopy("文件无法读取，没有可以标注的内容")
    if suffix not in (".xlsx", ".xlsm"):
        kind = "报告" if fr.imported else f"{suffix} 文件"
        raise NoCopy(f"{kind}无法加标注，请把问题清单中该单位的问题另行告知，并请其改用 .xlsx 模板")
    try:
        data = read_bytes(fr.path)
    except ReadError as e:
        raise NoCopy(f"审核后文件已无法读取（{e.message}）") from e
    if hashlib.sha256(data).hexdigest() != fr.sha256:
        # replaced since it was checked: these findings are not about this file
        raise NoCopy("文件在审核之后被改动过，请重新运行 govxl collect")
    wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False)
    marks = _mark_cells(wb, fr)
    if SHEET in wb.sheetnames:
        del wb[SHEET]
    ws = wb.create_sheet(SHEET, 0)
    _opinions(ws, fr, marks, now or datetime.now())
    wb.active = 0
    for each in wb.worksheets:
        # The template opens on its guide sheet, selected; left selected beside the new first
        # sheet, Excel would open the two as a group and copy every keystroke into both.
        each.sheet_view.tabSelected = each is ws
    if SHEET_ID in wb.sheetnames:  # LibreOffice saves it merely hidden: hidden again properly
        wb[SHEET_ID].sheet_state = "veryHidden"
    wb.security = wb.security or WorkbookProtection()
    wb.security.lockStructure = True
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except Exception as e:  # openpyxl spools each sheet through a file in the temp folder
        raise OutputError(
            f"无法生成 {fr.relative} 的退回文件：临时文件夹 {tempfile.gettempdir()} 写入失败"
            "（磁盘已满？）。没有留下不完整的文件。"
        ) from e
    # Named after the unit, not the file: two units may both send "报表.xlsx" (from folders per
    # sender), and one copy must not overwrite the other.
    target = feedback_path(out, fr.unit_code, fr.unit_name, fr.relative)
    atomic_write(target, buf.getvalue())
    return target


def _mark_cells(wb: openpyxl.Workbook, fr: FileResult) -> dict[int, Mark]:
    """Comment and conditionally mark every cell a finding points at; the marks by finding."""
    assert fr.ret is not None
    instances = {i.key: i for i in fr.ret.form.instances}
    checks = check_cells(fr.ret)
    marks: dict[int, Mark] = {}
    notes: dict[tuple[str, str], list[str]] = {}
    for i, f in enumerate(fr.findings):
        if f.sheet not in wb.sheetnames or not f.cell or f.explained:
            continue
        cell = wb[f.sheet][f.cell]
        if type(cell).__name__ == "MergedCell":
            continue
        notes.setdefault((f.sheet, f.cell), []).append(f"【{f.severity.zh}】{f.unit_message}")
        mark = mark_for(fr.ret, f, cell.value, instances, checks)
        if mark is None:
            continue
        marks[i] = mark
        if (f.sheet, f.cell) in checks:  # marked by the template; the figures it reads here
            for each in operand_marks(fr.ret, f, instances):
                _paint(wb, each)
        else:
            _paint(wb, mark)
    for (sheet, where), msgs in notes.items():
        comment = Comment("\n".join(msgs), AUTHOR)
        comment.width, comment.height = 320, 40 + 40 * len(msgs)
        wb[sheet][where].comment = comment
    return marks


def _paint(wb: openpyxl.Workbook, mark: Mark) -> None:
    """A conditional fill by severity (a 提示 gets none: its comment is note enough)."""
    fill = FILLS.get(mark.severity)
    if fill:
        wb[mark.sheet].conditional_formatting.add(
            mark.cell,
            FormulaRule(
                formula=[mark.condition],
                fill=PatternFill("solid", start_color=fill, end_color=fill),
                stopIfTrue=False,
            ),
        )


def _opinions(ws: Worksheet, fr: FileResult, marks: dict[int, Mark], now: datetime) -> None:
    """The 审核意见 sheet: who, when, what to do, and one row per finding with its 现状."""
    font = Font(name=FONT, size=11)
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    _heading(ws, fr, now)
    for n, f in enumerate(fr.findings):
        row = FIRST + n
        where = f.where or "整个文件"
        message = f.unit_message + ("（已在“说明”表中说明）" if f.explained else "")
        mark = marks.get(n)
        state = "已说明" if f.explained else ""
        if mark is not None:  # the same condition as the mark: 已改正 exactly when it is gone
            state = f'=IF({mark.qualified},"未改正","已改正")'
        texts = (where, message)
        lines = max(lines_needed(t, w) for t, w in zip(texts, WIDTHS[2:4], strict=True))
        ws.row_dimensions[row].height = 14.5 * lines + 5  # a fixed list: no program need fit it
        values: tuple[int | str, ...] = (n + 1, f.severity.zh, where, message, state)
        for col, value in enumerate(values, 1):
            item = ws.cell(row, col, value)
            if col < 5 and isinstance(value, str):
                item.data_type = "s"  # a unit's text starting with "=" stays text
            item.font, item.border, item.alignment = font, box, wrap
            if col == 2 and f.severity in FILLS:
                item.fill = PatternFill("solid", start_color=FILLS[f.severity])
    _print_setup(ws)
    ws.freeze_panes = f"A{FIRST}"
    ws.protection.sheet = True


def _heading(ws: Worksheet, fr: FileResult, now: datetime) -> None:
    """Title, unit, file and time, the advice, then the header row of the list."""
    font = Font(name=FONT, size=11)
    unit = f"{fr.unit_name}（{fr.unit_code}）" if fr.unit_code else fr.unit_name
    year = f"{fr.ret.year}年度" if fr.ret and fr.ret.year else ""
    title = f"{fr.unit_name}{year}政府信息公开工作年度报告数据 审核意见"
    head = [
        (title, Font(name=FONT, size=14, bold=True), 26),
        (f"单位：{unit}　　文件：{fr.label}　　审核时间：{local_time(now)}", font, 20),
        (ADVICE, font, 48),
    ]
    for row, (text, look, height) in enumerate(head, 1):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(HEADS))
        top = ws.cell(row, 1, text)
        top.font, top.alignment = look, Alignment(wrap_text=True, vertical="center")
        ws.row_dimensions[row].height = height
    thin = Side(style="thin", color="808080")
    for col, (title, width) in enumerate(zip(HEADS, WIDTHS, strict=True), 1):
        heading = ws.cell(FIRST - 1, col, title)
        heading.font = Font(name=FONT, size=11, bold=True)
        heading.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        heading.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[heading.column_letter].width = width


def _print_setup(ws: Worksheet) -> None:
    """A4 landscape, fitted to the page width, the header rows on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.print_title_rows = f"{FIRST - 1}:{FIRST - 1}"
    ws.oddHeader = HeaderFooterItem(right=_part(SHEET))
    ws.oddFooter = HeaderFooterItem(center=_part("第 &P 页，共 &N 页"))


def _part(text: str) -> _HeaderFooterPart:
    return _HeaderFooterPart(text, font=FONT)


def feedback_path(out: Path, code: str, name: str, relative: str = "") -> Path:
    """Where a unit's annotated copy goes: named after the unit, not the file."""
    stem = Path(safe_filename(code, name) if code else Path(relative).name).stem
    return out / FEEDBACK_DIR / (stem + ".xlsx")


def remove_stale(out: Path, passed: list[tuple[str, str]]) -> list[Path]:
    """A unit that passes now must not find last run's red copy in 退回/ (ours to remove)."""
    removed = []
    for code, name in passed:
        path = feedback_path(out, code, name)
        if path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed
