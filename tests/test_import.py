"""Importing published reports: the real 正阳街道 report, round trips, perturbed copies, CLI."""

from __future__ import annotations

import json
import os
import random
import re
import zlib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from govxl.cli import app
from govxl.forms import load_form
from govxl.forms.compute import Value
from govxl.forms.returns import Return
from govxl.importer.parse_pdf import MAX_INFLATED, inflated_size
from govxl.importer.run import import_bytes, import_report
from govxl.importer.source import UnreadableReport
from govxl.report.render import render_report
from govxl.samples import random_return

SEED = Path(__file__).resolve().parents[2] / "shared/seed/zhengyang-2020-report.txt"
SAMPLE = Path(__file__).resolve().parents[1] / "govxl/samples/zhengyang-2020/report.txt"
FORMS = ["gb2019", "gb2021", "jilin2020"]
YEAR = {"gb2019": 2019, "gb2021": 2024, "jilin2020": 2020}
FORMATS = ["md", "html", "docx"]


def _report_file(path: Path) -> Path:
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true 但缺少正阳街道 2020 年度报告：{path}")
        pytest.skip(f"缺少正阳街道 2020 年度报告：{path}")
    return path


@pytest.fixture(params=[SEED, SAMPLE], ids=["seed", "sample"])
def zhengyang(request: pytest.FixtureRequest) -> Path:
    return _report_file(request.param)


def _codes(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f.code for f in findings)


# ---------------------------------------------------------------- the real report


def test_zhengyang_imports_every_published_figure(zhengyang):
    res = import_report(zhengyang)
    ret = res.ret
    assert (ret.form.id, ret.year, ret.unit_name) == ("jilin2020", 2020, "绿园区正阳街道")
    assert ret.info["signed"] == "2021年1月19日"
    assert "吉林省补充统计项" in res.form_reason and "发布总数量" in res.form_reason
    v = ret.values
    assert set(v) == {c.id for c in ret.form.inputs()}
    published = {
        "t2.other_services.prev_items": 386,
        "t2.other_services.change": -59,
        "t2.other_services.decisions": 327,
        "t2.procurement.projects": 10,
        "t2.procurement.amount": Decimal("44967.00"),
        "t2.published_total.value": 327,
    }
    for cid, value in v.items():
        assert value == published.get(cid, 0), cid
    assert isinstance(v["t2.procurement.amount"], Decimal)
    assert str(v["t2.procurement.amount"]) == "44967.00"
    assert all(x == 0 for k, x in ret.all_values().items() if k.startswith(("t3.", "t4.")))
    assert res.ok
    assert _codes(res.findings) == ["number-as-text", "unit-name"]
    minus = next(f for f in res.findings if f.code == "number-as-text")
    assert (minus.cell, minus.where, minus.severity) == (
        "t2.other_services.change",
        "第 44 行",
        "info",
    )
    assert "减59" in minus.message and "-59" in minus.message
    assert ret.texts["p1"].startswith("2020年，正阳街道政府信息公开工作")
    assert ret.texts["p5"].endswith("进一步提高政府信息公开工作的质量和水平。")
    assert ret.texts["p6"] == "无"


def test_sample_copy_is_the_seed():
    assert _report_file(SAMPLE).read_bytes() == _report_file(SEED).read_bytes()


def test_a_published_total_that_disagrees_is_one_finding_with_both_numbers():
    text = _report_file(SAMPLE).read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "_GoBack" in line)
    lines[start + 4] = "\t3"  # 行政复议·总计 published as 3, its parts are all 0
    res = import_bytes("\n".join(lines).encode("utf-8"), "report.txt")
    bad = [f for f in res.findings if f.code == "total-mismatch"]
    assert len(bad) == 1
    assert bad[0].cell == "t4.cases.review_total" and bad[0].where == f"第 {start + 5} 行"
    assert "报告中为 3" in bad[0].message and "各项之和为 0" in bad[0].message
    assert not res.ok
    assert res.ret.all_values()["t4.cases.review_total"] == 0  # recomputed, finding kept


def test_figures_that_cannot_be_placed_are_listed_not_guessed():
    text = _report_file(SAMPLE).read_text(encoding="utf-8")
    text = text.replace("\t1.属于国家秘密\n\t0\n", "\t1.属于国家秘密\n\t0\n\t9\n", 1)
    res = import_bytes(text.encode("utf-8"), "report.txt")
    unplaced = [f for f in res.findings if f.code == "unplaced"]
    assert len(unplaced) == 8  # none of the row's figures: which one is extra is unknowable
    assert [f.message.split("”")[0] for f in unplaced] == ["“0", "“9"] + ["“0"] * 6
    assert all("8 个数值" in f.message and "7 列" in f.message for f in unplaced)
    assert unplaced[1].where == "第 148 行"
    missing = {f.cell for f in res.findings if f.code == "missing"}
    assert missing == {
        f"t3.r3_3_1.{c}" for c in ("natural", "business", "research", "nonprofit", "legal", "other")
    }
    assert res.ret.values["t3.r3_3_1.natural"] is None


def test_half_width_brackets_and_typos_of_the_reference_still_import():
    text = _report_file(SAMPLE).read_text(encoding="utf-8")
    text = text.replace("（", "(").replace("）", ")")
    text = text.replace("只计这一情形", "只计这一情况").replace("三类内部事务", "三类内容事务")
    res = import_bytes(text.encode("utf-8"), "report.txt")
    assert res.ret.form.id == "jilin2020"
    assert res.ret.values == import_report(SAMPLE).ret.values
    variants = [f for f in res.findings if f.code == "label-variant"]
    assert len(variants) == 2
    assert {f.severity for f in variants} == {"info"}


def test_heading_variants_and_a_year_first_title():
    text = _report_file(SAMPLE).read_text(encoding="utf-8")
    text = text.replace(
        "绿园区正阳街道2020年度政府信息公开工作报告",
        "2020年度绿园区正阳街道政府信息公开工作年度报告",
    )
    text = text.replace(
        "四、政府信息公开行政复议、行政诉讼情况",
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
    )
    text = text.replace(
        "五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况"
    )
    res = import_bytes(text.encode("utf-8"), "report.txt")
    assert (res.ret.year, res.ret.unit_name) == (2020, "绿园区正阳街道")
    assert res.ret.texts == import_report(SAMPLE).ret.texts
    assert "section-missing" not in _codes(res.findings)


# ---------------------------------------------------------------- round trips


_TEXT = st.text(
    alphabet=st.sampled_from(
        list(
            "政府信息公开工作年度报告本单位认真贯彻落实条例，。；：“”《》（）、"
            "0123456789abcXYZ<>&|*_#-+=`[]()\\!~\"'"
        )
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: not re.match(r"[一二三四五六七八九十]+、", s))
_NAMES = st.sampled_from(
    [
        "长春市绿园区正阳街道办事处",
        "示例区<b>数据</b>局",
        "某县*人民政府*办公室",
        "A&B 区 | 政务服务中心",
    ]
)


def _assert_round_trip(ret: Return, fmt: str) -> None:
    res = import_bytes(render_report(ret, fmt), f"report.{fmt}")
    assert res.findings == [], [f.message for f in res.findings]
    got = res.ret
    assert (got.form.id, got.year, got.unit_name) == (ret.form.id, ret.year, ret.unit_name)
    assert got.values == ret.values
    assert got.texts == {k: v for k, v in ret.texts.items() if v}
    assert got.info.get("signed") == ret.info["signed"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("form_id", FORMS)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    name=_NAMES,
    texts=st.lists(st.lists(_TEXT, min_size=1, max_size=3), min_size=3, max_size=3),
)
def test_render_then_import_gives_the_same_return(form_id, fmt, seed, name, texts):
    ret = random_return(load_form(form_id), random.Random(seed), year=YEAR[form_id], name=name)
    ret.texts = {p: "\n".join(t) for p, t in zip(("p1", "p5", "p6"), texts, strict=True)}
    _assert_round_trip(ret, fmt)


@pytest.mark.parametrize("cut", ["政府信息公开", "年政府信息", "工作年度"])
def test_a_title_printed_over_two_lines_still_gives_the_unit_and_year(cut: str) -> None:
    """A PDF prints a long title as …人民政府2025年政府信息公开 / 工作年度报告."""
    name = "测试区城关镇人民政府"
    ret = random_return(load_form("gb2021"), random.Random(3), year=2025, name=name)
    text = render_report(ret, "md").decode("utf-8")
    title = next(line for line in text.splitlines() if "年度报告" in line)
    at = title.index(cut) + len(cut)
    res = import_bytes(text.replace(title, title[:at] + "\n" + title[at:]).encode(), "r.md")
    assert (res.ret.year, res.ret.unit_name) == (2025, name)
    assert res.ret.values == ret.values


class _Shown(Return):
    """A return whose printed values are overridden: what a published copy might show."""

    shown: dict[str, Value] = {}

    def all_values(self) -> dict[str, Value]:
        return {**super().all_values(), **self.shown}


def _shown(form_id: str, shown: dict[str, Value]) -> _Shown:
    base = random_return(load_form(form_id), random.Random(7), year=YEAR[form_id], name="某局")
    ret = _Shown(
        base.form,
        base.year,
        base.unit_code,
        base.unit_name,
        base.values,
        base.texts,
        info=base.info,
    )
    ret.shown = shown
    return ret


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_changed_total_gives_exactly_one_finding(fmt):
    ret = _shown("gb2021", {})
    ret.shown = {"t3.r1.total": int(ret.all_values()["t3.r1.total"]) + 5}  # type: ignore[arg-type]
    res = import_bytes(render_report(ret, fmt), f"r.{fmt}")
    assert [(f.code, f.cell) for f in res.findings] == [("total-mismatch", "t3.r1.total")]
    assert res.findings[0].severity == "error"
    assert res.ret.values == ret.values


@pytest.mark.parametrize("fmt", FORMATS)
def test_blank_cells_and_worded_changes_become_findings(fmt):
    ret = _shown(
        "gb2019",
        {
            "t2.licensing.change": "减59",
            "t3.r4.natural": None,
            "t3.r4.total": 0,
            "t3.r3_7.natural": 0,
        },
    )
    res = import_bytes(render_report(ret, fmt), f"r.{fmt}")
    got = res.ret.values
    assert got["t2.licensing.change"] == -59
    assert got["t3.r4.natural"] is None
    by_code = {f.code: f for f in res.findings if f.code in ("number-as-text", "blank")}
    assert by_code["number-as-text"].cell == "t2.licensing.change"
    assert by_code["blank"].cell == "t3.r4.natural" and by_code["blank"].severity == "error"
    assert by_code["blank"].where


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_half_width_brackets_and_broken_headers_in_web_copies(fmt):
    ret = random_return(load_form("jilin2020"), random.Random(3), year=2020, name="某街道")
    text = render_report(ret, fmt).decode("utf-8").replace("（", "(").replace("）", ")")
    br = "<br>" if fmt == "html" else ""
    for label in ("对外公开总数量", "结果维持", "商业企业"):
        text = text.replace(label, label[:2] + (br or " ") + label[2:])
    res = import_bytes(text.encode("utf-8"), f"r.{fmt}")
    assert res.findings == []
    assert res.ret.values == ret.values and res.ret.form.id == "jilin2020"


def test_outdated_form_for_the_year_is_a_warning():
    ret = random_return(load_form("gb2019"), random.Random(1), year=2022, name="某局")
    res = import_bytes(render_report(ret, "md"), "r.md")
    assert res.ret.form.id == "gb2019"
    assert [(f.code, f.severity) for f in res.findings] == [("form-year", "warning")]


# ---------------------------------------------------------------- hostile or unreadable input


def test_hostile_html_is_bounded_and_never_run():
    ret = random_return(load_form("gb2021"), random.Random(2), year=2023, name="某局")
    page = render_report(ret, "html").decode("utf-8")
    deep = "<div>" * 5000 + "x" + "</div>" * 5000
    junk = (
        '<script>document.write("一、总体情况")</script><table><tr>'
        '<td colspan="99999999" rowspan="-3">1</td></tr></table>'
    )
    wrapped = f"<table><tr><td>{page}</td></tr></table>{deep}{junk}"
    res = import_bytes(wrapped.encode("utf-8"), "r.html")
    assert res.ret.values == ret.values
    assert res.findings == []  # the stray "1" stands after 六, in no table: not a figure


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("r.docx", b"not a zip"),
        ("r.doc", b"\xd0\xcf\x11\xe0"),
        ("r.pdf", b"%PDF-1.4"),
    ],
)
def test_unreadable_files_are_refused(name, data):
    with pytest.raises(UnreadableReport):
        import_bytes(data, name)


def _pdf_with_content(stream: bytes, filters: str) -> bytes:
    """A one-page PDF whose page content is ``stream`` (already encoded by ``filters``)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        f"<< /Length {len(stream)} /Filter {filters} >>\nstream\n".encode()
        + stream
        + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for k, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{k} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _deflated_spaces(megabytes: int) -> bytes:
    z = zlib.compressobj(9)
    block = b" " * (1 << 20)
    return b"".join(z.compress(block) for _ in range(megabytes)) + z.flush()


@pytest.mark.parametrize("chain", [1, 2], ids=["deflated-once", "deflated-twice"])
def test_a_pdf_built_to_inflate_to_gigabytes_is_refused_before_it_is_read(chain: int) -> None:
    stream = _deflated_spaces(MAX_INFLATED // (1 << 20) + 8)
    if chain == 2:
        stream = zlib.compress(stream, 9)
    data = _pdf_with_content(
        stream, "[/FlateDecode /FlateDecode]" if chain == 2 else "/FlateDecode"
    )
    assert len(data) < 1_000_000  # small on disk: a bomb, not a big report
    with pytest.raises(UnreadableReport, match="解压后超过"):
        import_bytes(data, "年报.pdf")


def test_a_small_deflated_pdf_is_read_past_the_guard() -> None:
    text = b"BT /F1 12 Tf 72 720 Td (2023) Tj ET\n" + b" " * 100_000
    data = _pdf_with_content(zlib.compress(text), "/FlateDecode")
    assert inflated_size(data) == len(text)
    res = import_bytes(data, "年报.pdf")  # read: it holds no report, and the import says so
    assert "missing-table" in {f.code for f in res.findings}


# ---------------------------------------------------------------- the commands


def test_cli_import_writes_the_workbook_and_lists_findings(tmp_path):
    out = tmp_path / "imported.xlsx"
    runner = CliRunner()
    r = runner.invoke(app, ["import", str(_report_file(SAMPLE)), "-o", str(out), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert (data["form"], data["year"], data["unit_name"]) == ("jilin2020", 2020, "绿园区正阳街道")
    assert {f["code"] for f in data["findings"]} == {"number-as-text", "unit-name"}
    wb = openpyxl.load_workbook(out)
    assert "二 主动公开" in wb.sheetnames
    r = runner.invoke(app, ["import", str(SAMPLE), "-o", str(out)])
    assert r.exit_code == 0 and "减59" in r.stdout


def test_cli_import_exit_codes(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad.txt"
    text = _report_file(SAMPLE).read_text(encoding="utf-8")
    bad.write_text(text.replace("\t386\n", "\t三百八十六\n"), encoding="utf-8")
    r = runner.invoke(app, ["import", str(bad), "-o", str(tmp_path / "x.xlsx"), "--json"])
    assert r.exit_code == 1
    bad_cell = [f for f in json.loads(r.stdout)["findings"] if f["code"] == "not-a-number"]
    assert [f["cell"] for f in bad_cell] == ["t2.other_services.prev_items"]
    assert "三百八十六" in bad_cell[0]["message"]
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 nothing")
    r = runner.invoke(app, ["import", str(broken), "-o", str(tmp_path / "y.xlsx")])
    assert r.exit_code == 2
    r = runner.invoke(app, ["import", str(bad), "-o", str(tmp_path / "y.csv")])
    assert r.exit_code == 2


def test_cli_report_from_an_imported_workbook(tmp_path):
    pytest.importorskip("govxl.check.read")
    runner = CliRunner()
    book = tmp_path / "imported.xlsx"
    assert runner.invoke(app, ["import", str(_report_file(SAMPLE)), "-o", str(book)]).exit_code == 0
    for fmt in FORMATS:
        out = tmp_path / f"report.{fmt}"
        r = runner.invoke(app, ["report", str(book), "-o", str(out)])
        assert r.exit_code == 0, r.output
        again = import_report(out)
        assert again.ret.values == import_report(SAMPLE).ret.values
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| 其他对外管理服务事项 | 386 | -59 | 327 |" in md
    assert "| 政府集中采购 | 10 | 44967.00 |" in md
