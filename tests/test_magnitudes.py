"""Magnitudes no unit of that level can have are 核实: each can be explained on the 说明 sheet.

Two 街道 once reported 808,891 and 413,448 万元 of fees (about 123 亿元 together): figures in 元
typed into a 万元 cell. Fees above 1 亿元 (R11) and round sums of 1,000 万元 or more (R12) are
checked live in the workbook and by govxl alike; counts far above a unit's own last year (R13)
are checked when ``--previous`` is given. A summary adds up many units: the per-unit checks do
not apply to it, and its 说明 sheet says so.
"""

from __future__ import annotations

import random
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from govxl.check import inspect_file
from govxl.collect import collect
from govxl.collect.status import Status
from govxl.forms import load_form
from govxl.forms.layout import a1, layout
from govxl.merge import merge, write_summary
from govxl.roster import Roster, Unit
from govxl.samples import random_return
from govxl.template.writer import render

YEAR = 2025


def _return(code: str = "001", **values: object):
    ret = random_return(load_form("gb2021"), random.Random(code), year=YEAR, code=code, name=code)
    for key, value in values.items():
        ret.values[key.replace("__", ".")] = value  # type: ignore[assignment]
    return ret


def _findings(tmp_path: Path, ret) -> list[tuple[str, str, str, bool]]:
    path = tmp_path / f"{ret.unit_code}.xlsx"
    path.write_bytes(render(ret))
    return [
        (f.rule, f.severity.value, f.cell, f.explained)
        for f in inspect_file(path).findings
        if f.code == "rule-failed"
    ]


def _check_cell(key: str) -> str:
    lay = layout(load_form("gb2021"), "t2", YEAR)
    return a1(*lay.checks[key])


@pytest.mark.parametrize(
    ("fee", "rule"),
    [(Decimal("808891"), "R11"), (Decimal("413448.5"), "R11"), (Decimal("1200"), "R12")],
    ids=["typed-in-yuan", "far-above-a-district", "round-thousands"],
)
def test_implausible_fees_are_a_warning_at_their_live_check(tmp_path, fee, rule) -> None:
    ret = _return(t2__fees__fee_amount=fee)
    assert _findings(tmp_path, ret) == [(rule, "warning", _check_cell(rule), False)]


@pytest.mark.parametrize(
    "fee", [Decimal("0"), Decimal("12.5"), Decimal("999"), Decimal("5949.088667")]
)
def test_plausible_fees_pass(tmp_path, fee) -> None:
    assert _findings(tmp_path, _return(t2__fees__fee_amount=fee)) == []


def test_a_warning_explained_on_the_notes_sheet_passes(tmp_path) -> None:
    ret = _return(t2__fees__fee_amount=Decimal("808891"))
    ret.notes = [("R11", "代收不动产登记费，经财政核对无误")]
    assert _findings(tmp_path, ret) == [("R11", "warning", _check_cell("R11"), True)]


def test_counts_far_above_last_year_are_a_warning_explainable_by_the_cell(tmp_path) -> None:
    ret = _return()
    for row in ("rules", "normative"):  # continuing last year's (R7), which was not negative
        ret.values[f"t2.{row}.in_force"] = int(ret.values[f"t2.{row}.issued"] or 0) + 100  # type: ignore[call-overload]
    last = ret.all_values()
    for cell in load_form("gb2021").table_cells("t3"):  # carried over as last year said (R6)
        if cell.row == "r4":
            last[cell.id] = ret.all_values()[cell.id.replace("r4", "r2")]
    for row in ("rules", "normative"):
        issued, repealed = ret.values[f"t2.{row}.issued"], ret.values[f"t2.{row}.repealed"]
        last[f"t2.{row}.in_force"] = ret.values[f"t2.{row}.in_force"] - issued + repealed  # type: ignore[operator]
    ret.values["t2.licensing.decisions"] = 10 * int(last["t2.licensing.decisions"] or 0) + 51  # type: ignore[call-overload]
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(render(ret))
    roster = Roster(Path("r.csv"), (Unit("001", "001"),))
    report = collect(inbox, roster, previous={"001": last}, jobs=1)
    (f,) = [f for f in report.files[0].findings if f.rule.startswith("R13")]
    lay = layout(load_form("gb2021"), "t2", YEAR)
    assert (f.severity.value, f.cell) == ("warning", lay.a1("t2.licensing.decisions"))
    assert "超过了上年的 10 倍再加 50" in f.message
    assert report.units[0].status is Status.WARNED
    ret.notes = [(f"{lay.table.sheet}!{f.cell}", "本年开展集中审批，确有大幅增加")]
    shutil.rmtree(inbox)
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(render(ret))
    report = collect(inbox, roster, previous={"001": last}, jobs=1)
    assert report.units[0].status is Status.PASSED


def test_a_summary_of_many_units_explains_the_per_unit_checks(tmp_path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    for code in ("A", "B", "C"):  # 4,000 万元 each: plausible alone, 1.2 亿元 together
        (inbox / f"{code}.xlsx").write_bytes(
            render(_return(code, t2__fees__fee_amount=Decimal("4000.5")))
        )
    result = merge([inbox])
    assert result.summary.notes == [
        ("R11", "本表是 3 个单位的汇总数：单个单位的数额范围不适用于汇总数。")
    ]
    res = inspect_file(write_summary(result, tmp_path / "汇总.xlsx"))
    assert [(f.rule, f.explained) for f in res.findings] == [("R11", True)]
