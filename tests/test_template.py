"""The template: protected official tables, live totals and checks, deterministic output."""

from __future__ import annotations

import json
import os
import random
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import MultiCellRange
from structure import structure
from typer.testing import CliRunner

from govxl.cli import app
from govxl.forms import load_form
from govxl.forms.cellmap import cell_map
from govxl.forms.formulas import helper_formula, sheet_ref
from govxl.forms.layout import TITLE_ROW, a1, layout
from govxl.forms.returns import Return
from govxl.forms.workbook import ID_KEYS, SHEET_ID, SHEET_MARKS
from govxl.samples import random_return
from govxl.template import write_template
from govxl.template.writer import render

FORMS = ["gb2019", "gb2021", "jilin2020"]
YEAR = {"gb2019": 2020, "gb2021": 2025, "jilin2020": 2020}
FIXED = datetime(2026, 1, 5, 9, 0, 0)
GOLDEN = Path(__file__).parent / "golden"


def _template(tmp_path: Path, form_id: str, **kw) -> Path:
    out = tmp_path / f"{form_id}.xlsx"
    write_template(load_form(form_id), out, year=YEAR[form_id], generated=FIXED, **kw)
    return out


@pytest.mark.parametrize("form_id", FORMS)
def test_only_input_cells_are_unlocked_and_every_sheet_is_protected(tmp_path, form_id):
    form = load_form(form_id)
    s = structure(_template(tmp_path, form_id, unit_code="007", unit_name="正阳街道"))
    assert s["lock_structure"]
    for table in form.tables:
        sheet = s[table.sheet]
        lay = layout(form, table.id, YEAR[form_id])
        assert sheet["protected"]
        inputs = {lay.a1(c.id) for c in form.table_cells(table.id) if not c.computed}
        assert set(sheet["unlocked"]) == inputs
    assert all(s[name]["protected"] for name in s["sheets"])
    assert s[SHEET_ID]["state"] == "veryHidden"


@pytest.mark.parametrize("form_id", FORMS)
def test_totals_are_the_formulas_of_the_cell_map(tmp_path, form_id):
    form = load_form(form_id)
    s = structure(_template(tmp_path, form_id))
    cmap = cell_map(form, YEAR[form_id])
    for cell in cmap["cells"]:
        if not cell["input"]:
            assert s[cell["sheet"]]["formulas"][cell["a1"]] == cell["formula"]
            assert cell["a1"] not in s[cell["sheet"]]["unlocked"]
    for check in cmap["checks"]:
        if "a1" in check:
            assert s[check["sheet"]]["formulas"][check["a1"]] == check["formula"]


@pytest.mark.parametrize("form_id", FORMS)
def test_inputs_carry_data_validation_by_type(tmp_path, form_id):
    form = load_form(form_id)
    s = structure(_template(tmp_path, form_id))
    for cell in cell_map(form, YEAR[form_id])["cells"]:
        if not cell["input"]:
            continue
        dvs = [v for v in s[cell["sheet"]]["validations"] if cell["a1"] in MultiCellRange(v[0])]
        assert len(dvs) == 1, cell["id"]
        _, kind, op, low, high = dvs[0]
        # "between" is the default operator and is left out of the XML
        expected = {
            "count": ("whole", "", "0", "100000000"),
            "delta": ("whole", "", "-100000000", "100000000"),
            "money": ("decimal", "greaterThanOrEqual", "0", ""),
        }[cell["type"]]
        assert (kind, op, low, high) == expected


@pytest.mark.parametrize("form_id", FORMS)
def test_same_inputs_give_identical_bytes(form_id):
    form = load_form(form_id)
    ret = random_return(form, random.Random(7), year=YEAR[form_id], code="1", name="单位")
    assert render(ret, generated=FIXED) == render(ret, generated=FIXED)


@pytest.mark.parametrize("form_id", FORMS)
def test_cached_results_are_true_results(tmp_path, form_id):
    """Cached formula values must not lie: never XlsxWriter's default 0."""
    form = load_form(form_id)
    ret = random_return(form, random.Random(3), year=YEAR[form_id], code="1", name="单位")
    path = tmp_path / "filled.xlsx"
    path.write_bytes(render(ret, generated=FIXED))
    wb = openpyxl.load_workbook(path, data_only=True)
    values = ret.all_values()
    for cell in cell_map(form, YEAR[form_id])["cells"]:
        if not cell["input"]:
            assert wb[cell["sheet"]][cell["a1"]].value == values[cell["id"]], cell["id"]
    assert wb["三 依申请"]["A1"].value == "√ 本表校验通过"


def test_identity_sheet_records_form_unit_and_year(tmp_path):
    path = _template(tmp_path, "gb2021", unit_code="007", unit_name="正阳街道")
    ws = openpyxl.load_workbook(path)[SHEET_ID]
    ident = {ws.cell(i + 1, 1).value: ws.cell(i + 1, 2).value for i in range(len(ID_KEYS))}
    assert ident["form"] == "gb2021"
    assert ident["form_digest"] == load_form("gb2021").digest
    assert (ident["unit_code"], ident["unit_name"], ident["year"]) == ("007", "正阳街道", "2025")
    assert ident["generated"] == "2026-01-05T09:00:00"


def test_unit_text_starting_with_equals_is_never_a_formula(tmp_path):
    form = load_form("gb2021")
    ret = Return(
        form,
        year=2025,
        unit_code="1",
        unit_name='=HYPERLINK("x")',
        texts={"p1": "=cmd|' /C calc'!A0"},
        notes=[("R1", "=1+1")],
    )
    path = tmp_path / "t.xlsx"
    path.write_bytes(render(ret, generated=FIXED))
    s = structure(path)
    for sheet in s["sheets"]:
        assert not any(
            "cmd" in f or "HYPERLINK" in f or f == "=1+1" for f in s[sheet]["formulas"].values()
        )


@pytest.mark.parametrize("form_id", FORMS)
def test_cells_with_the_same_rule_and_prompt_share_one_validation(tmp_path, form_id):
    """A sheet carries one validation per distinct rule, its cells as ranges (``D6:J6``): one
    per cell made the validations two thirds of every sheet's XML, read again in each return."""
    wb = openpyxl.load_workbook(_template(tmp_path, form_id))
    for ws in wb.worksheets:
        rules = [
            (dv.type, dv.operator, dv.formula1, dv.formula2, dv.promptTitle, dv.prompt)
            for dv in ws.data_validations.dataValidation
        ]
        assert len(rules) == len(set(rules)), ws.title
        inputs = sum(
            r.size["rows"] * r.size["columns"]
            for dv in ws.data_validations.dataValidation
            for r in MultiCellRange(str(dv.sqref)).ranges
        )
        if ws.title.startswith("三"):
            assert len(rules) * 3 < inputs, "most rows share one validation"
    wb.close()


@pytest.mark.parametrize("form_id", FORMS)
def test_blank_template_structure_matches_golden(tmp_path, form_id):
    """Golden structure (not bytes): reviewed JSON in tests/golden/, refreshed on purpose only."""
    s = structure(_template(tmp_path, form_id))
    golden = GOLDEN / f"{form_id}.json"
    if os.environ.get("GOVXL_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(
            json.dumps(s, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    assert json.loads(json.dumps(s)) == json.loads(golden.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- CLI


def test_cli_blank_template(tmp_path):
    out = tmp_path / "blank.xlsx"
    result = CliRunner().invoke(app, ["template", "--form", "gb2021", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames[:2] == ["填报说明", "基本信息"]


def test_cli_roster_templates_one_per_unit(tmp_path):
    roster = tmp_path / "名册.csv"
    roster.write_text("单位代码,单位名称\n001,正阳街道\n002,城西乡/镇\n", encoding="utf-8-sig")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["template", "-f", "gb2021", "--year", "2025", "--roster", str(roster), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["001-正阳街道.xlsx", "002-城西乡_镇.xlsx"]
    ws = openpyxl.load_workbook(out / "002-城西乡_镇.xlsx")["基本信息"]
    assert (ws["B3"].value, ws["B4"].value, ws["B5"].value) == ("城西乡/镇", "002", 2025)
    assert ws["B3"].protection.locked and not ws["B7"].protection.locked


def test_cli_refuses_a_year_the_form_does_not_cover(tmp_path):
    result = CliRunner().invoke(
        app, ["template", "-f", "gb2019", "--year", "2025", "-o", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 2
    assert "表单 gb2019 不适用于 2025 年度，2025 年度应使用 gb2021" in result.stderr


def test_cli_bad_roster_names_the_line(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("单位代码,单位名称\n001,甲\n001,乙\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "template",
            "-f",
            "gb2021",
            "--year",
            "2025",
            "--roster",
            str(roster),
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2
    assert "第 3 行" in result.stderr and "001" in result.stderr


@pytest.mark.parametrize("form_id", FORMS)
@pytest.mark.parametrize(("code", "name"), [("001", "正阳街道"), ("A&B", '<张>&"李" =1+1')])
def test_patched_personal_copy_is_byte_identical_to_a_full_render(form_id, code, name):
    from govxl.template.personalise import CODE_TOKEN, NAME_TOKEN, personalise

    form = load_form(form_id)
    base = render(
        Return(form, year=YEAR[form_id], unit_code=CODE_TOKEN, unit_name=NAME_TOKEN),
        generated=FIXED,
    )
    direct = render(
        Return(form, year=YEAR[form_id], unit_code=code, unit_name=name), generated=FIXED
    )
    assert personalise(base, code, name) == direct


@pytest.mark.parametrize("form_id", FORMS)
def test_a_blank_template_has_blank_cells_not_empty_strings(tmp_path, form_id):
    """An empty input is a blank cell: an empty string is text to Excel (COUNTA counts it) and
    costs every return a string to read. (The hidden identity sheet keeps its key/value pairs,
    which personalised copies patch in place.)"""
    wb = openpyxl.load_workbook(_template(tmp_path, form_id))
    empty = [
        f"{ws.title}!{c.coordinate}"
        for ws in wb.worksheets
        if ws.sheet_state == "visible"
        for row in ws.iter_rows()
        for c in row
        if c.value == ""
    ]
    assert empty == []


@pytest.mark.parametrize("form_id", FORMS)
def test_input_prompts_name_the_row_whole_never_cut_mid_word(tmp_path, form_id):
    """Excel shows 32 characters of a prompt's title: a longer row label is cut after a
    punctuation mark, with "…", and given whole in the prompt's text."""
    form = load_form(form_id)
    wb = openpyxl.load_workbook(_template(tmp_path, form_id, unit_code="1", unit_name="单位"))
    labels = {c.labels(YEAR[form_id])[0] for c in form.inputs()}
    titles = set()
    for table in form.tables:
        for dv in wb[table.sheet].data_validations.dataValidation:
            title, prompt = dv.promptTitle, dv.prompt
            assert len(title) <= 32, title
            if title not in labels:
                assert title.endswith("…"), title
                full = next(lab for lab in labels if lab.startswith(title[:-1]))
                assert full[len(title) - 1] in "、，；（", (title, full)  # cut at a mark
                assert prompt.startswith(full), (title, prompt)
            titles.add(title)
    assert any(t.endswith("…") for t in titles) == (form_id != "gb2019")  # 2021 （六）, 吉林


@pytest.mark.parametrize("form_id", FORMS)
def test_each_table_prints_alone_on_one_a4_page(tmp_path, form_id):
    """Every column has its width, the page is fitted to one sheet of A4 both ways, and the
    printed area is the title, the 填报单位 line and the table: not the status line above it,
    not the checks beside or below it."""
    form = load_form(form_id)
    wb = openpyxl.load_workbook(_template(tmp_path, form_id))
    for table in form.tables:
        ws, lay = wb[table.sheet], layout(form, table.id, YEAR[form_id])
        setup = ws.page_setup  # a fit of 1 is the default, left out of the file
        fit = [1 if n is None else int(n) for n in (setup.fitToWidth, setup.fitToHeight)]
        assert int(setup.paperSize) == 9 and fit == [1, 1], table.sheet
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        last = f"{a1(lay.table_last_row, lay.table_last_col, True)}"
        assert str(ws.print_area).endswith(f"!$A${TITLE_ROW + 1}:{last}"), ws.print_area
        widths = {
            col
            for dim in ws.column_dimensions.values()
            if dim.customWidth
            for col in range(dim.min, dim.max + 1)
        }
        assert set(range(1, lay.last_col + 2)) <= widths, table.sheet
        assert (
            lay.checks
            and all(
                r > lay.table_last_row or c > lay.table_last_col for r, c in lay.checks.values()
            )
            or not lay.checks
        )


def test_text_rows_grow_with_what_the_unit_writes(tmp_path):
    """The 文字部分 boxes start tall but carry no fixed height: Excel and LibreOffice grow them
    as the clerk types, so a long 总体情况 is not cut on screen or in print."""
    import zipfile

    path = _template(tmp_path, "gb2021")
    names = openpyxl.load_workbook(path).sheetnames
    member = f"xl/worksheets/sheet{names.index('文字部分') + 1}.xml"
    xml = zipfile.ZipFile(path).read(member).decode("utf-8")
    for row in (3, 4, 5):
        tag = re.search(rf'<row r="{row}"[^>]*>', xml)
        assert tag and 'ht="' in tag.group(0) and "customHeight" not in tag.group(0), row


@pytest.mark.parametrize("form_id", FORMS)
def test_every_input_has_a_hidden_mark_that_sees_dates(tmp_path, form_id):
    """Each input's mark, 1 or 0, sits on a very hidden sheet (which govxl's reader never
    opens): the status line and the checks add them up. It tests the cell's format too, so
    "1-2" typed into a count, which Excel turns into 2 January, is marked in Excel and WPS
    (their CELL("format") gives D1–D9 for a date; LibreOffice's gives G, so there it is not)."""
    form = load_form(form_id)
    wb = openpyxl.load_workbook(_template(tmp_path, form_id))
    marks = wb[SHEET_MARKS]
    assert marks.sheet_state == "veryHidden" and marks.protection.sheet
    places = set()
    for table in form.tables:
        lay = layout(form, table.id, YEAR[form_id])
        inputs = [c for c in form.table_cells(table.id) if not c.computed]
        assert set(lay.helpers) == {c.id for c in inputs}
        for cell in inputs:
            row, col = lay.helpers[cell.id]
            at = f"{sheet_ref(table.sheet)}!{lay.a1(cell.id)}"
            formula = marks.cell(row + 1, col + 1).value
            assert formula == helper_formula(cell.type, at)
            assert f'LEFT(CELL("format",{at}),1)="D"' in formula
            places.add((row, col))
    assert len(places) == len(form.inputs())  # no two inputs share a mark
