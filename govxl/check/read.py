"""Read one returned workbook into a ``Return`` and everything that is wrong with it.

Order matters: identity first (which form, unit and year: that decides every address), then the
structure (labels, formulas, protection), then each input value, then the rules. A problem with
the file itself is a finding too, never an exception: one broken file must not stop a batch.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time
from functools import cache
from pathlib import Path

from govxl.check import tamper
from govxl.check.evaluate import evaluate
from govxl.check.findings import Finding, finding
from govxl.check.plan import InputSlot, TablePlan, plan
from govxl.check.result import ReadResult
from govxl.check.rules import check_rules
from govxl.dates import date_text
from govxl.forms import Form, form_ids, load_form
from govxl.forms.compute import Value
from govxl.forms.layout import a1
from govxl.forms.returns import INFO_FIELDS, Member, Return
from govxl.forms.workbook import (
    ID_KEYS,
    NOTE_FIRST_ROW,
    NOTE_ROWS,
    SHEET_ID,
    SHEET_INFO,
    SHEET_NOTES,
    SHEET_TEXT,
    form_label,
    info_cell,
    text_cells,
)
from govxl.paths import shown
from govxl.reader import Limits, RawCell, RawSheet, RawWorkbook, ReadError, moment, read_workbook
from govxl.values import MAX_COUNT, Kind, Problem, parse_value


@cache
def wanted_sheets() -> tuple[str, ...]:
    """The sheets a return is read from: identity, 基本信息, the table sheets of every shipped
    form (read before the file says which form it is), 文字部分 and 说明. Worked out on first
    use, not on import: most commands never read a return."""
    tables = dict.fromkeys(t.sheet for f in form_ids() for t in load_form(f).tables)
    return (SHEET_ID, SHEET_INFO, *tables, SHEET_TEXT, SHEET_NOTES)


class UnreadableReturn(Exception):
    """``read_return`` could not make a Return of the file; the message says why, in Chinese."""


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def inspect_file(
    path: Path,
    *,
    blank_as_zero: bool = False,
    limits: Limits | None = None,
    label: str | None = None,
) -> ReadResult:
    """Read and check one workbook; every problem becomes a finding on the result."""
    name = label or shown(path.name)
    res = ReadResult(path)
    try:
        wb = read_workbook(path, sheets=wanted_sheets(), limits=limits or Limits())
        res.sha256 = wb.sha256  # of the bytes parsed, even if the file is replaced meanwhile
    except ReadError as e:
        # never reopen the path to hash it: a FIFO named .xlsx would block here for ever
        res.sha256 = e.sha256
        res.findings.append(
            finding("file-unreadable", e.message, file=name, detail={"reason": e.code})
        )
        return _stamp(res, name)
    except OSError as e:
        res.findings.append(
            finding(
                "file-unreadable",
                f"文件 {name} 无法打开：{e.strerror or e}。",
                file=name,
                detail={"reason": "unreadable"},
            )
        )
        return _stamp(res, name)
    res.application, res.saved = wb.application, wb.modified
    ident = _identity(wb)
    res.identity = ident
    form = _form(ident, res, name)
    if form is None:
        return _stamp(res, name)
    _read_into(wb, form, ident, res, name, blank_as_zero)
    return _stamp(res, name)


def _stamp(res: ReadResult, name: str) -> ReadResult:
    unit = res.ret.unit_name if res.ret else ""
    for f in res.findings:
        f.file, f.sha256 = f.file or name, res.sha256
        f.unit = f.unit or unit
    return res


def _text(sheet: RawSheet | None, row: int, col: int) -> str:
    if sheet is None:
        return ""
    raw = sheet.cells.get(a1(row, col))
    if raw is None or raw.value is None:
        return ""
    v = raw.value
    if v.__class__ is str:
        return v.strip()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _identity(wb: RawWorkbook) -> dict[str, str]:
    """From the hidden identity sheet, completed by 基本信息 (a blank template has no unit)."""
    ident: dict[str, str] = {}
    sheet = wb.sheets.get(SHEET_ID)
    if sheet is not None:
        for i, key in enumerate(ID_KEYS):
            if _text(sheet, i, 0) == key:
                ident[key] = _text(sheet, i, 1)
        members = []
        for row in range(len(ID_KEYS), sheet.max_row + 1):  # after the keys, or one blank row
            if _text(sheet, row, 0) == "member":
                members.append("\t".join(_text(sheet, row, c) for c in range(1, 6)))
        if members:
            ident["members"] = "\n".join(members)
    info = wb.sheets.get(SHEET_INFO)
    if info is not None:
        for key, _, _ in INFO_FIELDS:
            value = _text(info, *info_cell(key))
            if key == "form":
                value = _form_id(value)
            if value and not ident.get(key):
                ident[key] = value
            ident.setdefault(f"info.{key}", value)
    return ident


def _form_id(label: str) -> str:
    """The form 基本信息 names: by its title and basis, or (older templates) its id first."""
    for form_id in form_ids():
        if label == form_label(load_form(form_id)):
            return form_id
    return label.split("（")[0]


def _form(ident: dict[str, str], res: ReadResult, name: str) -> Form | None:
    form_id = ident.get("form", "")
    if not form_id:
        res.findings.append(
            finding(
                "not-a-return",
                f"文件 {name} 不是下发的填报模板（找不到“基本信息”表和模板标识）。"
                "请使用下发的模板填写后报送。",
            )
        )
        return None
    try:
        form = load_form(form_id)
    except KeyError:
        res.findings.append(
            finding(
                "not-a-return",
                f"文件 {name} 的表格格式“{form_id}”无法识别。请使用下发的模板填写后报送。",
            )
        )
        return None
    digest = ident.get("form_digest")
    if digest and digest != form.digest:
        year = ident.get("year") or ""
        res.findings.append(
            finding(
                "outdated-template",
                f"文件 {name} 由旧版模板填写（表格定义已更新）。请使用 {year} 年度"
                "的新模板重新填报。",
                value=digest,
                expected=form.digest,
                sheet=SHEET_ID,
            )
        )
    return form


def _read_into(
    wb: RawWorkbook,
    form: Form,
    ident: dict[str, str],
    res: ReadResult,
    name: str,
    blank_as_zero: bool,
) -> None:
    year = _int(ident.get("year"))
    ret = Return(
        form,
        year=year,
        unit_code=ident.get("unit_code", ""),
        unit_name=ident.get("unit_name", ""),
        kind=ident.get("kind") or "return",
        level=ident.get("level", ""),
    )
    for line in filter(None, ident.get("members", "").split("\n")):
        code, uname, sha, file, via = (line.split("\t") + [""] * 5)[:5]
        ret.members.append(Member(code, uname, sha, file, via))
    ret.money_unit = ident.get("money_unit", "")
    res.ret = ret
    identity = wb.sheets.get(SHEET_ID)
    if identity is not None and identity.state == "hidden":
        res.findings.append(
            finding(
                "id-sheet-visible",
                f"文件 {name} 经 LibreOffice 等程序保存后，隐藏的模板标识表（工作表“{SHEET_ID}”）"
                "变成了普通隐藏，可以用“取消隐藏”看到。这不影响审核；请不要修改或删除这张表。",
                sheet=SHEET_ID,
            )
        )
    if wb.has_macros:
        res.findings.append(
            finding(
                "macro-present",
                f"文件 {name} 含有宏；审核时没有运行宏，只读取了数字。建议另存为 .xlsx 格式报送。",
            )
        )
    if not wb.formulas_known:
        res.findings.append(
            finding(
                "formulas-unknown",
                f"文件 {name} 是 {wb.format} 格式，只能读取数值：各项合计已按校验规则逐项核对，"
                "但无法确认模板中的公式未被改动。以后请尽量使用下发的 .xlsx 模板报送。",
            )
        )
    else:
        res.findings.extend(tamper.protection(wb, [t.sheet for t in form.tables], name))
    trusted: set[str] = set()
    typed: dict[str, object] = {}
    # A blank template prints "____年" where a personalised one prints the year; a clerk who
    # types the year into 基本信息 does not change those labels, so they are accepted too.
    for k, tp in enumerate(plan(form, year)):
        sheet = wb.sheets.get(tp.sheet)
        if sheet is None:
            res.findings.append(
                finding(
                    "sheet-missing",
                    f"找不到工作表“{tp.sheet}”（被删除或改名）。请在原模板上填写，"
                    "不要改动工作表名称。",
                    sheet=tp.sheet,
                )
            )
            continue
        label_findings = list(tamper.labels(sheet, tp, name))
        if (
            label_findings
            and year is not None
            and not any(tamper.labels(sheet, plan(form, None)[k], name))
        ):  # the blank plan, when needed
            label_findings = []
        res.findings.extend(label_findings)
        if label_findings:
            continue
        trusted.add(tp.table_id)
        if wb.formulas_known:
            found, over = tamper.formulas_of(sheet, tp, name)
            res.findings.extend(found)
            typed.update(over)
        _values(sheet, tp, ret, res, blank_as_zero, wb.date1904)
    _texts(wb, form, ret)
    res.findings.extend(check_rules(ret, trusted, typed, file=name))
    res.findings.extend(evaluate(ret, file=name))


def _values(
    sheet: RawSheet,
    tp: TablePlan,
    ret: Return,
    res: ReadResult,
    blank_as_zero: bool,
    date1904: bool,
) -> None:
    cells = sheet.cells
    for slot in tp.inputs:
        raw = cells.get(slot.a1)
        rawv = raw.value if raw is not None else None
        given: object = rawv
        if raw is not None and raw.is_date and slot.kind is not Kind.TEXT:
            given = _as_date(raw, date1904)  # Excel made a date of what was typed: say so
        elif type(rawv) is int and slot.kind is not Kind.MONEY and 0 <= rawv <= MAX_COUNT:
            ret.values[slot.cell.id] = rawv  # the common case, decided without the parser
            continue
        cell = slot.cell
        if rawv is None and raw is not None and raw.formula:
            res.findings.append(_formula_typed(slot, sheet.name, raw.formula))
            ret.values[cell.id] = None
            continue
        parsed = parse_value(given, slot.kind, unit=cell.unit, blank_as_zero=blank_as_zero)
        value: Value = parsed.value
        problems = list(parsed.problems)
        if isinstance(given, str) and value is not None and slot.kind is not Kind.TEXT:
            # A number typed as text: the workbook's SUMs and checks skip it, so it is marked
            # red there and must be retyped — never quietly read as the number it looks like.
            problems = [_text_number(given, value, cell.unit or ret.money_unit)]
            value = None
        if value is None and given not in (None, ""):
            value = str(given)  # unreadable text stays text, never becomes 0
        ret.values[cell.id] = value
        for p in problems:
            res.findings.append(
                finding(
                    p.code,
                    p.message,
                    severity=p.severity,
                    sheet=sheet.name,
                    cell=slot.a1,
                    row_label=slot.row_label,
                    column_label=slot.column_label,
                    value="" if given is None else str(given),
                )
            )


def _text_number(raw: str, number: Value, unit: str | None) -> Problem:
    unit_note = f"（本栏单位：{unit}）" if unit else ""
    return Problem(
        "text-number",
        "error",
        f"“{raw.strip()}”是文本，不是数字：表格的总计和校验都不计入它。请删除后直接输入数字 "
        f"{number}{unit_note}。",
    )


def _formula_typed(slot: InputSlot, sheet: str, formula: str) -> Finding:
    """A formula typed into an input cell, saved without its result (as openpyxl and some
    scripts save): there is no number to read, and 未填写 would tell the clerk nothing."""
    return finding(
        "formula-in-input",
        f"这里填写的是公式 ={formula}，文件中没有保存它的计算结果，无法读取数字。"
        "请在这一格直接填写数字（不要用公式），没有请填 0。",
        sheet=sheet,
        cell=slot.a1,
        row_label=slot.row_label,
        column_label=slot.column_label,
        value=f"={formula}",
    )


def _as_date(raw: RawCell, date1904: bool) -> object:
    """The date or time a date-formatted number shows (the number itself where none fits)."""
    value = raw.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    when = moment(value, date1904)
    if isinstance(when, datetime) and when.time() == time():
        return when.date()
    return value if when is None else when


def _texts(wb: RawWorkbook, form: Form, ret: Return) -> None:
    texts = wb.sheets.get(SHEET_TEXT)
    for part_id, (row, col) in text_cells(form).items():
        ret.texts[part_id] = _text(texts, row, col)
    notes = wb.sheets.get(SHEET_NOTES)
    # most 说明 sheets are empty: look only at the rows that hold something
    last = min(NOTE_FIRST_ROW + NOTE_ROWS, notes.max_row) if notes is not None else 0
    for row in range(NOTE_FIRST_ROW, last):
        ref, why = _text(notes, row, 1), _text(notes, row, 2)
        if ref or why:
            ret.notes.append((ref, why))
    info = wb.sheets.get(SHEET_INFO)
    for key in ("contact", "phone"):
        ret.info[key] = _text(info, *info_cell(key))
    signed = info.cells.get(a1(*info_cell("signed"))) if info is not None else None
    ret.info["signed"] = date_text(signed.value if signed is not None else None)


def _int(text: str | None) -> int | None:
    try:
        return int(str(text).strip().removesuffix("年")) if text else None
    except ValueError:
        return None


def read_return(path: Path) -> Return:
    """The figures and texts of a workbook, for reports and analysis (raises if unreadable)."""
    res = inspect_file(Path(path))
    if res.ret is None:
        raise UnreadableReturn("；".join(f.message for f in res.findings))
    return res.ret
