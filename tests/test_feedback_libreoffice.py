"""A unit corrects its 退回 copy: the marks clear, and the copy is a return that passes.

A return with one problem of each kind in every table (an unbalanced column, "无", a blank, a
negative count, a fee typed in 元 into a 万元 cell) is collected and annotated. The unit then
corrects the copy as a clerk does — the figures with openpyxl, the 核实 explained on the 说明
sheet — and LibreOffice recalculates and saves it. Before the correction every mark holds and the
审核意见 sheet says 未改正; after it every mark is gone, the sheet says 已改正, every status line
says √, and ``govxl collect`` passes the corrected copy.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from govxl.collect import collect
from govxl.collect.feedback import FIRST, SHEET, write_feedback
from govxl.collect.status import Status
from govxl.forms import load_form
from govxl.forms.layout import STATUS_ROW, a1, layout
from govxl.forms.workbook import NOTE_FIRST_ROW, SHEET_ID, SHEET_INFO, SHEET_NOTES
from govxl.office import convert
from govxl.roster import Roster, Unit
from govxl.samples import random_return
from govxl.template.formats import INPUT_FILL
from govxl.template.writer import render

pytestmark = pytest.mark.soffice

FORM, YEAR, CODE, NAME = "gb2021", 2025, "001", "示例区正阳街道办事处"
SCRATCH_COL = 52
"""A far column where the test copies each mark's formula, for LibreOffice to evaluate."""


@dataclass
class Copies:
    original: Path
    feedback: Path
    before: Path
    after: Path
    corrections: dict[str, object]
    places: list[tuple[str, str]]
    """Where the findings are: the marked cells."""
    checks: set[tuple[str, str]]


def _roster() -> Roster:
    return Roster(Path("名册.csv"), (Unit(CODE, NAME),))


def _place(cell_id: str) -> tuple[str, str]:
    form = load_form(FORM)
    lay = layout(form, form.cells[cell_id].table, YEAR)
    return lay.table.sheet, lay.a1(cell_id)


def _scratch_marks(path: Path) -> None:
    """Copy every single-cell mark's formula into a far cell of its sheet."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        row = 1
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                if rule.type == "expression" and ":" not in str(cf.sqref):
                    ws.cell(row, SCRATCH_COL, "=" + rule.formula[0])
                    ws.cell(row, SCRATCH_COL + 1, str(cf.sqref))
                    row += 1
    wb.save(path)


def _marks(path: Path) -> dict[tuple[str, str], bool]:
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for ws in wb.worksheets:
        for row in range(1, ws.max_row + 1):
            where = ws.cell(row, SCRATCH_COL + 1).value
            if where:
                out[(ws.title, where)] = bool(ws.cell(row, SCRATCH_COL).value)
    return out


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> Copies:
    tmp = tmp_path_factory.mktemp("feedback")
    form = load_form(FORM)
    ret = random_return(form, random.Random(7), year=YEAR, code=CODE, name=NAME)
    right = dict(ret.values)
    ret.values["t3.r1.natural"] = int(right["t3.r1.natural"] or 0) + 3  # type: ignore[call-overload]
    ret.values["t4.cases.review_upheld"] = "无"
    ret.values["t2.rules.issued"] = None
    ret.values["t3.r3_4_2.legal"] = -3
    ret.values["t2.fees.fee_amount"] = 808891  # 元 typed into 万元: a 核实
    inbox = tmp / "inbox"
    inbox.mkdir()
    original = inbox / f"{CODE}-{NAME}.xlsx"
    original.write_bytes(render(ret))
    report = collect(inbox, _roster(), jobs=1)
    assert report.units[0].status is Status.FAILED
    feedback = write_feedback(report.files[0], tmp / "out")
    assert feedback is not None
    corrections = {
        cid: right[cid]
        for cid in ("t3.r1.natural", "t4.cases.review_upheld", "t2.rules.issued", "t3.r3_4_2.legal")
    }
    before = tmp / "before.xlsx"
    shutil.copy(feedback, before)
    _scratch_marks(before)
    after = tmp / "after.xlsx"
    wb = openpyxl.load_workbook(feedback)
    for cid, value in corrections.items():
        sheet, where = _place(cid)
        wb[sheet][where] = float(value) if not isinstance(value, int) else value  # type: ignore[arg-type]
    wb[SHEET_NOTES].cell(NOTE_FIRST_ROW + 1, 2, "R11")
    wb[SHEET_NOTES].cell(NOTE_FIRST_ROW + 1, 3, "本单位代收的不动产登记费，确为 80 亿余元")
    wb.save(after)
    _scratch_marks(after)
    out = convert([before, after], tmp / "lo", "xlsx")
    places = [(f.sheet, f.cell) for f in report.files[0].findings]
    checks = {
        (t.sheet, a1(*p)) for t in form.tables for p in layout(form, t.id, YEAR).checks.values()
    }
    return Copies(original, feedback, out[before], out[after], corrections, places, checks)


def _check_marks(path: Path, places: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {(sheet, where): wb[sheet][where].value or "" for sheet, where in places}


def test_every_problem_is_marked_and_listed_as_not_yet_corrected(copies: Copies) -> None:
    marks = _marks(copies.before)
    shown = _check_marks(copies.before, [p for p in copies.places if p in copies.checks])
    assert len(copies.places) == 5
    for place in copies.places:
        assert shown[place][:1] in "×△" if place in copies.checks else marks[place], place
    wb = openpyxl.load_workbook(copies.before, data_only=True)
    states = [r[4] for r in wb[SHEET].iter_rows(min_row=FIRST, values_only=True) if r[0]]
    assert states and set(states) == {"未改正"}
    form = load_form(FORM)
    assert all(wb[t.sheet][a1(STATUS_ROW, 0)].value.startswith("×") for t in form.tables)


def test_corrected_marks_clear_and_the_opinions_say_corrected(copies: Copies) -> None:
    marks = _marks(copies.after)
    assert marks and not any(marks.values()), [k for k, v in marks.items() if v]
    shown = _check_marks(copies.after, [p for p in copies.places if p in copies.checks])
    assert shown and all(v.startswith("√") for v in shown.values()), shown
    wb = openpyxl.load_workbook(copies.after, data_only=True)
    states = [r[4] for r in wb[SHEET].iter_rows(min_row=FIRST, values_only=True) if r[0]]
    assert states and set(states) == {"已改正"}
    form = load_form(FORM)
    for table in form.tables:
        assert wb[table.sheet][a1(STATUS_ROW, 0)].value == "√ 本表校验通过", table.sheet
    assert wb[SHEET_INFO]["B11"].value == "√ 全部表格校验通过"


def test_the_corrected_copy_is_a_return_that_passes_collect(copies: Copies, tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(copies.after, inbox / copies.feedback.name)
    report = collect(inbox, _roster(), jobs=1)
    (unit,) = report.units
    findings = [(f.code, f.severity.value, f.explained) for f in report.files[0].findings]
    assert unit.status is Status.PASSED, findings
    assert ("rule-failed", "warning", True) in findings  # R11, explained by the unit
    assert {c for c, s, _ in findings if s != "warning"} <= {"id-sheet-visible"}


def test_the_copy_keeps_the_template_and_hides_its_identity(copies: Copies) -> None:
    wb = openpyxl.load_workbook(copies.feedback)
    assert wb.sheetnames[0] == SHEET and wb.active.title == SHEET
    assert wb[SHEET_ID].sheet_state == "veryHidden"
    assert all(ws.protection.sheet for ws in wb.worksheets)
    assert wb.security.lockStructure
    sheet, where = _place("t4.cases.review_upheld")
    cell = wb[sheet][where]
    assert cell.value == "无" and "没有请填 0" in cell.comment.text
    assert cell.fill.fgColor.rgb == "FF" + INPUT_FILL[1:]  # the template's: no fixed red fill
