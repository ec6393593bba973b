"""What an evaluator checks in a report, on a workbook's 文字部分 and on an imported report alike:
the text against the tables, parts 五 and 六, fees, an outdated layout, text copied from last
year, printed totals against their parts, 上年结转 against last year's 结转下年度."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govxl.check.evaluate import evaluate, similarity
from govxl.check.read import inspect_file
from govxl.cli import app
from govxl.collect.imported import inspect_report
from govxl.forms import load_form
from govxl.forms.returns import Return
from govxl.importer.run import import_bytes
from govxl.report.render import render_report
from govxl.samples import random_return
from govxl.template.writer import render

YEAR = {"gb2019": 2019, "gb2021": 2023, "jilin2020": 2020}


def _ret(form_id: str = "gb2021", seed: int = 5) -> Return:
    return random_return(
        load_form(form_id), random.Random(seed), year=YEAR[form_id], name="某县某局"
    )


def _codes(found) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f.code for f in found)


def _imported(ret: Return, fmt: str = "md") -> Return:
    return import_bytes(render_report(ret, fmt), f"r.{fmt}").ret


@pytest.mark.parametrize("route", ["return", "imported"])
def test_figures_in_the_text_that_the_tables_contradict(route):
    ret = _ret()
    v = ret.all_values()
    received, opened = int(v["t3.r1.total"]), int(v["t3.r3_1.total"])  # type: ignore[arg-type]
    ret.texts["p1"] = (
        f"本年度共受理政府信息公开申请{received + 750}件，其中予以公开{opened}件。"
        "被申请行政复议的案件，复议均获维持。"
    )
    ret.values["t4.cases.review_pending"] = 2
    found = evaluate(_imported(ret) if route == "imported" else ret)
    bad = [f for f in found if f.code == "text-vs-tables"]
    assert [(f.value, f.expected) for f in bad if f.value] == [(str(received + 750), str(received))]
    assert any("复议均获维持" in f.message for f in bad)
    assert all(f.sheet == "文字部分" and f.row_label == "一、总体情况" for f in bad)
    ret.texts["p1"] = f"本年度共受理政府信息公开申请{received}件，其中予以公开{opened}件。"
    ret.values["t4.cases.review_pending"] = 0
    ret.values["t4.cases.review_corrected"] = ret.values["t4.cases.review_other"] = 0
    assert "text-vs-tables" not in _codes(evaluate(ret))


def test_parts_five_and_six_must_say_something_and_fees_go_in_six():
    ret = _ret("gb2021")
    ret.texts["p5"] = "无"
    ret.texts["p6"] = ""
    ret.values["t3.r3_6_2.natural"] = 2
    found = evaluate(ret)
    assert _codes(found).count("section-empty") == 2
    assert "fees-not-reported" in _codes(found)
    ret.texts["p5"] = "存在的主要问题：公开内容不够全面。改进措施：加强培训。"
    ret.texts["p6"] = "本年度收取信息处理费0元，发出收费通知2件。"
    assert _codes(evaluate(ret)) == []


def test_a_units_text_left_all_to_the_district_is_not_an_empty_part_of_a_report():
    ret = _ret("gb2021")
    ret.texts = {}
    for cell in ret.form.table_cells("t3"):
        if cell.row == "r3_6_2" and not cell.computed:
            ret.values[cell.id] = 0
    assert evaluate(ret) == []
    assert _codes(evaluate(ret, published=True)) == ["section-empty", "section-empty"]


def test_parts_missing_or_out_of_order_in_an_imported_report(tmp_path):
    ret = _ret("gb2021")
    text = render_report(ret, "md").decode()
    five = text[text.index("## 五、") : text.index("## 六、")]
    moved = text.replace(five, "").replace("## 二、", five + "## 二、")
    (tmp_path / "moved.md").write_text(moved, encoding="utf-8")
    (tmp_path / "cut.md").write_text(text.replace("## 五、存在的主要问题及改进情况", ""), "utf-8")
    moved_codes = {f.code for f in inspect_report(tmp_path / "moved.md").findings}
    cut_codes = {f.code for f in inspect_report(tmp_path / "cut.md").findings}
    assert "section-order" in moved_codes and "section-order" not in cut_codes
    assert "section-missing" in cut_codes and "section-missing" not in moved_codes


def test_a_2023_report_in_the_2019_layout_is_outdated():
    ret = random_return(load_form("gb2019"), random.Random(1), year=2023, name="某局")
    assert "outdated-layout" in _codes(evaluate(_imported(ret), published=True))
    assert "outdated-layout" not in _codes(evaluate(_ret("gb2019"), published=True))


def test_text_copied_from_last_year_is_named_per_part():
    now, before = _ret(seed=1), _ret(seed=2)
    before.texts["p1"] = (
        "本年度，本局认真贯彻落实《中华人民共和国政府信息公开条例》，明确分管领导和专人负责，"
        "及时通过政府网站、公开栏等渠道主动公开政府信息，依法办理政府信息公开申请。"
    )
    now.texts["p1"] = before.texts["p1"].replace("本年度", "2023年")
    now.texts["p5"] = "今年新的问题是公开平台不稳定，改进措施为迁移到集约化平台并加强运维。" * 2
    found = [f for f in evaluate(now, previous=before) if f.code == "copied-text"]
    assert [f.row_label for f in found] == ["一、总体情况"]
    assert similarity(now.texts["p5"], before.texts["p5"]) < 0.3


def test_a_printed_total_against_its_parts_also_when_the_total_row_balances():
    ret = _ret("gb2021")
    text = render_report(ret, "md").decode()
    v = ret.all_values()
    row = next(line for line in text.splitlines() if "（一）予以公开" in line)
    cells = row.split(" | ")
    cells[-1] = f"{int(v['t3.r3_1.total']) + 6} |"  # type: ignore[arg-type]
    res = import_bytes(text.replace(row, " | ".join(cells)).encode(), "r.md")
    bad = {f.cell: f.message for f in res.findings if f.code == "total-mismatch"}
    assert set(bad) == {"t3.r3_1.total", "t3.r3_7.total"}
    assert f"各项之和为 {int(v['t3.r3_7.total']) + 6}" in bad["t3.r3_7.total"]  # type: ignore[arg-type]


def test_a_workbook_returns_text_is_checked_as_a_report_would_be(tmp_path):
    ret = _ret("gb2021")
    ret.texts["p1"] = f"本年度共收到政府信息公开申请{int(ret.all_values()['t3.r1.total']) + 1}件。"  # type: ignore[arg-type]
    path = tmp_path / "return.xlsx"
    path.write_bytes(render(ret))
    found = [f for f in inspect_file(path).findings if f.code == "text-vs-tables"]
    assert len(found) == 1 and found[0].sheet == "文字部分" and found[0].cell


def test_cli_import_with_previous_checks_carry_over_and_copied_text(tmp_path: Path):
    before, now = _ret(seed=3), _ret(seed=4)
    now.year = 2024
    before.texts = dict(now.texts)
    before.texts["p1"] = now.texts["p1"] = (
        "本年度，本局认真贯彻落实条例，主动公开政府信息，依法办理申请。" * 2
    )
    (tmp_path / "2023.md").write_bytes(render_report(before, "md"))
    (tmp_path / "2024.md").write_bytes(render_report(now, "md"))
    args = ["import", str(tmp_path / "2024.md"), "-o", str(tmp_path / "out.xlsx")]
    r = CliRunner().invoke(app, [*args, "--previous", str(tmp_path / "2023.md"), "--json"])
    data = json.loads(r.stdout)
    codes = {f["code"] for f in data["evaluation"]}
    assert "copied-text" in codes
    carried = [f for f in data["evaluation"] if f["rule"].startswith("R6[")]
    differs = [
        c
        for c in ("natural", "total")
        if now.values.get(f"t3.r2.{c}") != before.all_values()[f"t3.r4.{c}"]
    ]
    assert bool(carried) == bool(differs)
    assert r.exit_code == 1
    r = CliRunner().invoke(app, [*args, "--explain"])
    assert "各单元格的来源" in r.stdout and "t3.r1.natural" in r.stdout
