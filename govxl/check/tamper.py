"""Has the workbook been changed where a clerk should not change it?

Protection is a guide rail, not security: anybody can unprotect a sheet. So the reader checks the
things that matter directly — every label where the template put it (an inserted row moves them),
every total still the template's formula, protection still on — and names the cells.
"""

from __future__ import annotations

from collections.abc import Iterator

from govxl.check.findings import Finding, finding
from govxl.check.plan import TablePlan, norm_formula, norm_label
from govxl.forms.layout import a1
from govxl.reader import RawSheet, RawWorkbook


def labels(sheet: RawSheet, tp: TablePlan, file: str) -> Iterator[Finding]:
    """One finding per sheet whose labels are not where the template put them."""
    cells = sheet.cells
    wrong = []
    for where, want, text, row, col in tp.labels:
        raw = cells.get(where)
        if raw is None or (raw.value != text and norm_label(raw.value) != want):
            wrong.append((where, text, row, col))
    if not wrong:
        return
    where, text, row, col = wrong[0]
    shift = _shift(sheet, row, col, text)
    listed = "、".join(w[0] for w in wrong[:6]) + ("等" if len(wrong) > 6 else "")
    if shift:
        how = (
            f"第 {row + 1} 行附近{'插入' if shift > 0 else '删除'}了 {abs(shift)} 行"
            f"（“{text}”现在在第 {row + 1 + shift} 行）"
        )
    else:
        how = f"单元格 {where} 应为“{text}”"
    yield finding(
        "label-changed",
        f"表格结构被改动：{how}，共 {len(wrong)} 处标签与模板不一致（{listed}）。"
        "本表数字无法可靠读取，请在原模板上重新填写，不要插入或删除行、列。",
        sheet=sheet.name,
        cell=where,
        value=str(len(wrong)),
        expected=text,
        file=file,
        detail={"cells": [w[0] for w in wrong], "shift": shift},
    )


def _shift(sheet: RawSheet, row: int, col: int, text: str) -> int:
    want = norm_label(text)
    for k in range(1, 30):
        for d in (k, -k):
            raw = sheet.cells.get(a1(row + d, col))
            if raw is not None and norm_label(raw.value) == want:
                return d
    return 0


def formulas_of(
    sheet: RawSheet, tp: TablePlan, file: str
) -> tuple[list[Finding], dict[str, object]]:
    """Computed cells must hold the template's SUM; returns findings and typed-over values."""
    found: list[Finding] = []
    typed: dict[str, object] = {}
    cells = sheet.cells
    for slot in tp.totals:
        raw = cells.get(slot.a1)
        got = raw.formula if raw else None
        if got is not None and (got == slot.stored or norm_formula(got) == slot.norm):
            continue
        value = raw.value if raw else None
        if got is None and value not in (None, ""):
            typed[slot.cell.id] = value
            what = f"总计公式被改成了固定的数“{value}”"
        elif got is None:
            what = "总计公式被删除"
        else:
            what = f"总计公式被改成了“={got}”"
        found.append(
            finding(
                "formula-changed",
                f"{what}，应为“{slot.formula}”。请恢复模板中的公式（或在原模板上重新填写）。",
                sheet=sheet.name,
                cell=slot.a1,
                row_label=slot.row_label,
                column_label=slot.column_label,
                value=str(got if got is not None else (value or "")),
                expected=slot.formula,
                file=file,
            )
        )
    changed = []
    for where, want, stored in tp.checks:
        got = cells[where].formula if where in cells else None
        if got != stored and norm_formula(got) != want:
            changed.append(where)
    if changed:
        found.append(
            finding(
                "check-changed",
                f"校验单元格 {'、'.join(changed)} 的公式被改动，表内的校验提示已不可信；"
                "数字仍按原样审核。",
                sheet=sheet.name,
                cell=changed[0],
                file=file,
            )
        )
    return found, typed


def structure_lock_survives(wb: RawWorkbook) -> bool:
    """Whether the program that saved the file writes the workbook's structure lock back.

    LibreOffice (at least up to 7.x) keeps the lock while the file is open but saves .xlsx with
    an empty ``<workbookProtection/>``: a unit that merely opened and saved the return in
    LibreOffice removed nothing, so the structure lock is not judged for its files. Sheet
    protection it does keep, and that is still checked.
    """
    return not (wb.application or "").startswith("LibreOffice")


def protection(wb: RawWorkbook, sheets: list[str], file: str) -> Iterator[Finding]:
    off = [s for s in sheets if s in wb.sheets and not wb.sheets[s].protected]
    unlocked = not wb.structure_locked and structure_lock_survives(wb)
    if off or unlocked:
        parts = []
        if off:
            parts.append(f"工作表“{'”“'.join(off)}”的保护被取消")
        if unlocked:
            parts.append("工作簿结构保护被取消")
        yield finding(
            "protection-removed",
            "，".join(parts) + "。数字仍逐格审核；今后请勿取消保护。",
            sheet=off[0] if off else "",
            file=file,
        )
