"""The district summary: exact, traceable, the official layout, and a valid input one level up."""

from __future__ import annotations

import random
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import govxl
from govxl.check import inspect_file
from govxl.cli import app
from govxl.collect.status import Status
from govxl.forms import load_form
from govxl.forms.compute import compute
from govxl.forms.layout import SIGN_ROW, TITLE_ROW, a1, layout
from govxl.merge import MergeError, merge, write_summary
from govxl.merge.tidy import rows, write_tidy
from govxl.merge.write import ISSUES_SHEET, STATUS_SHEET, TEXTS_SHEET, UNCHECKED
from govxl.office import convert
from govxl.roster import read_roster
from govxl.samples import random_return
from govxl.template.writer import render

FORMS = ["gb2019", "gb2021", "jilin2020"]
YEAR = {"gb2019": 2020, "gb2021": 2025, "jilin2020": 2020}
FIXED = datetime(2026, 1, 20, 10, 0)


def _returns(folder: Path, form_id: str, codes: list[str], seed: int = 0) -> dict[str, dict]:
    folder.mkdir(parents=True, exist_ok=True)
    form = load_form(form_id)
    values = {}
    for code in codes:
        ret = random_return(
            form, random.Random(f"{seed}-{code}"), year=YEAR[form_id], code=code, name=f"单位{code}"
        )
        (folder / f"{code}-单位{code}.xlsx").write_bytes(render(ret, generated=FIXED))
        values[code] = ret.values
    return values


def _sum(form_id: str, values: list[dict]) -> dict:
    form = load_form(form_id)
    return {
        c.id: sum((v[c.id] or 0 for v in values), Decimal(0) if c.type.value == "money" else 0)
        for c in form.inputs()
    }


@pytest.mark.parametrize("form_id", FORMS)
def test_summary_figures_are_the_sums_of_the_units(tmp_path, form_id):
    units = _returns(tmp_path / "inbox", form_id, ["A1", "A2", "A3", "A4"])
    out = write_summary(
        merge([tmp_path / "inbox"], name="区"), tmp_path / "sum.xlsx", generated=FIXED
    )
    res = inspect_file(out)
    assert res.ret is not None and res.ret.kind == "summary"
    # the summary passes the same rules; a sum of many may exceed one unit's plausible fees,
    # which its 说明 sheet says (R11, R12: per unit)
    assert [(f.code, f.rule) for f in res.findings if not f.explained] == []
    assert {f.rule for f in res.findings} <= {"R11", "R12"}
    assert res.ret.values == _sum(form_id, list(units.values()))
    assert sorted(m.code for m in res.ret.members) == sorted(units)


def test_summary_tables_are_sums_over_the_detail_sheet(tmp_path):
    _returns(tmp_path / "inbox", "gb2021", ["A1", "A2"])
    out = write_summary(merge([tmp_path / "inbox"]), tmp_path / "sum.xlsx", generated=FIXED)
    ws = openpyxl.load_workbook(out)["三 依申请"]
    lay = layout(load_form("gb2021"), "t3", 2025)
    assert ws[lay.a1("t3.r1.natural")].value.startswith("=SUM('明细'!")
    assert ws[lay.a1("t3.r1.natural")].protection.locked is not False


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from govxl.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"), soffice=False)


def test_demo_summary_equals_the_included_units(demo):
    included = [fr for u, fr in demo.report.accepted()]
    assert {fr.unit_code for fr in included} == {c.member.code for c in demo.merged.rows}
    res = inspect_file(demo.summary)
    assert res.ret.values == _sum("gb2021", [fr.ret.values for fr in included])


def test_the_summary_says_what_it_covers_where_it_is_printed(demo):
    """8 of 12 units merged: every table page and 基本信息 say so, and who is missing."""
    accepted = [u for u in demo.report.units if u.status.accepted]
    missing = [u.name for u in demo.report.units if u.status is Status.MISSING]
    left = [u.name for u in demo.report.units if u.file and not u.status.accepted]
    expected = (
        f"本表汇总 {len(accepted)} 个单位，应报 {len(demo.report.units)} 个，"
        f"未报送 {len(missing)} 个（{'、'.join(missing)}），"
        f"未通过审核未汇总 {len(left)} 个（{'、'.join(left)}）。"
    )
    assert (len(accepted), len(missing), len(left)) == (8, 1, 3)
    wb = openpyxl.load_workbook(demo.summary)
    for table in load_form("gb2021").tables:
        line = wb[table.sheet][a1(SIGN_ROW, 0)].value
        assert line == f"汇总单位：示例区（样例数据）　　{expected}", table.sheet
        area = str(wb[table.sheet].print_area).split("!")[1].replace("$", "")
        assert area.startswith(f"A{TITLE_ROW + 1}:") and TITLE_ROW < SIGN_ROW  # it is printed
    info = {r[0]: r[1] for r in wb["基本信息"].iter_rows(values_only=True) if r[0]}
    assert info["汇总范围"] == expected


def test_demo_status_sheet_shows_every_unit(demo):
    ws = openpyxl.load_workbook(demo.summary)[STATUS_SHEET]
    rows = {r[0]: r[2] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    status = {u.code: u.status for u in demo.report.units}
    assert set(rows) == set(status)
    for code, shown in rows.items():
        expected = {Status.PASSED: "已汇总", Status.WARNED: "已汇总", Status.MISSING: "未报送"}.get(
            status[code], "未汇总"
        )
        assert shown == expected, code


@pytest.mark.soffice
def test_libreoffice_recalculation_gives_the_cached_figures(demo, tmp_path, soffice):
    fresh = convert([demo.summary], tmp_path, "xlsx")[demo.summary]
    cached = openpyxl.load_workbook(demo.summary, data_only=True)
    recalc = openpyxl.load_workbook(fresh, data_only=True)
    form = load_form("gb2021")
    values = compute(form, inspect_file(demo.summary).ret.values)
    for cell in form.cells.values():
        lay = layout(form, cell.table, 2025)
        a, b = (
            cached[lay.table.sheet][lay.a1(cell.id)].value,
            recalc[lay.table.sheet][lay.a1(cell.id)].value,
        )
        expected = (
            float(values[cell.id]) if isinstance(values[cell.id], Decimal) else values[cell.id]
        )
        assert a == b == expected, cell.id
    # the lists streamed as sheet XML read back the same after LibreOffice saved them
    for sheet in (STATUS_SHEET, TEXTS_SHEET, ISSUES_SHEET, "明细"):
        first = 5 if sheet == "明细" else 2  # the data rows, under the (merged) headings
        ours = [r for r in cached[sheet].iter_rows(first, values_only=True) if any(r)]
        theirs = [r for r in recalc[sheet].iter_rows(first, values_only=True) if any(r)]
        assert ours == theirs, sheet
        assert ours or sheet == ISSUES_SHEET, sheet  # the demo's units explain every warning


# ---------------------------------------------------------------- roll-up


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    form_id=st.sampled_from(FORMS),
    sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    seed=st.integers(0, 10_000),
)
def test_rolling_up_street_summaries_equals_merging_all_units(form_id, sizes, seed):
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        streets = []
        for g, size in enumerate(sizes):
            codes = [f"S{g}U{i}" for i in range(size)]
            _returns(base / f"s{g}", form_id, codes, seed)
            _returns(base / "all", form_id, codes, seed)
            streets.append(
                write_summary(
                    merge([base / f"s{g}"], code=f"S{g}", name=f"街道{g}"),
                    base / f"S{g}.xlsx",
                    generated=FIXED,
                )
            )
        up = merge(streets, code="D", name="区")
        direct = merge([base / "all"], code="D", name="区")
        assert up.summary.values == direct.summary.values
        assert sorted(c.member.code for c in up.rows) == sorted(c.member.code for c in direct.rows)
        assert {c.member.via for c in up.rows} == {f"S{g}" for g in range(len(sizes))}


def test_a_unit_directly_and_inside_a_summary_is_refused(tmp_path):
    _returns(tmp_path / "s", "gb2021", ["U1", "U2"])
    street = write_summary(merge([tmp_path / "s"], code="S"), tmp_path / "S.xlsx")
    with pytest.raises(MergeError, match=r"单位 U1 单位U1 重复出现"):
        merge([street, tmp_path / "s" / "U1-单位U1.xlsx"])


def test_a_unit_in_two_summaries_is_refused(tmp_path):
    _returns(tmp_path / "s", "gb2021", ["U1"])
    a = write_summary(merge([tmp_path / "s"], code="A"), tmp_path / "A.xlsx")
    b = write_summary(merge([tmp_path / "s"], code="B"), tmp_path / "B.xlsx")
    with pytest.raises(MergeError, match=r"经由 A.*经由 B|经由 B.*经由 A"):
        merge([a, b])


def test_mixed_forms_are_refused_naming_the_files(tmp_path):
    _returns(tmp_path / "x", "gb2021", ["U1"])
    _returns(tmp_path / "x", "gb2019", ["U2"])
    with pytest.raises(MergeError) as e:
        merge([tmp_path / "x"])
    assert "U1-单位U1.xlsx：国办公开办函〔2021〕30号格式，2025 年" in str(e.value)
    assert "U2-单位U2.xlsx：国办公开办函〔2019〕60号格式，2020 年" in str(e.value)


def test_returns_with_errors_are_left_out_unless_asked(tmp_path):
    values = _returns(tmp_path / "in", "gb2021", ["U1", "U2"])
    form = load_form("gb2021")
    bad = random_return(form, random.Random(1), year=2025, code="U3", name="单位U3", balanced=False)
    bad.values["t3.r1.natural"] = 999
    (tmp_path / "in" / "U3.xlsx").write_bytes(render(bad))
    plain = merge([tmp_path / "in"])
    assert [lo.code for lo in plain.left_out] == ["U3"] and not plain.unchecked
    assert plain.summary.values == _sum("gb2021", list(values.values()))
    forced = merge([tmp_path / "in"], include_errors=True)
    assert forced.unchecked and len(forced.rows) == 3
    out = write_summary(forced, tmp_path / "forced.xlsx")
    wb = openpyxl.load_workbook(out)
    for sheet in ("二 主动公开", "三 依申请", "四 复议诉讼"):
        assert any(c.value == UNCHECKED for row in wb[sheet].iter_rows() for c in row)


def test_unit_text_starting_with_equals_stays_text(tmp_path):
    form = load_form("gb2021")
    ret = random_return(form, random.Random(2), year=2025, code="U1", name="单位U1")
    ret.texts["p1"] = '=HYPERLINK("http://x","点我")'
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "U1.xlsx").write_bytes(render(ret))
    out = write_summary(merge([tmp_path / "in"]), tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(out)[TEXTS_SHEET]
    cell = ws["D2"]  # the first paragraph of 一、总体情况
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


# ---------------------------------------------------------------- tidy and API


def test_tidy_csv_and_frame_agree(tmp_path):
    values = _returns(tmp_path / "in", "gb2021", ["U1", "U2"])
    out = tmp_path / "sum.xlsx"
    result = CliRunner().invoke(
        app,
        [
            "merge",
            str(tmp_path / "in"),
            "-o",
            str(out),
            "--tidy",
            str(tmp_path / "t.csv"),
            "--name",
            "区",
        ],
    )
    assert result.exit_code == 0, result.output
    csv = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig", dtype=str)
    frame = govxl.read(out).to_frame()
    assert len(csv) == len(frame) == 2 * len(load_form("gb2021").inputs())
    got = {(r.unit_code, r.cell): Decimal(r.value) for r in csv.itertuples()}
    assert got == {(u, c): Decimal(v) for u, vals in values.items() for c, v in vals.items()}
    assert list(frame.columns) == [
        "unit_code",
        "unit",
        "year",
        "form",
        "table",
        "row",
        "row_label",
        "column",
        "column_label",
        "cell",
        "value",
    ]


def test_merge_with_roster_lists_missing_units(tmp_path):
    _returns(tmp_path / "in", "gb2021", ["U1"])
    roster = tmp_path / "r.csv"
    roster.write_text("单位代码,单位名称\nU1,单位U1\nU2,单位U2\n", encoding="utf-8")
    result = merge([tmp_path / "in"], roster=read_roster(roster))
    assert [u.code for u in result.missing] == ["U2"]


@given(
    st.lists(
        st.one_of(
            st.integers(-(10**12), 10**12),
            st.none(),
            st.booleans(),
            st.decimals(allow_nan=False, allow_infinity=False, places=2),
            st.text(max_size=5),
        ),
        min_size=4,
        max_size=4,
    )
)
def test_a_detail_row_of_whole_numbers_is_written_as_cell_by_cell(values: list) -> None:
    """The one-template path for rows of whole numbers writes exactly what the cell-by-cell
    path writes; anything else in the row (a blank, money, True, text) takes that path."""
    from govxl.forms.returns import Member
    from govxl.merge.detail import Contribution, _other, _rows_xml

    ids, letters = ["a", "b", "c", "d"], ["A", "B", "C", "D", "E", "F", "G", "H", "I"]
    row = Contribution(Member("U1", "单位"), dict(zip(ids, values, strict=True)))
    got = next(_rows_xml([row], ids, letters, 1, 2, 3))
    r = 5  # HEAD_ROWS + 1
    expected = "".join(
        f'<c r="{col}{r}" s="2"><v>{v}</v></c>'
        if v.__class__ is int
        else _other(f"{col}{r}", v, 1, 2, 3)
        for col, v in zip(letters[5:9], values, strict=True)
    )
    assert got.endswith(expected + "</row>")


def test_tidy_parquet_holds_the_same_exact_values_as_the_csv(tmp_path):
    """An analyst's two exports of one summary agree value for value, money digits exact."""
    import pyarrow.parquet as pq

    values = _returns(tmp_path / "in", "gb2021", ["U1", "U2"])
    result = merge([tmp_path / "in"])
    s = result.summary
    write_tidy(rows(s.form, s.year, result.rows), tmp_path / "t.parquet")
    table = pq.read_table(tmp_path / "t.parquet").to_pylist()
    got = {(r["unit_code"], r["cell"]): Decimal(r["value"]) for r in table}
    assert got == {(u, c): Decimal(v) for u, vals in values.items() for c, v in vals.items()}
    assert {r["year"] for r in table} == {s.year}


def _district(folder: Path, names: dict[str, str]) -> Path:
    """A district's returns: its own units numbered from 001, as district rosters are."""
    for k, (code, name) in enumerate(names.items()):
        ret = random_return(load_form("gb2021"), random.Random(f"{folder.name}{k}"), year=2025,
                            code=code, name=name)  # fmt: skip
        (folder / f"{code}-{name}.xlsx").parent.mkdir(parents=True, exist_ok=True)
        (folder / f"{code}-{name}.xlsx").write_bytes(render(ret, generated=FIXED))
    return folder


def test_a_city_rolls_up_districts_whose_units_share_codes(tmp_path):
    """Every district numbers its units 001, 002 …: the city summary counts each district's
    units, each under the district it came through, and adds up all of them."""
    east = _district(tmp_path / "东区", {"001": "东区甲街道", "002": "东区乙街道"})
    west = _district(tmp_path / "西区", {"001": "西区甲镇", "002": "西区乙镇"})
    sums = [
        write_summary(merge([d], code=code, name=d.name), tmp_path / code / "区汇总.xlsx")
        for d, code in ((east, "D01"), (west, "D02"))
    ]
    city = merge(sums, code="C1", name="市")
    assert sorted((c.member.via, c.member.code, c.member.name) for c in city.rows) == [
        ("D01", "001", "东区甲街道"), ("D01", "002", "东区乙街道"),
        ("D02", "001", "西区甲镇"), ("D02", "002", "西区乙镇"),
    ]  # fmt: skip
    parts = [inspect_file(p).ret for p in sorted(tmp_path.glob("*区/*.xlsx"))]
    assert city.summary.values == _sum("gb2021", [r.values for r in parts if r])


def test_a_unit_sent_directly_and_inside_its_district_summary_is_refused(tmp_path):
    east = _district(tmp_path / "东区", {"001": "东区甲街道", "002": "东区乙街道"})
    summary = write_summary(merge([east], code="D01", name="东区"), tmp_path / "区汇总.xlsx")
    with pytest.raises(MergeError, match="单位 001 东区甲街道 重复出现"):
        merge([summary, east / "001-东区甲街道.xlsx"])
