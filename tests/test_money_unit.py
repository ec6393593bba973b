"""The district fixes the unit of 2019's 采购总金额 when it makes the templates.

The official 2019 table prints no unit for （九）采购总金额, and reports use 元, 万元 or a bare
number. The district chooses (元 unless it says 万元); the template states the unit under the
table's title and in the cell's prompt, keeps it in its identity sheet, and a summary never adds
returns made in different units.
"""

from __future__ import annotations

import random
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from govxl.check import inspect_file
from govxl.cli import app
from govxl.forms import load_form
from govxl.forms.layout import SIGN_ROW, a1, layout
from govxl.forms.workbook import ID_KEYS, SHEET_ID
from govxl.merge import MergeError, merge
from govxl.samples import random_return
from govxl.template.writer import render

CELL = "t2.procurement.amount"


def _template(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "模板.xlsx"
    cmd = ["template", "-f", "gb2019", "--year", "2020", "-o", str(out), *args]
    result = CliRunner().invoke(app, cmd)
    return result.exit_code, result.output + result.stderr, out


@pytest.mark.parametrize(("args", "unit"), [((), "元"), (("--money-unit", "万元"), "万元")])
def test_the_template_states_the_unit_the_district_chose(tmp_path, args, unit) -> None:
    code, output, out = _template(tmp_path, *args)
    assert code == 0 and f"采购总金额以“{unit}”为单位" in output
    form = load_form("gb2019")
    lay = layout(form, "t2", 2020)
    wb = openpyxl.load_workbook(out)
    ws = wb[lay.table.sheet]
    assert f"采购总金额以“{unit}”为单位" in ws[a1(SIGN_ROW, 0)].value  # printed under the title
    (dv,) = [v for v in ws.data_validations.dataValidation if lay.a1(CELL) in str(v.sqref)]
    assert f"单位：{unit}" in dv.prompt
    assert any(f"采购总金额以“{unit}”为单位" in str(c.value) for c in wb["填报说明"]["A"])
    ident = {r[0].value: r[1].value for r in wb[SHEET_ID].iter_rows(max_row=len(ID_KEYS))}
    assert ident["money_unit"] == unit
    ret = inspect_file(out).ret
    assert ret is not None and ret.money_unit == unit


def test_a_unit_the_form_fixes_cannot_be_changed(tmp_path) -> None:
    out = tmp_path / "x.xlsx"
    cmd = ["template", "-f", "gb2021", "--year", "2025", "-o", str(out), "--money-unit", "元"]
    result = CliRunner().invoke(app, cmd)
    assert result.exit_code == 2 and "金额单位已由格式规定" in result.stderr
    code, output, _ = _template(tmp_path, "--money-unit", "千元")
    assert code == 2 and "金额单位只能是元或万元" in output


def _return(folder: Path, code: str, unit: str) -> None:
    ret = random_return(load_form("gb2019"), random.Random(code), year=2020, code=code, name=code)
    ret.money_unit = unit
    folder.mkdir(exist_ok=True)
    (folder / f"{code}.xlsx").write_bytes(render(ret))


def test_returns_in_different_units_are_never_added(tmp_path) -> None:
    _return(tmp_path / "in", "U1", "元")
    _return(tmp_path / "in", "U2", "万元")
    with pytest.raises(MergeError) as e:
        merge([tmp_path / "in"])
    assert "采购总金额的单位不一致，不能相加" in str(e.value)
    assert "U1.xlsx：元" in str(e.value) and "U2.xlsx：万元" in str(e.value)


def test_a_summary_keeps_the_unit_of_its_returns(tmp_path) -> None:
    _return(tmp_path / "in", "U1", "万元")
    _return(tmp_path / "in", "U2", "万元")
    result = merge([tmp_path / "in"])
    assert result.summary.money_unit == "万元"
