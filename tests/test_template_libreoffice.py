"""The template's live formulas, recalculated by a real spreadsheet program.

Random inputs (balanced, unbalanced, with blanks, with text) are typed into personalised
templates with openpyxl — as a clerk's spreadsheet would store them, without cached results —
then LibreOffice headless recalculates every file in one run. Every total, check cell and
status line it computes must equal govxl's own Python evaluation of the same rules.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from structure import covered, structure

from govxl.forms import load_form
from govxl.forms.compute import Value, compute, display
from govxl.forms.formulas import overall_value, status_value
from govxl.forms.layout import STATUS_ROW, a1, layout
from govxl.forms.returns import Return
from govxl.forms.workbook import SHEET_INFO
from govxl.office import convert
from govxl.samples import random_values
from govxl.template.writer import render

pytestmark = pytest.mark.soffice

FORMS = ["gb2019", "gb2021", "jilin2020"]
YEAR = {"gb2019": 2020, "gb2021": 2025, "jilin2020": 2020}
CASES = ["balanced", "unbalanced", "blanks", "text"]
SEEDS = range(3)


@dataclass
class Case:
    form_id: str
    case: str
    seed: int
    values: dict[str, Value]
    path: Path


def _values(form_id: str, case: str, seed: int) -> dict[str, Value]:
    form = load_form(form_id)
    rng = random.Random(f"{form_id}-{case}-{seed}")
    values = random_values(form, rng, balanced=case != "unbalanced")
    inputs = [c for c in form.inputs() if c.table == "t3"]
    if case == "unbalanced":
        cell = rng.choice(inputs)
        values[cell.id] = int(values[cell.id] or 0) + rng.randint(1, 5)
    if case == "blanks":
        for cell in rng.sample(form.inputs(), 12):
            values[cell.id] = None
    if case == "text":
        values[rng.choice(inputs).id] = "无"
        values[rng.choice(form.inputs()).id] = "减59"
    return values


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> list[Case]:
    tmp = tmp_path_factory.mktemp("lo")
    cases: list[Case] = []
    for form_id in FORMS:
        form = load_form(form_id)
        template = tmp / f"{form_id}-template.xlsx"
        template.write_bytes(
            render(
                Return(form, year=YEAR[form_id], unit_code="001", unit_name="测试单位"),
                generated=datetime(2026, 1, 5),
            )
        )
        for case in CASES:
            for seed in SEEDS:
                values = _values(form_id, case, seed)
                wb = openpyxl.load_workbook(template)
                for cell in form.inputs():
                    lay = layout(form, cell.table, YEAR[form_id])
                    v = values[cell.id]
                    wb[lay.table.sheet][lay.a1(cell.id)] = float(v) if isinstance(v, Decimal) else v
                path = tmp / f"{form_id}-{case}-{seed}.xlsx"
                wb.save(path)
                cases.append(Case(form_id, case, seed, values, path))
    out = convert([c.path for c in cases], tmp / "out", "xlsx")
    for c in cases:
        c.path = out[c.path]
    return cases


def _number(v: object) -> object:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def test_every_formula_agrees_with_python(recalculated: list[Case]) -> None:
    compared = 0
    for c in recalculated:
        form = load_form(c.form_id)
        year = YEAR[c.form_id]
        wb = openpyxl.load_workbook(c.path, data_only=True)
        py = compute(form, c.values)
        by_key = {i.key: i for i in form.instances}
        statuses = []
        for table in form.tables:
            lay = layout(form, table.id, year)
            ws = wb[table.sheet]
            where = f"{c.path.name} {table.sheet}"
            for cell in form.table_cells(table.id):
                if cell.computed:
                    assert _number(ws[lay.a1(cell.id)].value) == py[cell.id], (where, cell.id)
                    compared += 1
            for key, place in lay.checks.items():
                shown = ws[a1(*place)].value or ""
                assert shown == display(by_key[key], py), (where, key)
                compared += 1
            status = status_value(form, lay, py)
            assert ws[a1(STATUS_ROW, 0)].value == status, where
            statuses.append(status)
        assert wb[SHEET_INFO]["B11"].value == overall_value(statuses)
    assert compared > 1000


def test_cases_cover_passing_and_failing_checks(recalculated: list[Case]) -> None:
    """The differential test is only worth something if both outcomes occur."""
    shown = set()
    for c in recalculated:
        form = load_form(c.form_id)
        py = compute(form, c.values)
        shown |= {display(i, py)[:1] for i in form.instances if i.live}
    assert {"", "✓", "✗"} <= shown


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str, tuple]:
    tmp = tmp_path_factory.mktemp("rt")
    originals = {}
    for form_id in FORMS:
        p = tmp / f"{form_id}.xlsx"
        p.write_bytes(
            render(
                Return(load_form(form_id), year=YEAR[form_id], unit_code="1", unit_name="单位"),
                generated=datetime(2026, 1, 5),
            )
        )
        originals[form_id] = p
    out = convert(list(originals.values()), tmp / "out", "xlsx")
    return {f: (structure(p), structure(out[p])) for f, p in originals.items()}


@pytest.mark.parametrize("form_id", FORMS)
def test_libreoffice_round_trip_keeps_protection_inputs_validation_merges(round_trip, form_id):
    before, after = round_trip[form_id]
    assert after["sheets"] == before["sheets"]
    for sheet in before["sheets"]:
        b, a = before[sheet], after[sheet]
        assert a["protected"] == b["protected"], sheet
        assert a["unlocked"] == b["unlocked"], sheet
        assert a["merged"] == b["merged"], sheet
        assert {covered(v[0]) for v in a["validations"]} == {
            covered(v[0]) for v in b["validations"]
        }, sheet
    # LibreOffice turns "very hidden" into "hidden": the reader accepts both.
    assert after["_govxl"]["state"] in ("hidden", "veryHidden")
