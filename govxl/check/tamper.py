"""Has the workbook been changed where a clerk should not change it?

Protection is a guide rail, not security: anybody can unprotect a sheet. So the reader checks the
things that matter directly — every label where the template put it (an inserted row moves them),
every total still the template's formula, protection still on — and names the cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from govxl.check.findings import Finding, finding
from govxl.reader import RawSheet, RawWorkbook
from govxl.spec import Form
from govxl.spec.layout import STATUS_ROW, SheetLayout, a1
from govxl.template import formulas

_SPACE = re.compile(r"[\s\u3000]+")


def norm_label(text: object) -> str:
    return _SPACE.sub("", str(text or "")).replace("(", "（").replace(")", "）")


def norm_formula(text: str | None) -> str:
    return _SPACE.sub("", (text or "").lstrip("=")).replace("$", "").upper()


def labels(sheet: RawSheet, lay: SheetLayout, file: str) -> Iterator[Finding]:
    """One finding per sheet whose labels are not where the template put them."""
    wrong = []
    for box in lay.boxes:
        if box.role == "title" or not box.text:
            continue
        raw = sheet.cells.get(a1(box.row, box.col))
        if norm_label(raw.value if raw else "") != norm_label(box.text):
            wrong.append(box)
    if not wrong:
        return
    first = wrong[0]
    shift = _shift(sheet, first.row, first.col, first.text)
    cells = "、".join(a1(b.row, b.col) for b in wrong[:6]) + ("等" if len(wrong) > 6 else "")
    if shift:
        how = (
            f"第 {first.row + 1} 行附近{'插入' if shift > 0 else '删除'}了 {abs(shift)} 行"
            f"（“{first.text}”现在在第 {first.row + 1 + shift} 行）"
        )
    else:
        how = f"单元格 {a1(first.row, first.col)} 应为“{first.text}”"
    yield finding(
        "label-changed",
        f"表格结构被改动：{how}，共 {len(wrong)} 处标签与模板不一致（{cells}）。"
        "本表数字无法可靠读取，请在原模板上重新填写，不要插入或删除行、列。",
        sheet=sheet.name,
        cell=a1(first.row, first.col),
        value=str(len(wrong)),
        expected=first.text,
        file=file,
        detail={"cells": [a1(b.row, b.col) for b in wrong], "shift": shift},
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
    sheet: RawSheet, lay: SheetLayout, form: Form, file: str
) -> tuple[list[Finding], dict[str, object]]:
    """Computed cells must hold the template's SUM; returns findings and typed-over values."""
    found: list[Finding] = []
    typed: dict[str, object] = {}
    for cell in form.table_cells(lay.table.id):
        if not cell.computed:
            continue
        where = lay.a1(cell.id)
        raw = sheet.cells.get(where)
        want = formulas.define_formula(form.definition_of(cell.id), lay)
        got = raw.formula if raw else None
        if norm_formula(got) == norm_formula(want):
            continue
        value = raw.value if raw else None
        if got is None and value not in (None, ""):
            typed[cell.id] = value
            what = f"总计公式被改成了固定的数“{value}”"
        elif got is None:
            what = "总计公式被删除"
        else:
            what = f"总计公式被改成了“={got}”"
        row_label, col_label = cell.labels(None)
        found.append(
            finding(
                "formula-changed",
                f"{what}，应为“{want}”。请恢复模板中的公式（或在原模板上重新填写）。",
                sheet=sheet.name,
                cell=where,
                row_label=row_label,
                column_label=col_label,
                value=str(got if got is not None else (value or "")),
                expected=want,
                file=file,
            )
        )
    by_key = {i.key: i for i in form.instances}
    changed = [
        k
        for k, place in lay.checks.items()
        if norm_formula((sheet.cells.get(a1(*place)) or _EMPTY).formula)
        != norm_formula(formulas.check_formula(by_key[k], lay))
    ]
    status = sheet.cells.get(a1(STATUS_ROW, 0))
    if norm_formula(status.formula if status else None) != norm_formula(
        formulas.status_formula(form, lay)
    ):
        changed.append("status")
    if changed:
        cells = [a1(*lay.checks[k]) if k != "status" else a1(STATUS_ROW, 0) for k in changed]
        found.append(
            finding(
                "check-changed",
                f"校验单元格 {'、'.join(cells)} 的公式被改动，表内的校验提示已不可信；"
                "数字仍按原样审核。",
                sheet=sheet.name,
                cell=cells[0],
                file=file,
            )
        )
    return found, typed


class _Empty:
    formula = None
    value = None


_EMPTY = _Empty()


def protection(wb: RawWorkbook, sheets: list[str], file: str) -> Iterator[Finding]:
    off = [s for s in sheets if s in wb.sheets and not wb.sheets[s].protected]
    if off or not wb.structure_locked:
        parts = []
        if off:
            parts.append(f"工作表“{'”“'.join(off)}”的保护被取消")
        if not wb.structure_locked:
            parts.append("工作簿结构保护被取消")
        yield finding(
            "protection-removed",
            "，".join(parts) + "。数字仍逐格审核；今后请勿取消保护。",
            sheet=off[0] if off else "",
            file=file,
        )
