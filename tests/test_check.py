"""Every kind of finding, triggered from a real returned workbook.

Each workbook is a template rendered by govxl, filled and then damaged with openpyxl the way units
damage them (a total typed over, a row inserted, protection removed, "无" typed for 0), or
re-saved by LibreOffice. Each test names the code, the severity, the sheet and the A1 cell the
clerk is sent to, and checks that the message says what to do. ``TRIGGERS`` at the end maps
every catalogued code to the test that triggers it, and a test keeps that map complete.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook
from workbooks import (
    FIXED,
    LO_UNIT,
    YEAR,
    check_place,
    edit,
    libreoffice_copies,
    place,
    sample,
    typed,
    with_macros,
    write,
)

from govxl.check import inspect_file
from govxl.check.findings import CATALOGUE, Finding
from govxl.collect import CollectReport, collect
from govxl.collect.status import Status, Use
from govxl.forms import load_form
from govxl.forms.layout import a1, layout
from govxl.forms.returns import Return
from govxl.forms.workbook import NOTE_FIRST_ROW, SHEET_ID, SHEET_INFO, SHEET_NOTES, info_cell
from govxl.office import convert
from govxl.roster import read_roster
from govxl.template import write_template
from govxl.values import CODES

FORMS = list(YEAR)
T3 = "三 依申请"


def seen(path: Path, **kw: object) -> list[tuple[str, str, str, str]]:
    """The findings of a file as (code, severity, sheet, cell): what a test asserts exactly."""
    res = inspect_file(path, **kw)  # type: ignore[arg-type]
    return [(f.code, f.severity.value, f.sheet, f.cell) for f in res.findings]


def one(path: Path, code: str, **kw: object) -> Finding:
    found = [f for f in inspect_file(path, **kw).findings if f.code == code]  # type: ignore[arg-type]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A balanced, fully filled return of every form, straight from the template writer."""
    tmp = tmp_path_factory.mktemp("clean")
    return {f: write(tmp / f"{f}.xlsx", sample(f)) for f in FORMS}


@pytest.fixture(scope="module")
def lo(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[tuple[str, str], Path]:
    return libreoffice_copies(tmp_path_factory.getbasetemp())


def column_of(ret: Return, col: str, r1: int) -> Return:
    """Table 三, column ``col``: 一 = （一） = r1 and every other input 0, so it balances."""
    for cell in ret.form.table_cells("t3"):
        if cell.column == col and not cell.computed:
            ret.values[cell.id] = r1 if cell.row in ("r1", "r3_1") else 0
    return ret


# ---------------------------------------------------------------- clean files


@pytest.mark.parametrize("form_id", FORMS)
def test_a_clean_return_has_no_findings(clean: dict[str, Path], form_id: str) -> None:
    assert seen(clean[form_id]) == []


@pytest.mark.parametrize("form_id", FORMS)
def test_an_openpyxl_resave_has_no_findings(
    clean: dict[str, Path], tmp_path: Path, form_id: str
) -> None:
    """openpyxl drops every cached formula result: the reader recomputes, so nothing changes."""
    assert seen(edit(clean[form_id], tmp_path / "x.xlsx", lambda wb: None)) == []


@pytest.mark.soffice
@pytest.mark.parametrize("form_id", FORMS)
def test_a_libreoffice_resave_is_told_only_that_the_identity_sheet_shows(
    lo: dict, form_id: str
) -> None:
    """LibreOffice rewrites formulas, hides "very hidden" sheets only "hidden", and does not
    write the workbook's structure lock back: none of that is the unit's doing. The identity
    sheet is now one "unhide" away, and the unit is told so (a 提示: it passes)."""
    path = lo[(form_id, "xlsx")]
    res = inspect_file(path)
    assert res.application and res.application.startswith("LibreOffice")
    assert seen(path) == [("id-sheet-visible", "info", SHEET_ID, "")]
    assert "变成了普通隐藏" in res.findings[0].message
    assert res.ret is not None and res.ret.values == sample(form_id, *LO_UNIT).values


@pytest.mark.soffice
@pytest.mark.parametrize("form_id", FORMS)
def test_an_ods_is_read_with_its_values_and_passes_with_a_note_on_formulas(
    lo: dict, form_id: str
) -> None:
    path = lo[(form_id, "ods")]
    res = inspect_file(path)
    assert seen(path) == [
        ("id-sheet-visible", "info", SHEET_ID, ""),  # an .ods has no "very hidden"
        ("formulas-unknown", "info", "", ""),
    ]
    assert "各项合计已按校验规则逐项核对" in res.findings[1].message
    expected = sample(form_id, *LO_UNIT)
    assert res.ret is not None
    assert (res.ret.unit_code, res.ret.unit_name, res.ret.year) == (*LO_UNIT, YEAR[form_id])
    assert res.ret.values == expected.values
    assert res.ret.all_values() == expected.all_values()


# ---------------------------------------------------------------- the file


def test_file_unreadable_a_truncated_download(clean: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "001-测试单位.xlsx"
    data = clean["gb2021"].read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert seen(path) == [("file-unreadable", "error", "", "")]
    assert "另存为 .xlsx" in one(path, "file-unreadable").message


def test_file_unreadable_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    f = one(path, "file-unreadable")
    assert (f.severity.value, f.detail["reason"]) == ("error", "empty-file")
    assert "重新保存后报送" in f.message


def test_not_a_return_a_home_made_table(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "一、本年新收政府信息公开申请数量"
    wb.active["B1"] = 5
    wb.save(path := tmp_path / "自制表格.xlsx")
    assert seen(path) == [("not-a-return", "error", "", "")]
    assert "请使用下发的模板填写后报送" in one(path, "not-a-return").message


def test_macro_present_in_an_xlsm_never_run_and_figures_still_read(
    clean: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "001-测试单位.xlsm"
    path.write_bytes(with_macros(clean["gb2021"].read_bytes()))
    res = inspect_file(path)
    assert seen(path) == [("macro-present", "info", "", "")]
    assert "另存为 .xlsx" in res.findings[0].message
    assert res.ret is not None and res.ret.values == sample("gb2021").values


def test_outdated_template_when_the_form_definition_changed(
    clean: dict[str, Path], tmp_path: Path
) -> None:
    def old_digest(wb: openpyxl.Workbook) -> None:
        wb[SHEET_ID]["B2"] = "0123456789abcdef"  # row 2: form_digest

    path = edit(clean["gb2021"], tmp_path / "old.xlsx", old_digest)
    assert seen(path) == [("outdated-template", "error", SHEET_ID, "")]
    f = one(path, "outdated-template")
    assert (f.value, f.expected) == ("0123456789abcdef", load_form("gb2021").digest)
    assert "请使用 2025 年度的新模板重新填报" in f.message


# ---------------------------------------------------------------- tampering


def test_formula_changed_and_total_mismatch_when_a_total_is_typed_over(
    clean: dict[str, Path], tmp_path: Path
) -> None:
    sheet, where = place("gb2021", "t3.r1.total")
    path = edit(clean["gb2021"], tmp_path / "x.xlsx", typed("gb2021", "t3.r1.total", 999))
    assert seen(path) == [
        ("formula-changed", "error", sheet, where),
        ("total-mismatch", "error", sheet, where),
    ]
    changed, mismatch = inspect_file(path).findings
    assert "请恢复模板中的公式" in changed.message and "999" in changed.message
    assert (changed.row_label, changed.column_label) == ("一、本年新收政府信息公开申请数量", "总计")
    assert mismatch.value == "999" and mismatch.expected == str(sample("gb2021").get("t3.r1.total"))
    assert "请恢复总计公式" in mismatch.message


def test_a_total_typed_over_with_the_right_number_is_only_formula_changed(
    clean: dict[str, Path], tmp_path: Path
) -> None:
    right = sample("gb2021").get("t3.r3_7.natural")
    sheet, where = place("gb2021", "t3.r3_7.natural")
    path = edit(clean["gb2021"], tmp_path / "x.xlsx", typed("gb2021", "t3.r3_7.natural", right))
    assert seen(path) == [("formula-changed", "error", sheet, where)]


def test_formula_changed_when_a_total_sums_the_wrong_cells(
    clean: dict[str, Path], tmp_path: Path
) -> None:
    sheet, where = place("gb2021", "t3.r1.total")
    assert where == "J7"
    path = edit(clean["gb2021"], tmp_path / "x.xlsx", typed("gb2021", "t3.r1.total", "=SUM(D7:H7)"))
    assert seen(path) == [("formula-changed", "error", sheet, where)]
    f = one(path, "formula-changed")
    assert f.value == "SUM(D7:H7)" and f.expected == "=SUM(D7:I7)"
    assert "总计公式被改成了“=SUM(D7:H7)”" in f.message


def test_check_changed_when_a_check_cell_is_overwritten(
    clean: dict[str, Path], tmp_path: Path
) -> None:
    sheet, where = check_place("gb2021", "R1[natural]")
    path = edit(clean["gb2021"], tmp_path / "x.xlsx", lambda wb: wb[sheet].__setitem__(where, "✓"))
    assert seen(path) == [("check-changed", "warning", sheet, where)]
    assert "数字仍按原样审核" in one(path, "check-changed").message


def test_protection_removed_from_a_sheet(clean: dict[str, Path], tmp_path: Path) -> None:
    def unprotect(wb: openpyxl.Workbook) -> None:
        wb[T3].protection.sheet = False

    path = edit(clean["gb2021"], tmp_path / "x.xlsx", unprotect)
    assert seen(path) == [("protection-removed", "warning", T3, "")]
    assert "今后请勿取消保护" in one(path, "protection-removed").message


def test_protection_removed_from_the_workbook_structure(
    clean: dict[str, Path], tmp_path: Path
) -> None:
    def unlock(wb: openpyxl.Workbook) -> None:
        wb.security.lockStructure = False

    path = edit(clean["gb2021"], tmp_path / "x.xlsx", unlock)
    assert seen(path) == [("protection-removed", "warning", "", "")]
    assert "工作簿结构保护被取消" in one(path, "protection-removed").message


@pytest.mark.parametrize("how", ["deleted", "renamed"])
def test_sheet_missing_when_deleted_or_renamed(
    clean: dict[str, Path], tmp_path: Path, how: str
) -> None:
    def damage(wb: openpyxl.Workbook) -> None:
        wb.security.lockStructure = False
        if how == "deleted":
            del wb["四 复议诉讼"]
        else:
            wb["四 复议诉讼"].title = "复议诉讼"

    path = edit(clean["gb2021"], tmp_path / "x.xlsx", damage)
    assert seen(path) == [
        ("protection-removed", "warning", "", ""),
        ("sheet-missing", "error", "四 复议诉讼", ""),
    ]
    assert "不要改动工作表名称" in one(path, "sheet-missing").message


def test_label_changed_when_a_row_is_inserted(clean: dict[str, Path], tmp_path: Path) -> None:
    """Excel Consolidate would silently misalign; govxl names the row and refuses the table."""
    form = load_form("gb2021")
    lay = layout(form, "t3", YEAR["gb2021"])
    row = lay.cells["t3.r3_1.natural"][0]  # 0-based row of （一）予以公开
    first = next(b for b in lay.boxes if b.role != "title" and b.row >= row)

    def insert(wb: openpyxl.Workbook) -> None:
        wb[T3].protection.sheet = False
        wb[T3].insert_rows(row + 1)

    path = edit(clean["gb2021"], tmp_path / "x.xlsx", insert)
    assert seen(path) == [
        ("protection-removed", "warning", T3, ""),
        ("label-changed", "error", T3, a1(first.row, first.col)),
    ]
    f = one(path, "label-changed")
    assert f"第 {row + 1} 行附近插入了 1 行" in f.message
    assert "请在原模板上重新填写，不要插入或删除行、列" in f.message
    # the table's figures are not read at all, so no rule runs on misaligned numbers
    assert not [x for x in inspect_file(path).findings if x.code == "rule-failed"]


def test_label_changed_when_a_label_is_retyped(clean: dict[str, Path], tmp_path: Path) -> None:
    form = load_form("gb2021")
    lay = layout(form, "t3", YEAR["gb2021"])
    box = next(b for b in lay.boxes if b.role == "row" and b.text.startswith("二、"))
    where = a1(box.row, box.col)
    path = edit(
        clean["gb2021"], tmp_path / "x.xlsx", lambda wb: wb[T3].__setitem__(where, "二、上年结转")
    )
    assert seen(path) == [("label-changed", "error", T3, where)]
    assert f"单元格 {where} 应为“{box.text}”" in one(path, "label-changed").message


# ---------------------------------------------------------------- values

VALUE_CASES = [
    # form, cell, what the clerk typed, code, severity, what was read, advice in the message.
    # What cannot be read as a figure is kept as the text it was, never turned into 0.
    ("gb2021", "t3.r1.natural", "无", "not-a-number", "error", "无", "没有请填 0"),
    ("gb2021", "t3.r2.legal", None, "blank", "error", None, "没有请填 0"),
    ("gb2021", "t3.r3_1.business", -3, "negative", "error", "-3", "请改为 0 或正数"),
    ("gb2021", "t3.r4.natural", 2.5, "fraction", "error", "2.5", "请改为整数"),
    ("gb2021", "t3.r1.research", 1e12, "too-large", "error", "1000000000000",
     "请核实是否多填了数字"),
    # A number typed as text is kept as text: the workbook's SUMs and checks skip it, so it
    # shows red there, and govxl must not quietly read the number it looks like.
    ("gb2021", "t2.fees.fee_amount", "251000元", "text-number", "error", "251000元",
     "直接输入数字 25.1（本栏单位：万元）"),
    ("gb2019", "t2.procurement.amount", "5万元", "text-number", "error", "5万元",
     "直接输入数字 5"),
    ("gb2019", "t2.licensing.change", "减59", "text-number", "error", "减59",
     "直接输入数字 -59"),
    ("gb2021", "t3.r1.natural", "1,234", "text-number", "error", "1,234",
     "总计和校验都不计入它"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("form_id", "cell_id", "raw", "code", "severity", "read", "advice"),
    VALUE_CASES,
    ids=[f"{case[3]}-{case[0]}" for case in VALUE_CASES],
)
def test_value_problems_point_at_the_cell(
    tmp_path: Path,
    form_id: str,
    cell_id: str,
    raw: object,
    code: str,
    severity: str,
    read: object,
    advice: str,
) -> None:
    """One finding, at the cell, and nothing that follows from it (no rule on unread figures)."""
    ret = sample(form_id)
    if isinstance(read, int | Decimal):
        ret.values[cell_id] = read  # the figure the text stands for: the rest stays consistent
    src = write(tmp_path / "src.xlsx", ret)
    path = edit(src, tmp_path / "x.xlsx", typed(form_id, cell_id, raw))
    sheet, where = place(form_id, cell_id)
    assert seen(path) == [(code, severity, sheet, where)]
    f = one(path, code)
    assert advice in f.message
    row_label, column_label = load_form(form_id).cells[cell_id].labels(YEAR[form_id])
    assert (f.row_label, f.column_label) == (row_label, column_label)
    res = inspect_file(path)
    assert res.ret is not None and res.ret.values[cell_id] == read


@pytest.mark.parametrize(
    ("form_id", "cell_id", "figure", "written", "code", "message"),
    [
        (
            "gb2021",
            "t2.fees.fee_amount",
            "25.1357",
            "251357元",
            "unit-converted",
            "已换算为 25.1357",
        ),
        ("gb2019", "t2.procurement.amount", "12.6762", "12.6762万元", "unit-unclear", "请核实单位"),
        ("gb2019", "t2.licensing.change", "-59", "减59", "number-as-text", "按 -59 读取"),
    ],
    ids=["unit-converted", "unit-unclear", "number-as-text"],
)
def test_a_published_report_may_write_numbers_with_units_and_words(
    tmp_path: Path, form_id: str, cell_id: str, figure: str, written: str, code: str, message: str
) -> None:
    """A report's table is text: 251357元, 12.6762万元, 减59 are read as the numbers they say
    (unlike in a workbook), each with a finding."""
    from govxl.report.render import render_report

    ret = sample(form_id, code="", name="正阳街道")
    ret.values[cell_id] = Decimal(figure) if "." in figure else int(figure)
    text = render_report(ret, "md").decode("utf-8")
    assert text.count(f"| {figure} |") == 1
    doc = tmp_path / "正阳街道报告.md"
    doc.write_text(text.replace(f"| {figure} |", f"| {written} |"), encoding="utf-8")
    report = collect_in(tmp_path, {doc.name: doc}, [("001", "正阳街道")])
    found = [f for f in report.files[0].findings if f.code == code]
    assert len(found) == 1 and message in found[0].message, report.files[0].findings
    assert report.files[0].ret is not None
    assert report.files[0].ret.values[cell_id] == ret.values[cell_id]


# ---------------------------------------------------------------- a date typed into a count
COUNT_CELL = "t3.r1.natural"


def _excel_made_a_date(value: float, number_format: str) -> Callable[[Workbook], None]:
    """What Excel does with ``1-2`` (or ``12:00``) typed into a count cell: it stores the date's
    (or time's) serial number and gives the cell a date (or time) format."""
    sheet, where = place("gb2021", COUNT_CELL)

    def change(wb: Workbook) -> None:
        wb[sheet][where] = value
        wb[sheet][where].number_format = number_format

    return change


DATE_TYPED = [
    (46024, 'm"月"d"日"', "日期（2026年1月2日）"),  # Excel in Chinese, "1-2"
    (46024, "mm-dd-yy", "日期（2026年1月2日）"),  # a built-in format (id 14)
    (46024, '[$-804]yyyy"年"m"月"d"日";@', "日期（2026年1月2日）"),
    (0.5, "h:mm", "时间（12:00）"),  # "12:00"
]


@pytest.mark.parametrize(("value", "number_format", "shown"), DATE_TYPED)
def test_a_date_excel_made_of_a_count_fails_at_that_cell(
    tmp_path: Path, value: float, number_format: str, shown: str
) -> None:
    src = write(tmp_path / "src.xlsx", sample("gb2021"))
    path = edit(src, tmp_path / "x.xlsx", _excel_made_a_date(value, number_format))
    sheet, where = place("gb2021", COUNT_CELL)
    assert seen(path) == [("date-in-number-cell", "error", sheet, where)]
    message = one(path, "date-in-number-cell").message
    assert message == (
        f"填写的内容被 Excel 当成了{shown}。这里应填写件数，"
        "请把单元格格式改为“常规”后重新填写数字。"
    )


@pytest.mark.parametrize("number_format", ['0"件"', "#,##0", "0.00", "[Red]0", '"第"0"项"'])
def test_a_count_in_a_number_format_is_a_count(tmp_path: Path, number_format: str) -> None:
    """Formats with a d, h, m, s or y inside quotes or brackets show numbers, not dates."""
    ret = sample("gb2021")
    src = write(tmp_path / "src.xlsx", ret)
    number = ret.values[COUNT_CELL]
    assert isinstance(number, int)
    path = edit(src, tmp_path / "x.xlsx", _excel_made_a_date(number, number_format))
    assert seen(path) == []


@pytest.fixture(scope="module")
def date_typed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("date-typed")
    src = write(tmp / "src.xlsx", sample("gb2021"))
    return edit(src, tmp / "日期.xlsx", _excel_made_a_date(46024, 'm"月"d"日"'))


@pytest.mark.soffice
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_a_date_typed_into_a_count_fails_at_that_cell_in_ods_and_xls(
    date_typed: Path, soffice: str, tmp_path: Path, fmt: str
) -> None:
    """LibreOffice keeps the date: .ods says office:date-value, .xls keeps the date format."""
    path = convert([date_typed], tmp_path, fmt)[date_typed]
    sheet, where = place("gb2021", COUNT_CELL)
    assert seen(path) == [
        ("id-sheet-visible", "info", SHEET_ID, ""),  # saved by LibreOffice
        ("formulas-unknown", "info", "", ""),
        ("date-in-number-cell", "error", sheet, where),
    ]
    assert "日期（2026年1月2日）" in one(path, "date-in-number-cell").message


def test_blank_as_zero_only_when_asked(clean: dict[str, Path], tmp_path: Path) -> None:
    ret = sample("gb2021")
    ret.values["t3.r3_5_1.legal"] = 0
    src = write(tmp_path / "src.xlsx", ret)
    path = edit(src, tmp_path / "x.xlsx", typed("gb2021", "t3.r3_5_1.legal", None))
    sheet, where = place("gb2021", "t3.r3_5_1.legal")
    assert seen(path) == [("blank", "error", sheet, where)]
    assert seen(path, blank_as_zero=True) == [("blank-as-zero", "warning", sheet, where)]
    assert "已按 0 读取，请核实" in one(path, "blank-as-zero", blank_as_zero=True).message


# ---------------------------------------------------------------- rules


def test_rule_failed_at_the_check_cells_of_the_column_and_of_the_total(
    tmp_path: Path,
) -> None:
    ret = sample("gb2021")
    ret.values["t3.r4.business"] = int(ret.values["t3.r4.business"] or 0) + 3  # type: ignore[arg-type]
    path = write(tmp_path / "x.xlsx", ret)
    assert seen(path) == [
        ("rule-failed", "error", *check_place("gb2021", "R1[business]")),
        ("rule-failed", "error", *check_place("gb2021", "R1[total]")),
    ]
    f = inspect_file(path).findings[0]
    assert (f.rule, f.column_label) == ("R1[business]", "商业企业")
    assert int(f.expected) - int(f.value) == 3
    assert "请核对本列各项数字" in f.message and f"（{f.value}）" in f.message


def test_a_warning_rule_failed_is_a_warning(tmp_path: Path) -> None:
    """gb2019 R9 (核实): 对外公开总数量 smaller than 本年新公开数量."""
    path = write(tmp_path / "x.xlsx", r9_broken())
    assert seen(path) == [("rule-failed", "warning", *check_place("gb2019", "R9[rules]"))]
    assert "确有原因请在“说明”表中说明" in one(path, "rule-failed").message


def r9_broken(notes: list[tuple[str, str]] | None = None, code: str = "001") -> Return:
    ret = sample("gb2019", code)
    ret.values["t2.rules.published"] = 12
    ret.values["t2.rules.total_public"] = 10
    ret.notes = notes or []
    return ret


# ---------------------------------------------------------------- identity, via collect


def roster_file(tmp_path: Path, units: list[tuple[str, str]]) -> Path:
    path = tmp_path / "名册.csv"
    lines = ["单位代码,单位名称", *(f"{c},{n}" for c, n in units)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def collect_in(
    tmp_path: Path, files: dict[str, Path], units: list[tuple[str, str]], **kw: object
) -> CollectReport:
    inbox = tmp_path / "inbox"
    for name, src in files.items():
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, inbox / name)
    return collect(inbox, read_roster(roster_file(tmp_path, units)), jobs=1, **kw)  # type: ignore[arg-type]


def status(report: CollectReport) -> dict[str, str]:
    return {u.code: u.status for u in report.units}


def file_findings(report: CollectReport, name: str) -> list[tuple[str, str, str, str]]:
    fr = next(f for f in report.files if f.relative == name)
    return [(f.code, f.severity.value, f.sheet, f.cell) for f in fr.findings]


def test_unknown_unit(clean: dict[str, Path], tmp_path: Path) -> None:
    report = collect_in(tmp_path, {"a.xlsx": clean["gb2021"]}, [("002", "西城街道")])
    assert file_findings(report, "a.xlsx") == [("unknown-unit", "error", "", "")]
    assert status(report) == {"002": Status.MISSING}
    msg = report.files[0].findings[0].message
    assert "单位代码“001”" in msg and "请核对文件是否发错，或在名册中补充该单位" in msg


def test_wrong_year(tmp_path: Path) -> None:
    old = write(tmp_path / "old.xlsx", sample("gb2021", year=2024))
    report = collect_in(tmp_path, {"a.xlsx": old}, [("001", "测试单位")], year=2025)
    assert file_findings(report, "a.xlsx") == [("wrong-year", "error", "", "")]
    assert status(report) == {"001": Status.FAILED}
    assert "请使用 2025 年度模板重新填报" in report.files[0].findings[0].message


def clerk_fills(blank: Path, dst: Path, ret: Return, *, code: object) -> Path:
    """A unit fills a blank (not personalised) template: its code, name, year and figures."""

    def fill(wb: openpyxl.Workbook) -> None:
        info = wb[SHEET_INFO]
        for key, value in (("unit_code", code), ("unit_name", ret.unit_name), ("year", ret.year)):
            row, col = info_cell(key)
            info.cell(row + 1, col + 1, value)
        for cell_id, value in ret.values.items():
            sheet, where = place(ret.form.id, cell_id, ret.year)
            wb[sheet][where] = float(value) if isinstance(value, Decimal) else value

    return edit(blank, dst, fill)


def test_wrong_form_a_2019_template_filled_for_2025(tmp_path: Path) -> None:
    write_template(load_form("gb2019"), blank := tmp_path / "blank.xlsx", generated=FIXED)
    ret = sample("gb2019", year=2025)
    path = clerk_fills(blank, tmp_path / "x.xlsx", ret, code="001")
    report = collect_in(tmp_path, {"a.xlsx": path}, [("001", "测试单位")], year=2025)
    assert file_findings(report, "a.xlsx") == [("wrong-form", "error", "", "")]
    assert "请使用 2025 年度模板重新填报" in report.files[0].findings[0].message


@pytest.mark.parametrize("form_id", FORMS)
@pytest.mark.parametrize("code", ["012", 12], ids=["code-as-text", "code-as-number"])
def test_a_blank_template_filled_by_a_clerk_is_matched_by_code(
    tmp_path: Path, form_id: str, code: object
) -> None:
    """Excel turns a typed 012 into the number 12: the unit is still found by its code."""
    write_template(load_form(form_id), blank := tmp_path / "blank.xlsx", generated=FIXED)
    ret = sample(form_id, "012", "南湖街道")
    path = clerk_fills(blank, tmp_path / "x.xlsx", ret, code=code)
    res = inspect_file(path)
    assert res.findings == [] and res.ret is not None and res.ret.values == ret.values
    report = collect_in(tmp_path, {"南湖.xlsx": path}, [("011", "北湖街道"), ("012", "南湖街道")])
    assert status(report) == {"011": Status.MISSING, "012": Status.PASSED}


def test_duplicate_file_identical_bytes_count_once(clean: dict[str, Path], tmp_path: Path) -> None:
    report = collect_in(
        tmp_path,
        {"a.xlsx": clean["gb2021"], "转发/a 副本.xlsx": clean["gb2021"]},
        [("001", "测试单位")],
    )
    uses = {f.relative: f.use for f in report.files}
    assert uses == {"a.xlsx": Use.USED, "转发/a 副本.xlsx": Use.DUPLICATE}
    assert file_findings(report, "转发/a 副本.xlsx") == [("duplicate-file", "info", "", "")]
    assert "按一份处理" in report.files[1].findings[0].message
    assert status(report) == {"001": Status.PASSED}


JAN_10 = datetime(2026, 1, 10, 10).timestamp()


def test_superseded_by_the_newer_save(tmp_path: Path) -> None:
    bad = sample("gb2021")
    bad.values["t3.r1.natural"] = int(bad.values["t3.r1.natural"] or 0) + 1  # type: ignore[arg-type]
    first = write(tmp_path / "first.xlsx", bad, generated=datetime(2026, 1, 10, 9))
    second = write(tmp_path / "second.xlsx", sample("gb2021"), generated=datetime(2026, 1, 12, 9))
    # saved and received two days apart: the later one counts, whatever the names' order
    os.utime(first, (JAN_10, JAN_10))
    os.utime(second, (JAN_10 + 2 * 86_400, JAN_10 + 2 * 86_400))
    report = collect_in(tmp_path, {"z-旧.xlsx": first, "a-新.xlsx": second}, [("001", "测试单位")])
    uses = {f.relative: f.use for f in report.files}
    assert uses == {"a-新.xlsx": Use.USED, "z-旧.xlsx": Use.SUPERSEDED}
    assert file_findings(report, "z-旧.xlsx")[0] == ("superseded", "info", "", "")
    assert (
        "以该文件为准"
        in next(f for f in report.files if f.use == Use.SUPERSEDED).findings[0].message
    )
    assert status(report) == {"001": Status.PASSED}


def steady(ret: Return) -> tuple[Return, dict]:
    """A return whose figures continue last year's exactly, and last year's figures.

    In every column of table 三, 四、结转下年度 equals 二、上年结转 (so last year carried over
    what this year received), and 现行有效件数 follows from last year's by 制发 and 废止.
    """
    for col in {c.column for c in ret.form.inputs() if c.table == "t3"}:
        ret.values[f"t3.r4.{col}"] = ret.values[f"t3.r2.{col}"]
        ret.values[f"t3.r1.{col}"] = ret.get(f"t3.r3_7.{col}")
    for row in ("rules", "normative"):  # at least what was issued: last year's is not negative
        ret.values[f"t2.{row}.in_force"] = int(ret.values[f"t2.{row}.issued"] or 0) + 5
    last = ret.all_values()
    for row in ("rules", "normative"):
        issued, repealed = ret.values[f"t2.{row}.issued"], ret.values[f"t2.{row}.repealed"]
        last[f"t2.{row}.in_force"] = ret.values[f"t2.{row}.in_force"] - issued + repealed  # type: ignore[operator]
    return ret, last


def test_yoy_jump_and_carry_over_against_last_year(tmp_path: Path) -> None:
    ret, last = steady(column_of(sample("gb2021"), "natural", 120))
    last["t3.r1.natural"] = 10  # this year 120: more than five times as many
    last["t3.r4.natural"] = ret.values["t3.r2.natural"] + 7  # type: ignore[operator]
    path = write(tmp_path / "x.xlsx", ret)
    assert seen(path) == []
    report = collect_in(tmp_path, {"a.xlsx": path}, [("001", "测试单位")], previous={"001": last})
    assert file_findings(report, "a.xlsx") == [
        ("rule-failed", "error", T3, place("gb2021", "t3.r2.natural")[1]),
        ("yoy-jump", "info", T3, place("gb2021", "t3.r1.natural")[1]),
    ]
    carry, jump = report.files[0].findings
    assert (carry.rule, carry.value, carry.expected) == ("R6[natural]", "0", "7")
    assert "应等于上一年度报告的“四、结转下年度继续办理”（7）" in carry.message
    assert (jump.value, jump.expected) == ("120", "10")
    assert "请核实是否填错" in jump.message
    assert status(report) == {"001": Status.FAILED}


@pytest.mark.parametrize(
    "note",
    [
        ("R9", "规章清理后总数减少"),
        ("R9[rules]", "清理"),
        ("E6", "清理"),
        ("二 主动公开!D6", "清理"),
        ("'二 主动公开'!$E$6", "清理"),
    ],
    ids=["rule", "rule-instance", "check-cell", "input-cell", "as-in-a-formula"],
)
def test_a_warning_explained_in_the_notes_sheet_counts_as_explained(
    tmp_path: Path, note: tuple[str, str]
) -> None:
    assert check_place("gb2019", "R9[rules]") == ("二 主动公开", "E6")
    assert place("gb2019", "t2.rules.total_public") == ("二 主动公开", "D6")
    unexplained = write(tmp_path / "a.xlsx", r9_broken(code="001"))
    explained = write(tmp_path / "b.xlsx", r9_broken([note], code="002"))
    units = [("001", "甲"), ("002", "乙")]
    report = collect_in(tmp_path, {"a.xlsx": unexplained, "b.xlsx": explained}, units)
    assert status(report) == {"001": Status.WARNED, "002": Status.PASSED}
    (f,) = next(fr for fr in report.files if fr.unit_code == "002").findings
    assert f.explained and f.code == "rule-failed"


def test_a_note_without_a_reason_explains_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "a.xlsx", r9_broken([("R9", "")]))
    report = collect_in(tmp_path, {"a.xlsx": path}, [("001", "测试单位")])
    assert status(report) == {"001": Status.WARNED}


def test_a_reason_without_a_reference_explains_nothing(
    clean: dict[str, Path], tmp_path: Path
) -> None:
    """A reason typed in column C with column B left empty must not explain every warning."""

    def unprotect_and_note(wb: openpyxl.Workbook) -> None:
        wb[T3].protection.sheet = False
        wb[SHEET_NOTES].cell(NOTE_FIRST_ROW + 1, 3, "本单位数字无误")

    path = edit(clean["gb2021"], tmp_path / "x.xlsx", unprotect_and_note)
    report = collect_in(tmp_path, {"a.xlsx": path}, [("001", "测试单位")])
    assert file_findings(report, "a.xlsx") == [("protection-removed", "warning", T3, "")]
    assert status(report) == {"001": Status.WARNED}


def test_notes_typed_by_the_clerk_are_read(tmp_path: Path) -> None:
    src = write(tmp_path / "src.xlsx", r9_broken())

    def note(wb: openpyxl.Workbook) -> None:
        wb[SHEET_NOTES].cell(NOTE_FIRST_ROW + 1, 2, "Ｒ９")  # typed with a Chinese IME
        wb[SHEET_NOTES].cell(NOTE_FIRST_ROW + 1, 3, "已核实，规章清理后总数减少")

    path = edit(src, tmp_path / "x.xlsx", note)
    report = collect_in(tmp_path, {"a.xlsx": path}, [("001", "测试单位")])
    assert status(report) == {"001": Status.PASSED}


# ---------------------------------------------------------------- reports in the inbox


def test_imported_when_a_unit_sends_its_published_report_as_word(tmp_path: Path) -> None:
    from govxl.report.render import render_report

    ret = sample("gb2021", code="", name="正阳街道")
    doc = tmp_path / "正阳街道2025年报告.docx"
    doc.write_bytes(render_report(ret, "docx"))
    report = collect_in(tmp_path, {doc.name: doc}, [("001", "示例区正阳街道办事处")])
    assert status(report) == {
        "001": Status.PASSED
    }  # matched by name, figures checked like a return
    fr = report.files[0]
    assert [f.code for f in fr.findings] == ["imported"]
    assert fr.ret is not None and fr.ret.values == ret.values
    assert "建议该单位改用下发的填报模板" in fr.findings[0].message


def test_import_problem_when_a_report_row_cannot_be_placed(tmp_path: Path) -> None:
    from govxl.report.render import render_report

    text = render_report(sample("gb2021", code="", name="正阳街道"), "md").decode("utf-8")
    text = text.replace("1.属于国家秘密", "1.属于某种完全不同的情形")
    txt = tmp_path / "正阳街道2025年报告.md"
    txt.write_text(text, encoding="utf-8")
    report = collect_in(tmp_path, {txt.name: txt}, [("001", "正阳街道")])
    problems = [f for f in report.files[0].findings if f.code == "import-problem"]
    assert problems and all(f.file == txt.name for f in problems)
    assert any("属于某种完全不同的情形" in f.message for f in problems)


# ---------------------------------------------------------------- every code is covered


def test_version_unclear_when_two_corrections_cannot_be_told_apart(tmp_path: Path) -> None:
    """Two different returns saved in the same minute and downloaded together, nothing in
    their names: govxl takes one and asks which is final."""
    a = write(tmp_path / "a.xlsx", sample("gb2021", seed=1), generated=datetime(2026, 1, 12, 9))
    b = write(tmp_path / "b.xlsx", sample("gb2021", seed=2), generated=datetime(2026, 1, 12, 9))
    for path in (a, b):
        os.utime(path, (JAN_10, JAN_10))
    report = collect_in(tmp_path, {"报表A.xlsx": a, "报表B.xlsx": b}, [("001", "测试单位")])
    assert file_findings(report, "报表A.xlsx") == [("version-unclear", "warning", "", "")]
    assert "无法分出先后" in report.files[0].findings[0].message
    assert status(report) == {"001": Status.WARNED}


def test_unit_mismatch_when_a_file_named_for_one_unit_holds_another(
    clean: dict[str, Path], tmp_path: Path
) -> None:
    """The clean return is 001's; 002 sent it under its own name, edited or not."""
    report = collect_in(
        tmp_path, {"002-西城街道.xlsx": clean["gb2021"]}, [("001", "测试单位"), ("002", "西城街道")]
    )
    assert file_findings(report, "002-西城街道.xlsx") == [("unit-mismatch", "error", "", "")]
    assert report.files[0].use == Use.DISPUTED
    assert status(report) == {"001": Status.MISSING, "002": Status.FAILED}


def test_formula_in_input_when_a_sum_is_typed_into_a_money_cell(
    clean: dict[str, Path], tmp_path: Path
) -> None:
    cell = next(c.id for c in load_form("gb2021").inputs() if c.type.value == "money")
    path = edit(clean["gb2021"], tmp_path / "a.xlsx", typed("gb2021", cell, "=SUM(100,200)"))
    sheet, where = place("gb2021", cell)
    assert ("formula-in-input", "error", sheet, where) in seen(path)


from test_evaluate import (  # noqa: E402  # the evaluator's codes are triggered there
    test_a_2023_report_in_the_2019_layout_is_outdated,
    test_figures_in_the_text_that_the_tables_contradict,
    test_parts_five_and_six_must_say_something_and_fees_go_in_six,
    test_parts_missing_or_out_of_order_in_an_imported_report,
    test_text_copied_from_last_year_is_named_per_part,
)

TRIGGERS: dict[str, Callable[..., None]] = {
    "file-unreadable": test_file_unreadable_a_truncated_download,
    "not-a-return": test_not_a_return_a_home_made_table,
    "macro-present": test_macro_present_in_an_xlsm_never_run_and_figures_still_read,
    "formulas-unknown": test_an_ods_is_read_with_its_values_and_passes_with_a_note_on_formulas,
    "superseded": test_superseded_by_the_newer_save,
    "duplicate-file": test_duplicate_file_identical_bytes_count_once,
    "unknown-unit": test_unknown_unit,
    "wrong-year": test_wrong_year,
    "wrong-form": test_wrong_form_a_2019_template_filled_for_2025,
    "outdated-template": test_outdated_template_when_the_form_definition_changed,
    "sheet-missing": test_sheet_missing_when_deleted_or_renamed,
    "label-changed": test_label_changed_when_a_row_is_inserted,
    "formula-changed": test_formula_changed_when_a_total_sums_the_wrong_cells,
    "check-changed": test_check_changed_when_a_check_cell_is_overwritten,
    "protection-removed": test_protection_removed_from_a_sheet,
    "blank": test_value_problems_point_at_the_cell,
    "blank-as-zero": test_blank_as_zero_only_when_asked,
    "number-as-text": test_a_published_report_may_write_numbers_with_units_and_words,
    "text-number": test_value_problems_point_at_the_cell,
    "id-sheet-visible": test_a_libreoffice_resave_is_told_only_that_the_identity_sheet_shows,
    "not-a-number": test_value_problems_point_at_the_cell,
    "fraction": test_value_problems_point_at_the_cell,
    "date-in-number-cell": test_a_date_excel_made_of_a_count_fails_at_that_cell,
    "negative": test_value_problems_point_at_the_cell,
    "too-large": test_value_problems_point_at_the_cell,
    "unit-converted": test_a_published_report_may_write_numbers_with_units_and_words,
    "unit-unclear": test_a_published_report_may_write_numbers_with_units_and_words,
    "rule-failed": test_rule_failed_at_the_check_cells_of_the_column_and_of_the_total,
    "total-mismatch": test_formula_changed_and_total_mismatch_when_a_total_is_typed_over,
    "yoy-jump": test_yoy_jump_and_carry_over_against_last_year,
    "imported": test_imported_when_a_unit_sends_its_published_report_as_word,
    "import-problem": test_import_problem_when_a_report_row_cannot_be_placed,
    "text-vs-tables": test_figures_in_the_text_that_the_tables_contradict,
    "section-empty": test_parts_five_and_six_must_say_something_and_fees_go_in_six,
    "fees-not-reported": test_parts_five_and_six_must_say_something_and_fees_go_in_six,
    "section-missing": test_parts_missing_or_out_of_order_in_an_imported_report,
    "section-order": test_parts_missing_or_out_of_order_in_an_imported_report,
    "outdated-layout": test_a_2023_report_in_the_2019_layout_is_outdated,
    "copied-text": test_text_copied_from_last_year_is_named_per_part,
    "version-unclear": test_version_unclear_when_two_corrections_cannot_be_told_apart,
    "unit-mismatch": test_unit_mismatch_when_a_file_named_for_one_unit_holds_another,
    "formula-in-input": test_formula_in_input_when_a_sum_is_typed_into_a_money_cell,
}


def test_every_catalogued_and_value_code_has_a_triggering_test() -> None:
    assert set(TRIGGERS) == set(CATALOGUE) | set(CODES)
    value_codes = {case[3] for case in VALUE_CASES}
    for code, test in TRIGGERS.items():
        if test is test_value_problems_point_at_the_cell:
            assert code in value_codes, code
