"""Annotated copies for the units: their own workbook, bad cells red, a comment on each.

The copy is made from the bytes govxl already read and checked (sizes and XML guarded), goes to
``OUT/退回/``, and keeps the template's protection, so the unit can correct it and send it again.
The original in the inbox is never touched.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.protection import WorkbookProtection

from govxl.collect.run import CollectReport, FileResult
from govxl.collect.status import Status
from govxl.fileio import OutputError, atomic_write
from govxl.reader import ReadError, read_bytes
from govxl.roster import safe_filename

FEEDBACK_DIR = "退回"
RED = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
YELLOW = PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")
SHEET = "审核意见"


class NoCopy(Exception):
    """Why a unit's file cannot be sent back annotated (Chinese)."""


def write_all(report: CollectReport, out: Path) -> tuple[list[Path], list[tuple[str, str]]]:
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
            written.append(annotate(fr, out))
        except NoCopy as why:
            skipped.append((fr.relative, str(why)))
    remove_stale(out, [(u.code, u.name) for u in report.units if u.status == Status.PASSED])
    return written, skipped


def write_feedback(fr: FileResult, out: Path) -> Path | None:
    """Write the annotated copy; None for files that cannot be annotated (unreadable, .ods…)."""
    try:
        return annotate(fr, out)
    except NoCopy:
        return None


def annotate(fr: FileResult, out: Path) -> Path:
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
    notes: dict[tuple[str, str], list[str]] = {}
    for f in fr.findings:
        if f.sheet in wb.sheetnames and f.cell and not f.explained:
            notes.setdefault((f.sheet, f.cell), []).append(f"【{f.severity.zh}】{f.message}")
    for (sheet, where), msgs in notes.items():
        cell = wb[sheet][where]
        if type(cell).__name__ == "MergedCell":
            continue
        severe = any(m.startswith("【强制】") for m in msgs)
        cell.fill = RED if severe else YELLOW
        cell.comment = Comment("\n".join(msgs), "govxl 审核")
        cell.comment.width, cell.comment.height = 320, 40 + 40 * len(msgs)
    if SHEET in wb.sheetnames:
        del wb[SHEET]
    ws = wb.create_sheet(SHEET, 0)
    ws.append(["类别", "工作表", "单元格", "行", "列", "问题和处理意见"])
    for f in fr.findings:
        ws.append([f.severity.zh, f.sheet, f.cell, f.row_label, f.column_label, f.message])
    for row in ws.iter_rows():
        for c in row:
            c.data_type = (
                "s" if c.value is not None and not isinstance(c.value, int) else c.data_type
            )
            c.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEF", (6, 12, 8, 28, 14, 80), strict=True):
        ws.column_dimensions[col].width = width
    for c in ws[1]:
        c.font = Font(bold=True)
    ws.protection.sheet = True
    wb.active = 0
    for each in wb.worksheets:
        # The template opens on its guide sheet, selected; left selected beside the new first
        # sheet, Excel would open the two as a group and copy every keystroke into both.
        each.sheet_view.tabSelected = each is ws
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
