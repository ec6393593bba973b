"""``govxl collect`` on an inbox like the one a district office has in January.

One inbox holds a return of every kind the office receives — clean, unbalanced, "无" typed for a
number, a row inserted, re-saved by LibreOffice, sent twice (the same file, or a corrected one),
Office lock files, Thumbs.db, a hidden file, a subfolder, a broken download, a stranger's file,
a scanned PDF — and one unit sends nothing. The CLI runs once over it with ``--feedback --json``;
the tests then check every unit's status, every planted finding, the untouched inbox, the outputs
and the copies sent back, and that the command line reports exactly what the library does.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner
from workbooks import (
    FORMS,
    LO_UNIT,
    YEAR,
    check_place,
    edit,
    libreoffice_copies,
    place,
    sample,
    typed,
    write,
)

from govxl.check import inspect_file
from govxl.cli import app
from govxl.collect import CollectReport, collect
from govxl.collect.feedback import FEEDBACK_DIR, FIRST, SHEET
from govxl.collect.outputs import FINDINGS, RESULTS
from govxl.collect.status import Status, Use
from govxl.forms import load_form
from govxl.forms.layout import a1, layout
from govxl.roster import read_roster, safe_filename

T3 = "三 依申请"
UNITS = {
    "001": "正阳街道",
    "002": "西城街道",
    "003": "南湖街道",
    "004": "北湖街道",
    LO_UNIT[0]: LO_UNIT[1],
    "006": "城关镇",
    "007": "河西乡",
    "008": "河东乡",
    "009": "山前村",
    "010": "山后村",
    "011": "林场",
}
STATUS = {
    "001": Status.PASSED,  # clean
    "002": Status.FAILED,  # unbalanced
    "003": Status.FAILED,  # "无" in a number cell
    "004": Status.FAILED,  # a row inserted
    LO_UNIT[0]: Status.PASSED,  # re-saved by LibreOffice
    "006": Status.PASSED,  # the same file twice
    "007": Status.WARNED,  # a corrected file, saved later but arrived earlier: asked (核实)
    "008": Status.PASSED,  # a corrected file, same save time, copied in later
    "009": Status.MISSING,  # nothing sent
    "010": Status.UNREADABLE,  # a broken download named after the unit
    "011": Status.WARNED,  # sheet protection removed
}
OLD, NEW = 1_767_000_000, 1_767_100_000
"""Two mtimes (seconds): a file received earlier and one received later."""


def ret_of(code: str, **kw: object):  # noqa: ANN201 - a Return
    return sample("gb2021", code, UNITS[code], **kw)  # type: ignore[arg-type]


def unbalanced(code: str):  # noqa: ANN201 - a Return
    ret = ret_of(code)
    ret.values["t3.r4.business"] = int(ret.values["t3.r4.business"] or 0) + 3  # type: ignore[arg-type]
    return ret


def build_inbox(root: Path, lo: dict) -> Path:
    """Every kind of file, under the names units and mail clients give them."""
    inbox, src = root / "收件箱", root / "src"
    write(inbox / "001-正阳街道.xlsx", ret_of("001"))
    # two units name their attachment the same; each was saved into a folder per sender
    write(inbox / "西城街道" / "报表.xlsx", unbalanced("002"))
    clean3 = write(src / "003.xlsx", ret_of("003"))
    edit(clean3, inbox / "南湖街道" / "报表.xlsx", typed("gb2021", "t3.r1.natural", "无"))

    def insert_row(wb: openpyxl.Workbook) -> None:
        wb[T3].protection.sheet = False
        wb[T3].insert_rows(8)

    edit(write(src / "004.xlsx", ret_of("004")), inbox / "004-北湖街道.xlsx", insert_row)
    shutil.copy2(lo[("gb2021", "xlsx")], inbox / "005-东城街道.xlsx")
    six = write(inbox / "006-城关镇.xlsx", ret_of("006"))
    (inbox / "转发").mkdir()
    shutil.copy2(six, inbox / "转发" / "006-城关镇(1).xlsx")
    # 007: the corrected return (named so and saved later) happens to have the older mtime:
    # it counts, and the unit is asked which one is final
    write(inbox / "007-河西乡.xlsx", unbalanced("007"), generated=datetime(2026, 1, 10, 9))
    write(inbox / "007-河西乡（修改）.xlsx", ret_of("007"), generated=datetime(2026, 1, 12, 9))
    os.utime(inbox / "007-河西乡.xlsx", (NEW, NEW))
    os.utime(inbox / "007-河西乡（修改）.xlsx", (OLD, OLD))
    # 008: same save time inside both files; the one copied in later counts
    write(inbox / "008-河东乡.xlsx", unbalanced("008"))
    write(inbox / "008-河东乡-2.xlsx", ret_of("008"))
    os.utime(inbox / "008-河东乡.xlsx", (OLD, OLD))
    os.utime(inbox / "008-河东乡-2.xlsx", (NEW, NEW))
    good = (inbox / "001-正阳街道.xlsx").read_bytes()
    (inbox / "010-山后村.xlsx").write_bytes(good[: len(good) // 3])
    edit(
        write(src / "011.xlsx", ret_of("011")),
        inbox / "011-林场.xlsx",
        lambda wb: setattr(wb[T3].protection, "sheet", False),
    )
    write(inbox / "999-外区单位.xlsx", sample("gb2021", "999", "外区单位"))
    # what downloads and Office leave behind: never read, never reported
    (inbox / "~$001-正阳街道.xlsx").write_bytes(b"\x00lock")
    (inbox / "Thumbs.db").write_bytes(b"\x00thumbs")
    (inbox / ".~隐藏.xlsx").write_bytes(b"hidden")
    (inbox / "盖章扫描件.pdf").write_bytes(b"%PDF-1.4\n")  # read as a report: no text in it
    (inbox / "盖章页.jpg").write_bytes(b"\xff\xd8\xff")
    return inbox


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every path under ``folder`` with its content hash and mtime in nanoseconds."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        out[str(p.relative_to(folder))] = (digest, st.st_mtime_ns)
    return out


@dataclass
class Run:
    inbox: Path
    roster: Path
    out: Path
    cli_json: dict
    exit_code: int
    before: dict[str, tuple[str, int]]
    after: dict[str, tuple[str, int]]
    report: CollectReport


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> Run:
    root = tmp_path_factory.mktemp("collect")
    inbox = build_inbox(root, libreoffice_copies(tmp_path_factory.getbasetemp()))
    roster = root / "名册.csv"
    roster.write_text(
        "单位代码,单位名称\n" + "".join(f"{c},{n}\n" for c, n in UNITS.items()), encoding="utf-8"
    )
    out = root / "审核"
    before = snapshot(inbox)
    args = ["collect", str(inbox), "--roster", str(roster), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--feedback", "--json"])
    after = snapshot(inbox)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    report = collect(inbox, read_roster(roster), jobs=1)
    return Run(
        inbox, roster, out, json.loads(result.stdout), result.exit_code, before, after, report
    )


def files(run: Run) -> dict[str, tuple[str, list[tuple[str, str, str, str]]]]:
    """File → (use, [(code, severity, sheet, cell)])."""
    return {
        fr.relative: (fr.use, [(f.code, f.severity.value, f.sheet, f.cell) for f in fr.findings])
        for fr in run.report.files
    }


# ---------------------------------------------------------------- statuses and findings


@pytest.mark.soffice
def test_every_unit_gets_its_status(run: Run) -> None:
    assert {u.code: u.status for u in run.report.units} == STATUS
    assert run.report.year == 2025
    assert run.report.stats() == {
        Status.PASSED: 4,
        Status.WARNED: 2,
        Status.FAILED: 3,
        Status.UNREADABLE: 1,
        Status.MISSING: 1,
    }


@pytest.mark.soffice
def test_every_planted_problem_is_found_where_it_is(run: Run) -> None:
    r1 = [
        ("rule-failed", "error", *check_place("gb2021", f"R1[{c}]")) for c in ("business", "total")
    ]
    # the first label at or below the inserted row 8 (0-based 7) is the first one moved
    moved = next(b for b in layout(load_form("gb2021"), "t3", 2025).boxes if b.row >= 7)
    assert files(run) == {
        "001-正阳街道.xlsx": (Use.USED, []),
        "004-北湖街道.xlsx": (
            Use.USED,
            [
                ("protection-removed", "warning", T3, ""),
                ("label-changed", "error", T3, a1(moved.row, moved.col)),
            ],
        ),
        # saved by LibreOffice: the identity sheet one "unhide" away, and the unit told so
        "005-东城街道.xlsx": (Use.USED, [("id-sheet-visible", "info", "_govxl", "")]),
        "006-城关镇.xlsx": (Use.USED, []),
        "007-河西乡.xlsx": (Use.SUPERSEDED, [("superseded", "info", "", ""), *r1]),
        "007-河西乡（修改）.xlsx": (Use.USED, [("version-unclear", "warning", "", "")]),
        "008-河东乡-2.xlsx": (Use.USED, []),
        "008-河东乡.xlsx": (Use.SUPERSEDED, [("superseded", "info", "", ""), *r1]),
        "010-山后村.xlsx": (Use.UNMATCHED, [("file-unreadable", "error", "", "")]),
        "011-林场.xlsx": (Use.USED, [("protection-removed", "warning", T3, "")]),
        "999-外区单位.xlsx": (Use.UNMATCHED, [("unknown-unit", "error", "", "")]),
        "南湖街道/报表.xlsx": (
            Use.USED,
            [("not-a-number", "error", T3, place("gb2021", "t3.r1.natural")[1])],
        ),
        "转发/006-城关镇(1).xlsx": (Use.DUPLICATE, [("duplicate-file", "info", "", "")]),
        "西城街道/报表.xlsx": (Use.USED, r1),
        "盖章扫描件.pdf": (Use.UNMATCHED, [("file-unreadable", "error", "", "")]),
        "盖章页.jpg": (Use.UNMATCHED, [("file-unreadable", "error", "", "")]),
    }


@pytest.mark.soffice
def test_junk_is_skipped_silently_and_every_other_file_is_listed_with_what_to_do(run: Run) -> None:
    read = {fr.relative for fr in run.report.files}
    assert not read & {"~$001-正阳街道.xlsx", "Thumbs.db", ".~隐藏.xlsx"}
    assert run.report.ignored == ["盖章页.jpg"]
    (photo,) = [fr for fr in run.report.files if fr.relative == "盖章页.jpg"]
    assert "不是报表文件（.jpg）" in photo.findings[0].message


@pytest.mark.soffice
def test_units_point_at_the_file_that_counts(run: Run) -> None:
    by_code = {u.code: u for u in run.report.units}
    assert by_code["007"].file == "007-河西乡（修改）.xlsx"
    assert by_code["008"].file == "008-河东乡-2.xlsx"
    assert by_code["010"].file == "010-山后村.xlsx"
    assert by_code["009"].file == ""
    for u in run.report.units:
        if u.file:
            assert u.sha256 == hashlib.sha256((run.inbox / u.file).read_bytes()).hexdigest()


@pytest.mark.soffice
def test_messages_tell_the_clerk_what_to_do(run: Run) -> None:
    for fr in run.report.files:
        for f in fr.findings:
            assert f.file == fr.relative
            assert any(w in f.message for w in ("请", "以该文件为准", "按一份处理")), f.message


# ---------------------------------------------------------------- the inbox and the outputs


@pytest.mark.soffice
def test_the_inbox_is_untouched(run: Run) -> None:
    """Same files, same bytes, same mtimes, nothing added: not even a lock file."""
    assert run.after == run.before


@pytest.mark.soffice
def test_outputs_are_the_report(run: Run) -> None:
    assert json.loads((run.out / FINDINGS).read_text(encoding="utf-8")) == roundtrip(
        run.report.to_dict()
    )
    wb = openpyxl.load_workbook(run.out / RESULTS)
    assert wb.sheetnames[:3] == ["报送进度", "问题清单", "规则说明"]
    rows = [r for r in wb["报送进度"].iter_rows(min_row=2, values_only=True) if r[1]]
    stats = run.report.stats()
    assert {r[0]: r[3] for r in rows[: -len(stats)]} == {c: s.zh for c, s in STATUS.items()}
    # under the list, the totals: each status and its count on a line of its own
    totals = rows[-len(stats) :]
    assert [r[0] for r in totals] == ["合计"] + [None] * (len(stats) - 1)
    assert [r[1] for r in totals] == [f"{k.zh} {v}" for k, v in stats.items()]
    problems = list(wb["问题清单"].iter_rows(min_row=2, values_only=True))
    assert len(problems) == len(run.report.findings())
    where = place("gb2021", "t3.r1.natural")[1]
    row = problems[[p[-1] for p in problems].index("南湖街道/报表.xlsx")]
    assert row[:3] == ("南湖街道", "强制", "不是数字")
    assert row[3].startswith(f"{T3}!{where}（一、本年新收政府信息公开申请数量 × 自然人")
    assert not any("rule-failed" in str(v) or "R1[" in str(v) for r in problems for v in r)


def _cells(path: Path, sheet: str) -> list[tuple[object, ...]]:
    """A sheet's rows as values, blank cells and trailing blanks left out."""
    rows = []
    for row in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True):
        values = [None if v == "" else v for v in row]
        while values and values[-1] is None:
            values.pop()
        if values:
            rows.append(tuple(values))
    return rows


@pytest.mark.soffice
def test_results_workbook_reads_the_same_after_libreoffice_saves_it(
    run: Run, tmp_path: Path
) -> None:
    """报送进度 and 问题清单 are streamed as sheet XML: a spreadsheet program must read them."""
    from govxl.office import convert

    resaved = convert([run.out / RESULTS], tmp_path, "xlsx")[run.out / RESULTS]
    for sheet in ("报送进度", "问题清单"):
        ours = _cells(run.out / RESULTS, sheet)
        assert len(ours) > 5 and _cells(resaved, sheet) == ours, sheet


@pytest.mark.soffice
def test_running_collect_twice_gives_the_same_results(run: Run, tmp_path: Path) -> None:
    again = tmp_path / "again"
    args = ["collect", str(run.inbox), "--roster", str(run.roster), "--out", str(again)]
    assert CliRunner().invoke(app, args).exit_code == 1
    same = (run.out / FINDINGS).read_bytes() == (again / FINDINGS).read_bytes()
    assert same, "findings.json differs between two runs over the same inbox"
    for sheet in ("报送进度", "问题清单", "规则说明"):
        first = openpyxl.load_workbook(run.out / RESULTS)[sheet]
        second = openpyxl.load_workbook(again / RESULTS)[sheet]
        assert list(first.values) == list(second.values), sheet
    assert snapshot(run.inbox) == run.before


# ---------------------------------------------------------------- feedback copies


@pytest.mark.soffice
def test_feedback_copies_go_to_every_unit_with_problems(run: Run) -> None:
    expected = {
        safe_filename(c, UNITS[c]) for c, s in STATUS.items() if s in (Status.FAILED, Status.WARNED)
    }
    expected.discard(safe_filename("010", UNITS["010"]))  # nothing readable to annotate
    assert {p.name for p in (run.out / FEEDBACK_DIR).iterdir()} == expected


def _marked(wb: openpyxl.Workbook, sheet: str, where: str) -> list[str]:
    """The conditional formats' formulas on one cell (the 退回 marks)."""
    return [
        rule.formula[0]
        for cf in wb[sheet].conditional_formatting
        if str(cf.sqref) == where
        for rule in cf.rules
        if rule.type == "expression"
    ]


@pytest.mark.soffice
def test_feedback_marks_the_bad_cells_with_the_message(run: Run) -> None:
    path = run.out / FEEDBACK_DIR / safe_filename("002", UNITS["002"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == SHEET and wb.active.title == SHEET
    fr = next(f for f in run.report.files if f.unit_code == "002" and f.use == Use.USED)
    for f in fr.findings:  # R1 at its check cells: marked by the check itself (× while it fails)
        cell = wb[f.sheet][f.cell]
        assert cell.value.startswith("=IF(") and f.message in cell.comment.text
    opinions = list(wb[SHEET].iter_rows(min_row=FIRST, values_only=True))
    assert [(r[0], r[1], r[2], r[3]) for r in opinions] == [
        (i + 1, "强制", f.where, f.message) for i, f in enumerate(fr.findings)
    ]
    assert all(r[4].startswith("=IF(") for r in opinions)  # 现状: 未改正 / 已改正, live


@pytest.mark.soffice
def test_feedback_text_cell_and_protection(run: Run) -> None:
    path = run.out / FEEDBACK_DIR / safe_filename("003", UNITS["003"])
    wb = openpyxl.load_workbook(path)
    where = place("gb2021", "t3.r1.natural")[1]
    assert wb[T3][where].value == "无"
    assert _marked(wb, T3, where) == [f"ISTEXT({where})"]  # text where a number belongs
    assert "没有请填 0" in wb[T3][where].comment.text
    assert all(ws.protection.sheet for ws in wb.worksheets)
    assert wb.security.lockStructure
    selected = [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected]
    assert selected == [SHEET], "only the opinions sheet is selected (no grouped sheets)"
    # the copy is still a return: read again, the same problem at the same cell
    assert [(f.code, f.cell) for f in inspect_file(path).findings] == [("not-a-number", where)]


@pytest.mark.soffice
def test_feedback_for_a_warning_only_unit_lists_it(run: Run) -> None:
    wb = openpyxl.load_workbook(run.out / FEEDBACK_DIR / safe_filename("011", UNITS["011"]))
    (row,) = wb[SHEET].iter_rows(min_row=FIRST, values_only=True)
    assert row[1] == "核实" and "保护被取消" in row[3]


# ---------------------------------------------------------------- the command line


def roundtrip(data: object) -> object:
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


@pytest.mark.soffice
def test_cli_json_is_the_library_result(run: Run) -> None:
    assert run.cli_json == roundtrip(run.report.to_dict())


@pytest.mark.soffice
def test_cli_exit_code_1_when_a_unit_has_not_passed(run: Run) -> None:
    assert run.exit_code == 1


def test_cli_exit_code_0_when_every_unit_passed(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write(inbox / "a.xlsx", ret_of("001"))
    write(inbox / "b.xlsx", ret_of("002"))
    roster = tmp_path / "r.csv"
    roster.write_text("单位代码,单位名称\n001,正阳街道\n002,西城街道\n", encoding="utf-8")
    args = ["collect", str(inbox), "--roster", str(roster), "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "已通过 2" in result.stdout
    assert not (tmp_path / "out" / FEEDBACK_DIR).exists()


def test_cli_exit_code_2_when_out_is_inside_the_inbox(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write(inbox / "a.xlsx", ret_of("001"))
    roster = tmp_path / "r.csv"
    roster.write_text("单位代码,单位名称\n001,正阳街道\n", encoding="utf-8")
    before = snapshot(inbox)
    args = ["collect", str(inbox), "--roster", str(roster), "-o", str(inbox / "审核")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert f"输出 {inbox / '审核'} 与要读取的 {inbox} 重叠" in result.stderr
    assert snapshot(inbox) == before


def test_cli_exit_code_2_when_the_roster_lacks_a_column(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write(inbox / "a.xlsx", ret_of("001"))
    roster = tmp_path / "r.csv"
    roster.write_text("代码,单位名称\n001,正阳街道\n", encoding="utf-8")
    args = ["collect", str(inbox), "--roster", str(roster), "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "缺少“单位代码”列" in result.stderr
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- govxl validate


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("validate")
    broken = tmp / "broken.xlsx"
    broken.write_bytes(b"not a workbook at all")
    return {
        "clean": write(tmp / "clean.xlsx", ret_of("001")),
        "unbalanced": write(tmp / "unbalanced.xlsx", unbalanced("002")),
        "broken": broken,
    }


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (["clean"], 0),
        (["clean", "unbalanced"], 1),
        (["clean", "broken"], 1),
        (["broken"], 2),
    ],
)
def test_validate_exit_codes(returns: dict[str, Path], names: list[str], code: int) -> None:
    result = CliRunner().invoke(app, ["validate", *(str(returns[n]) for n in names)])
    assert result.exit_code == code, result.output


def test_validate_json_is_the_library_result(returns: dict[str, Path]) -> None:
    paths = [returns["clean"], returns["unbalanced"], returns["broken"]]
    result = CliRunner().invoke(app, ["validate", "--json", *map(str, paths)])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == roundtrip([inspect_file(p).to_dict() for p in paths])


def test_validate_table_names_the_cell_and_what_to_do(returns: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["validate", str(returns["unbalanced"])])
    sheet, cell = check_place("gb2021", "R1[business]")
    assert f"{sheet}!{cell}" in result.stdout
    assert "请核对本列各项数字" in result.stdout


@pytest.mark.soffice
def test_feedback_copy_opens_in_libreoffice_with_its_marks_and_comments(
    run: Run, tmp_path: Path, soffice: str
) -> None:
    """What the unit sees: LibreOffice opens the copy and keeps the marks and the messages."""
    from govxl.office import convert

    src = run.out / FEEDBACK_DIR / safe_filename("003", UNITS["003"])
    resaved = convert([src], tmp_path, "xlsx")[src]
    wb = openpyxl.load_workbook(resaved)
    fr = next(f for f in run.report.files if f.unit_code == "003" and f.use == Use.USED)
    for f in fr.findings:
        assert _marked(wb, f.sheet, f.cell), f.cell
        cell = wb[f.sheet][f.cell]
        assert cell.comment is not None and f.message in cell.comment.text
    assert wb.sheetnames[0] == SHEET
    states = [
        r[4]
        for r in openpyxl.load_workbook(resaved, data_only=True)[SHEET].iter_rows(
            min_row=FIRST, values_only=True
        )
    ]
    assert states == ["未改正"] * len(fr.findings)


def test_a_unit_that_passes_on_a_later_run_loses_its_old_feedback_copy(tmp_path: Path) -> None:
    from govxl.collect.feedback import feedback_path
    from govxl.forms import load_form
    from govxl.samples import random_return
    from govxl.template.writer import render

    form = load_form("gb2021")
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    roster = tmp_path / "r.csv"
    roster.write_text("单位代码,单位名称\n001,甲街道\n", encoding="utf-8")
    bad = random_return(form, random.Random(1), year=2025, code="001", name="甲街道")
    bad.values["t3.r1.natural"] = 999
    (inbox / "001.xlsx").write_bytes(render(bad))
    args = ["collect", str(inbox), "--roster", str(roster), "--out", str(out), "--feedback"]
    assert CliRunner().invoke(app, args).exit_code == 1
    copy = feedback_path(out, "001", "甲街道")
    assert copy.is_file()
    good = random_return(form, random.Random(1), year=2025, code="001", name="甲街道")
    (inbox / "001.xlsx").write_bytes(render(good))
    assert CliRunner().invoke(app, args).exit_code == 0
    assert not copy.exists()


@pytest.mark.parametrize("form_id", FORMS)
def test_the_returns_cache_gives_back_every_figure_exactly(tmp_path: Path, form_id: str) -> None:
    """returns.jsonl carries what merge sums: integers, money as exact Decimals, blanks."""
    from govxl.collect.cache import read_cache, write_cache
    from govxl.samples import random_return

    form = load_form(form_id)
    rets = [
        random_return(form, random.Random(i), year=YEAR[form_id], code=f"U{i}", name=f"单位{i}")
        for i in range(8)
    ]
    rets[0].values = dict.fromkeys(rets[0].values)  # a return left blank
    write_cache(((f"{i}.xlsx", f"sha{i}", r) for i, r in enumerate(rets)), tmp_path)
    back = read_cache(tmp_path / "returns.jsonl")
    assert [back[f"{i}.xlsx"][0] for i in range(8)] == [f"sha{i}" for i in range(8)]
    for i, r in enumerate(rets):
        got = back[f"{i}.xlsx"][1].values
        assert got == r.values
        assert [type(v) for v in got.values()] == [type(v) for v in r.values.values()]


def test_the_progress_list_gives_whom_to_call_and_when_in_local_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """报送进度: the contact from the return's 基本信息, else from the roster (a unit that has
    not sent anything is the one to call); the time received as 2026-01-10 16:00."""
    import time

    from govxl.collect.outputs import results_workbook

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        sent = sample("gb2021", "001", "甲街道")
        sent.info.update(contact="王五", phone="0431-12345678")
        write(inbox / "001-甲街道.xlsx", sent)
        stamp = datetime.fromisoformat("2026-01-10T08:00:00+00:00").timestamp()
        os.utime(inbox / "001-甲街道.xlsx", (stamp, stamp))
        roster = tmp_path / "名册.csv"
        roster.write_text(
            "单位代码,单位名称,联系人,联系电话\n001,甲街道,李四,111\n002,乙街道,赵六,222\n",
            encoding="utf-8",
        )
        report = collect(inbox, read_roster(roster), jobs=1)
        (tmp_path / "r.xlsx").write_bytes(results_workbook(report))
        ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["报送进度"]
        head = [c.value for c in ws[1]]
        rows = {
            r[0]: dict(zip(head, r, strict=False))
            for r in ws.iter_rows(min_row=2, values_only=True)
            if r[1]
        }
        assert (rows["001"]["联系人"], rows["001"]["联系电话"]) == ("王五", "0431-12345678")
        assert (rows["002"]["联系人"], rows["002"]["联系电话"]) == ("赵六", "222")
        assert rows["001"]["收到时间"] == "2026-01-10 16:00"
        assert "sha256" not in head and ws.print_title_rows == "$1:$1"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
