"""A district office's ordinary January: nothing is lost and the verdict is right.

Returns arrive twice, corrections come in another format or from a PC with a wrong clock, a unit
sends another unit's file, a city merges the districts' summaries that are all called
区汇总.xlsx, a zip from Windows carries GBK file names, corrected copies are put back into the
退回 folder. Each test is one such day; each failed on the main branch before issue 13.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner
from workbooks import YEAR, edit, place, sample, typed, write

from govxl.check import inspect_file
from govxl.cli import app
from govxl.collect import collect
from govxl.collect.outputs import RESULTS
from govxl.collect.status import Status, Use
from govxl.merge import MergeError, merge, write_summary
from govxl.report.render import render_report
from govxl.roster import read_roster

JAN = {d: time.mktime(datetime(2026, 1, d, 9).timetuple()) for d in range(1, 32)}
"""The arrival (file modification) time of a file received at 9:00 on 2026-01-d."""


def roster(tmp: Path, units: dict[str, str]) -> Path:
    path = tmp / "名册.csv"
    path.write_text(
        "单位代码,单位名称\n" + "".join(f"{c},{n}\n" for c, n in units.items()), encoding="utf-8"
    )
    return path


def arrived(path: Path, day: int) -> Path:
    os.utime(path, (JAN[day], JAN[day]))
    return path


def unbalanced(code: str, name: str, seed: int = 1):  # noqa: ANN201 - a Return
    ret = sample("gb2021", code, name, seed=seed)
    ret.values["t3.r4.business"] = int(ret.values["t3.r4.business"] or 0) + 3  # type: ignore[arg-type]
    return ret


def without_saved_time(path: Path) -> Path:
    """The file as some programs save it: no docProps/core.xml, so no saved time."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "docProps/core.xml":
                continue
            body = src.read(info)
            if info.filename in ("[Content_Types].xml", "_rels/.rels"):
                text = body.decode("utf-8")
                for tag in ('<Override PartName="/docProps/core.xml"', "<Relationship "):
                    start = text.find(tag)
                    while start != -1 and "core" not in text[start : text.find("/>", start)]:
                        start = text.find(tag, start + 1)
                    if start != -1:
                        text = text[:start] + text[text.find("/>", start) + 2 :]
                body = text.encode("utf-8")
            dst.writestr(info, body)
    path.write_bytes(out.getvalue())
    return path


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(folder))] = (
            p.read_bytes().hex() if p.is_file() else "",
            st.st_mtime_ns,
        )
    return out


# ---------------------------------------------------------------- 1. a city merges its districts


def _district(folder: Path, prefix: str, n: int) -> Path:
    """A district's summary, saved as every district saves it: 区汇总.xlsx."""
    inbox = folder / "收件箱"
    for i in range(n):
        write(
            inbox / f"{prefix}{i}.xlsx",
            sample("gb2021", f"{prefix}{i}", f"{prefix}单位{i}", seed=i),
        )
    return write_summary(merge([inbox], code=prefix, name=f"{prefix}区"), folder / "区汇总.xlsx")


def test_a_city_merges_district_summaries_that_all_arrive_as_the_same_file_name(
    tmp_path: Path,
) -> None:
    a = _district(tmp_path / "甲区", "A", 2)
    b = _district(tmp_path / "乙区", "B", 3)
    code, out, err = run("merge", a, b, "-o", tmp_path / "市汇总.xlsx", "--code", "C")
    assert code == 0, err
    city = inspect_file(tmp_path / "市汇总.xlsx").ret
    assert city is not None
    assert sorted(m.code for m in city.members) == ["A0", "A1", "B0", "B1", "B2"]
    assert "已汇总 5 个单位" in out


def test_a_city_sees_which_district_is_incomplete_and_by_whom(tmp_path: Path) -> None:
    """测试区 has 3 units: one passed, one failed, one sent nothing; its summary is named
    after the district the roster's units share. The city's summary says all of it."""
    units = {"001": "测试区甲街道", "002": "测试区乙街道", "003": "测试区丙镇"}
    inbox = tmp_path / "测试区" / "收件箱"
    write(inbox / "001.xlsx", sample("gb2021", "001", units["001"]))
    write(inbox / "002.xlsx", unbalanced("002", units["002"]))
    district = tmp_path / "测试区" / "区汇总.xlsx"
    names = roster(tmp_path / "测试区", units)
    assert run("merge", inbox, "--roster", names, "-o", district, "--code", "T")[0] == 0
    assert inspect_file(district).ret.unit_name == "测试区"  # type: ignore[union-attr]
    other = _district(tmp_path / "乙区", "B", 2)
    city = tmp_path / "市汇总.xlsx"
    code, _, err = run("merge", district, other, "-o", city, "--name", "测试市")
    assert code == 0, err
    wb = openpyxl.load_workbook(city)
    listed = {r[0]: r[2:4] for r in wb["报送情况"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert listed["002"][0] == "未汇总" and listed["002"][1].startswith("T：未通过")
    assert listed["003"] == ("未报送", "属 T")
    text = " ".join(str(c) for r in wb["基本信息"].iter_rows(values_only=True) for c in r if c)
    assert "本表汇总 3 个单位，应报 5 个" in text
    assert "未报送 1 个（测试区丙镇）" in text and "未汇总 1 个（测试区乙街道）" in text


def test_two_inboxes_holding_the_same_file_names_are_both_merged(tmp_path: Path) -> None:
    """Two clerks saved their units' attachments under the same names in their own folders."""
    write(tmp_path / "一组" / "报表.xlsx", sample("gb2021", "U1", "单位一"))
    write(tmp_path / "二组" / "报表.xlsx", sample("gb2021", "U2", "单位二"))
    result = merge([tmp_path / "一组", tmp_path / "二组"])
    assert sorted(c.member.code for c in result.rows) == ["U1", "U2"]
    # the two rows of 明细 say which file each came from, and the files can be told apart
    assert len({c.member.file for c in result.rows}) == 2


def test_two_collect_outputs_of_inboxes_with_the_same_file_names_are_both_merged(
    tmp_path: Path,
) -> None:
    for group, code in (("一组", "U1"), ("二组", "U2")):
        write(tmp_path / group / "收件箱" / "报表.xlsx", sample("gb2021", code, f"单位{code}"))
        r = roster(tmp_path / group, {code: f"单位{code}"})
        c, _, err = run(
            "collect",
            tmp_path / group / "收件箱",
            "--roster",
            r,
            "-o",
            tmp_path / group / "审核结果",
        )
        assert c == 0, err
    code, _, err = run(
        "merge",
        tmp_path / "一组" / "审核结果",
        tmp_path / "二组" / "审核结果",
        "-o",
        tmp_path / "汇总.xlsx",
    )
    assert code == 0, err
    merged = inspect_file(tmp_path / "汇总.xlsx").ret
    assert merged is not None and sorted(m.code for m in merged.members) == ["U1", "U2"]


def test_the_same_return_sent_to_the_city_twice_is_counted_once_and_listed(tmp_path: Path) -> None:
    a = _district(tmp_path / "甲区", "A", 2)
    copy = tmp_path / "转发" / "区汇总.xlsx"
    copy.parent.mkdir()
    shutil.copy2(a, copy)
    result = merge([a, copy])
    assert sorted(c.member.code for c in result.rows) == ["A0", "A1"]
    assert [(lo.file, lo.reason) for lo in result.left_out] == [
        (str(copy), f"与 {a} 内容完全相同，按一份汇总")
    ]


# ---------------------------------------------------------------- 2. corrected copies put back


def test_collecting_corrections_put_back_into_the_feedback_folder_is_refused_untouched(
    tmp_path: Path,
) -> None:
    """Clerks put the units' corrected 退回 copies back where they came from and collect that
    folder with the earlier output folder as -o: govxl must not write into what it reads."""
    units = {"001": "甲街道", "002": "乙街道"}
    r = roster(tmp_path, units)
    inbox = tmp_path / "收件箱"
    write(inbox / "001.xlsx", sample("gb2021", "001", "甲街道"))
    write(inbox / "002.xlsx", unbalanced("002", "乙街道"))
    out = tmp_path / "审核结果"
    assert run("collect", inbox, "--roster", r, "-o", out, "--feedback")[0] == 1
    back = out / "退回"
    write(back / "001-甲街道.xlsx", sample("gb2021", "001", "甲街道"))  # a unit's own copy
    before = snapshot(back)
    code, _, err = run("collect", back, "--roster", r, "-o", out, "--feedback")
    assert code == 2
    assert f"与要读取的 {back} 重叠" in err
    assert snapshot(back) == before


@pytest.mark.parametrize("where", ["inside", "same"])
def test_a_summary_is_never_saved_into_the_inbox_it_sums(tmp_path: Path, where: str) -> None:
    inbox = tmp_path / "收件箱"
    write(inbox / "001.xlsx", sample("gb2021", "001", "甲街道"))
    before = snapshot(inbox)
    target = inbox / "区汇总.xlsx" if where == "inside" else inbox / "001.xlsx"
    code, _, err = run("merge", inbox, "-o", target)
    assert code == 2 and "govxl 从不改动它读取的文件和文件夹" in err
    assert snapshot(inbox) == before


# ---------------------------------------------------------------- 3. which version counts


def _two_versions(tmp: Path, correction_kind: str) -> tuple[Path, Path]:
    """A failing draft received on 10 January, then the correction on the 12th."""
    inbox = tmp / "收件箱"
    draft = arrived(
        write(
            inbox / "001-甲街道.xlsx",
            unbalanced("001", "甲街道"),
            generated=datetime(2026, 1, 9, 17),
        ),
        10,
    )
    fixed = write(
        inbox / "001-甲街道(1).xlsx",
        sample("gb2021", "001", "甲街道"),
        generated=datetime(2026, 1, 12, 8),
    )
    if correction_kind == "no saved time":
        without_saved_time(fixed)
    elif correction_kind == "wrong clock":  # the correcting PC's clock was set to 2019
        fixed = write(fixed, sample("gb2021", "001", "甲街道"), generated=datetime(2019, 3, 1, 8))
    arrived(fixed, 12)
    return draft, fixed


@pytest.mark.parametrize("kind", ["no saved time", "wrong clock"])
def test_a_correction_without_a_trustworthy_saved_time_still_replaces_the_draft(
    tmp_path: Path, kind: str
) -> None:
    draft, fixed = _two_versions(tmp_path, kind)
    report = collect(tmp_path / "收件箱", read_roster(roster(tmp_path, {"001": "甲街道"})))
    (unit,) = report.units
    assert unit.file == fixed.name and unit.status == Status.PASSED
    assert "收到时间较晚" in unit.reason
    by_name = {fr.relative: fr for fr in report.files}
    assert by_name[draft.name].use == Use.SUPERSEDED


@pytest.mark.soffice
def test_a_correction_resaved_as_xls_replaces_the_draft(tmp_path: Path, soffice: str) -> None:
    from govxl.office import convert

    draft, fixed = _two_versions(tmp_path, "as sent")
    xls = convert([fixed], tmp_path / "xls", "xls")[fixed]
    fixed.unlink()
    moved = arrived(Path(shutil.copy(xls, tmp_path / "收件箱" / "001-甲街道（更正）.xls")), 12)
    report = collect(tmp_path / "收件箱", read_roster(roster(tmp_path, {"001": "甲街道"})))
    (unit,) = report.units
    assert unit.file == moved.name, [(f.relative, f.use) for f in report.files]
    assert "更正" in unit.reason


def test_the_progress_sheet_says_which_version_counts_and_why(tmp_path: Path) -> None:
    _two_versions(tmp_path, "no saved time")
    out = tmp_path / "审核结果"
    run("collect", tmp_path / "收件箱", "--roster", roster(tmp_path, {"001": "甲街道"}), "-o", out)
    ws = openpyxl.load_workbook(out / RESULTS)["报送进度"]
    head = [c.value for c in ws[1]]
    row = dict(zip(head, [c.value for c in ws[2]], strict=True))
    assert row["文件"] == "001-甲街道(1).xlsx"
    assert row["采用依据"].startswith("共 2 份，采用此份：")
    assert "收到时间较晚（2026-01-12 09:00）" in row["采用依据"]


def test_two_versions_saved_in_the_same_minute_are_told_apart_to_the_second(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "收件箱"
    write(
        inbox / "001-甲街道.xlsx", unbalanced("001", "甲街道"), generated=datetime(2026, 1, 9, 17)
    )
    fixed = datetime(2026, 1, 9, 17, 0, 40)
    write(inbox / "001-甲街道-2.xlsx", sample("gb2021", "001", "甲街道"), generated=fixed)
    report = collect(inbox, read_roster(roster(tmp_path, {"001": "甲街道"})))
    (unit,) = report.units
    assert unit.file == "001-甲街道-2.xlsx"
    used = next(f for f in report.files if f.relative == unit.file)
    assert "保存时间较晚（2026-01-09 17:00:40）" in used.reason


def test_when_the_clues_disagree_the_clerk_is_asked_naming_both_files(tmp_path: Path) -> None:
    """Saved later but received earlier, and nothing in the names: govxl does not guess."""
    inbox = tmp_path / "收件箱"
    a = arrived(
        write(
            inbox / "甲街道.xlsx",
            sample("gb2021", "001", "甲街道"),
            generated=datetime(2026, 1, 11, 9),
        ),
        10,
    )
    b = arrived(
        write(
            inbox / "甲街道 报表.xlsx",
            unbalanced("001", "甲街道"),
            generated=datetime(2026, 1, 9, 9),
        ),
        14,
    )
    report = collect(inbox, read_roster(roster(tmp_path, {"001": "甲街道"})))
    (unit,) = report.units
    assert unit.status == Status.WARNED and unit.file == a.name
    used = next(fr for fr in report.files if fr.relative == a.name)
    (ask,) = [f for f in used.findings if f.code == "version-unclear"]
    assert a.name in ask.message and b.name in ask.message
    assert "保存时间较晚" in ask.message and "收到时间较晚" in ask.message
    assert "请向单位核实" in ask.message
    assert unit.versions == [a.name, b.name]


def test_the_office_can_pick_the_version_at_the_desk(tmp_path: Path) -> None:
    """What the intake desk passes when the office chooses: that file counts, no question."""
    draft, fixed = _two_versions(tmp_path, "no saved time")
    r = read_roster(roster(tmp_path, {"001": "甲街道"}))
    report = collect(tmp_path / "收件箱", r, decisions={draft.name: "001"})
    (unit,) = report.units
    assert unit.file == draft.name and unit.reason == "共 2 份，由办公室指定采用此份"
    assert unit.status == Status.FAILED  # the draft is unbalanced: that is what was chosen


# ---------------------------------------------------------------- 4./5. another unit's file


UNITS = {"C01": "甲街道", "C02": "乙街道", "C05": "丙街道", "C09": "丁街道"}


def test_a_unit_that_filled_in_another_units_file_does_not_replace_that_units_return(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "收件箱"
    own = write(inbox / "C02-乙街道.xlsx", sample("gb2021", "C02", "乙街道", seed=2))
    theirs = sample("gb2021", "C02", "乙街道", seed=9)  # C09's figures in C02's template
    write(inbox / "C09-丁街道.xlsx", theirs)
    report = collect(inbox, read_roster(roster(tmp_path, UNITS)))
    by_code = {u.code: u for u in report.units}
    assert by_code["C02"].file == own.name and by_code["C02"].status == Status.PASSED
    assert by_code["C09"].status == Status.FAILED and by_code["C09"].file == "C09-丁街道.xlsx"
    fr = next(f for f in report.files if f.relative == "C09-丁街道.xlsx")
    assert fr.use == Use.DISPUTED
    (f,) = [x for x in fr.findings if x.code == "unit-mismatch"]
    assert "C09 丁街道" in f.message and "C02 乙街道" in f.message
    assert f.detail == {"named": "C09", "identity": "C02"}
    # nothing of C09's file enters a summary, even with --include-errors
    assert [fr.relative for _, fr in report.accepted(include_errors=True)] == [own.name]


def test_another_units_file_counts_for_its_owner_once_the_office_renames_it(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    write(inbox / "C09-丁街道.xlsx", sample("gb2021", "C02", "乙街道"))
    r = read_roster(roster(tmp_path, UNITS))
    assert {u.code: u.status for u in collect(inbox, r).units}["C02"] == Status.MISSING
    (inbox / "C09-丁街道.xlsx").rename(inbox / "C02-乙街道.xlsx")
    assert {u.code: u.status for u in collect(inbox, r).units}["C02"] == Status.PASSED


def test_a_unit_that_sent_another_units_file_unchanged_is_told_so(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    c01 = write(inbox / "C01-甲街道.xlsx", sample("gb2021", "C01", "甲街道"))
    shutil.copy2(c01, inbox / "C05-丙街道.xlsx")
    report = collect(inbox, read_roster(roster(tmp_path, UNITS)))
    by_code = {u.code: u for u in report.units}
    assert by_code["C01"].status == Status.PASSED and by_code["C01"].file == c01.name
    assert by_code["C05"].status == Status.FAILED and by_code["C05"].file == "C05-丙街道.xlsx"
    fr = next(f for f in report.files if f.relative == "C05-丙街道.xlsx")
    assert "C05 丙街道 报送的是 C01 甲街道 的文件，未作任何改动" in fr.findings[0].message


def test_the_returned_copy_tells_the_unit_what_to_send_and_the_clerk_how_to_fix_the_inbox(
    tmp_path: Path,
) -> None:
    """C09 filled in C02's file. ``collect --feedback``: the clerk's 问题清单 says how to settle
    the inbox; C09's 退回 copy says what C09 should send, nothing about renaming or re-running."""
    inbox = tmp_path / "收件箱"
    write(inbox / "C09-丁街道.xlsx", sample("gb2021", "C02", "乙街道", seed=9))
    out = tmp_path / "审核结果"
    run("collect", inbox, "--roster", roster(tmp_path, UNITS), "-o", out, "--feedback")
    clerk = json.loads((out / "findings.json").read_text("utf-8"))
    (office,) = [f for fr in clerk["files"] for f in fr["findings"] if f["code"] == "unit-mismatch"]
    assert "请把文件名改为以 C02 开头（或从收件箱移走），然后重新运行" in office["message"]
    sheet = openpyxl.load_workbook(out / "退回" / "C09-丁街道.xlsx")["审核意见"]
    said = [str(row[3]) for row in sheet.iter_rows(min_row=5, values_only=True) if row[3]]
    assert said[0] == (
        "这是 C02 乙街道 的报表文件，不是本单位的，不计入本单位的报送。"
        "请用本单位的模板填写后重新报送。"
    )
    for text in said:
        assert not any(w in text for w in ("重新运行", "收件箱", "文件名改为", "unit-mismatch"))


DISTRICT = {
    "A01": "测试区东风街道办事处",
    "A03": "测试区财政局",
    "A05": "测试区城关镇人民政府",
}


@pytest.mark.parametrize(
    "name", ["城关镇.xlsx", "城关镇人民政府年报数据.xlsx", "2025年报表（城关镇）.xlsx"]
)
def test_another_units_file_named_as_clerks_shorten_names_does_not_replace_the_owners(
    tmp_path: Path, name: str
) -> None:
    """Clerks name files 城关镇.xlsx, not 测试区城关镇人民政府.xlsx: the short name still says who
    sent it, so A01's template filled by 城关镇 is held, and A01's own return counts."""
    inbox = tmp_path / "收件箱"
    own = arrived(write(inbox / "东风街道.xlsx", sample("gb2021", "A01", DISTRICT["A01"])), 10)
    copy = sample("gb2021", "A01", DISTRICT["A01"], seed=9)  # 城关镇's figures in A01's file
    arrived(write(inbox / name, copy), 12)  # later, so it would be taken for A01's correction
    report = collect(inbox, read_roster(roster(tmp_path, DISTRICT)))
    by_code = {u.code: u for u in report.units}
    assert by_code["A01"].status == Status.PASSED and by_code["A01"].file == own.name
    assert by_code["A05"].status == Status.FAILED and by_code["A05"].file == name
    fr = next(f for f in report.files if f.relative == name)
    assert fr.use == Use.DISPUTED
    (f,) = [x for x in fr.findings if x.code == "unit-mismatch"]
    assert f.detail == {"named": "A05", "identity": "A01"}


def test_a_short_name_two_units_share_points_at_neither(tmp_path: Path) -> None:
    units = {"B01": "测试区东湖街道办事处", "B02": "测试区东湖街道社区卫生服务中心"}
    inbox = tmp_path / "收件箱"
    write(inbox / "东湖街道.xlsx", sample("gb2021", "B02", units["B02"]))
    report = collect(inbox, read_roster(roster(tmp_path, units)))
    assert {u.code: u.status for u in report.units} == {
        "B01": Status.MISSING,
        "B02": Status.PASSED,
    }


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("城关镇.et", "WPS 表格格式"),
        ("城关镇年报.zip", "请解压后"),
        ("城关镇.doc", "另存为”Word 文档（.docx）"),
        ("城关镇.csv", "请用下发的模板"),
    ],
)
def test_a_return_in_a_format_govxl_does_not_read_is_named_with_what_to_do(
    tmp_path: Path, name: str, advice: str
) -> None:
    """The unit sent something: it is not 未报送, and the clerk reads what to tell it."""
    inbox = tmp_path / "收件箱"
    (inbox).mkdir()
    (inbox / name).write_bytes(b"PK\x03\x04 whatever the unit's program wrote")
    write(inbox / "东风街道.xlsx", sample("gb2021", "A01", DISTRICT["A01"]))
    report = collect(inbox, read_roster(roster(tmp_path, DISTRICT)))
    a05 = next(u for u in report.units if u.code == "A05")
    assert a05.status == Status.UNREADABLE and a05.file == name
    fr = next(f for f in report.files if f.relative == name)
    (f,) = fr.findings
    assert f.code == "file-unreadable" and advice in f.message and name in f.message
    assert report.ignored == [name]
    code, out, _ = run("collect", inbox, "--roster", tmp_path / "名册.csv", "-o", tmp_path / "o")
    assert code == 1 and name in out and "无法读取" in out


def test_a_photo_in_the_inbox_is_listed_not_dropped(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    write(inbox / "东风街道.xlsx", sample("gb2021", "A01", DISTRICT["A01"]))
    (inbox / "[扫描]盖章页.jpg").write_bytes(b"\xff\xd8\xff\xe0 a photo")
    (inbox / "~$东风街道.xlsx").write_bytes(b"an Excel lock file")
    report = collect(inbox, read_roster(roster(tmp_path, DISTRICT)))
    assert [f.relative for f in report.files if f.ret is None] == ["[扫描]盖章页.jpg"]
    (f,) = next(f for f in report.files if f.relative == "[扫描]盖章页.jpg").findings
    assert "不是报表文件（.jpg）" in f.message
    code, _, err = run("collect", inbox, "--roster", tmp_path / "名册.csv", "-o", tmp_path / "o")
    assert code == 1 and "没有对应到名册中的单位：[扫描]盖章页.jpg" in " ".join(err.split())
    wb = openpyxl.load_workbook(tmp_path / "o" / RESULTS)
    listed = [str(c) for row in wb["问题清单"].iter_rows(values_only=True) for c in row if c]
    assert any("盖章页.jpg" in c for c in listed)


# ---------------------------------------------------------------- 7. last year's figures


def test_last_years_figures_of_this_year_are_refused_before_anything_is_read(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "收件箱"
    write(inbox / "001.xlsx", sample("gb2021", "001", "甲街道"))
    this_year = write_summary(merge([inbox], code="D"), tmp_path / "2025区汇总.xlsx")
    r = roster(tmp_path, {"001": "甲街道"})
    for extra in ([], ["--year", str(YEAR["gb2021"])]):
        code, _, err = run(
            "collect", inbox, "--roster", r, "-o", tmp_path / "out", "--previous", this_year, *extra
        )
        assert code == 2
        assert "上年数据是 2025 年度的，与本次收集的年度相同" in err
        assert "请指定 2024 年度" in err
        assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- 8. names typed by hand


@pytest.mark.parametrize(
    ("typed_name", "listed"),
    [
        ("测试区　第27单位", "测试区第27单位"),  # a full-width space from a Chinese IME
        ("测试区 第２７单位", "测试区第27单位"),  # full-width digits
        ("测试区（第27单位）", "测试区(第27单位)"),  # full-width brackets, half-width listed
    ],
)
def test_a_unit_name_typed_with_full_width_characters_is_recognised(
    tmp_path: Path, typed_name: str, listed: str
) -> None:
    """A blank template filled in by hand: no code, the name as the clerk's IME typed it."""
    write(tmp_path / "收件箱" / "报表.xlsx", sample("gb2021", "", typed_name))
    report = collect(tmp_path / "收件箱", read_roster(roster(tmp_path, {"027": listed})))
    assert [u.status for u in report.units] == [Status.PASSED]


# ---------------------------------------------------------------- 9. GBK names from a Windows zip


def _gbk(folder: Path, name: str) -> Path:
    """A file whose name is GBK bytes, as unzip leaves a zip made on Chinese Windows."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder / os.fsdecode(name.encode("gbk"))


def test_returns_unzipped_with_gbk_names_are_collected_merged_and_shown_readably(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "收件箱"
    write(_gbk(inbox, "001-甲街道.xlsx"), sample("gb2021", "001", "甲街道"))
    write(_gbk(inbox / "乙街道", "报表.xlsx"), unbalanced("002", "乙街道"))
    r = roster(tmp_path, {"001": "甲街道", "002": "乙街道"})
    out = tmp_path / "审核结果"
    code, stdout, err = run("collect", inbox, "--roster", r, "-o", out, "--feedback")
    assert code == 1, err
    assert "Traceback" not in err and "001-甲街道.xlsx" in stdout
    data = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert sorted(f["file"] for f in data["files"]) == ["001-甲街道.xlsx", "乙街道/报表.xlsx"]
    ws = openpyxl.load_workbook(out / RESULTS)["报送进度"]
    file_col = [c.value for c in ws[1]].index("文件")
    assert {r[file_col] for r in ws.iter_rows(min_row=2, max_row=3, values_only=True)} == {
        "001-甲街道.xlsx",
        "乙街道/报表.xlsx",
    }
    code, stdout, err = run("merge", out, "-o", tmp_path / "汇总.xlsx")
    assert code == 0, err
    assert "已汇总 1 个单位" in stdout
    code, stdout, err = run("merge", inbox, "-o", tmp_path / "汇总2.xlsx", "--include-errors")
    assert code == 0, err
    assert inspect_file(tmp_path / "汇总2.xlsx").ret.members[0].file == "001-甲街道.xlsx"  # type: ignore[union-attr]


def test_a_single_file_with_a_gbk_name_is_validated_and_reported(tmp_path: Path) -> None:
    path = write(_gbk(tmp_path, "甲街道.xlsx"), sample("gb2021", "001", "甲街道"))
    code, stdout, err = run("validate", path)
    assert code == 0 and "甲街道.xlsx" in stdout, err
    code, stdout, err = run("validate", "--json", path)
    assert json.loads(stdout)[0]["findings"] == []
    code, stdout, err = run("report", path, "-o", tmp_path / "报告.md")
    assert code == 0, err


# ---------------------------------------------------------------- 10. --jobs


def _children(pid: int) -> int:
    try:
        return len(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return 0


def test_jobs_beyond_the_cores_starts_no_more_workers_than_cores(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    for i in range(12):
        write(inbox / f"U{i}.xlsx", sample("gb2021", f"U{i}", f"单位{i}", seed=i))
    r = roster(tmp_path, {f"U{i}": f"单位{i}" for i in range(12)})
    proc = subprocess.Popen(
        [sys.executable, "-c", "from govxl.cli import run; run()", "collect", str(inbox),
         "--roster", str(r),
         "-o", str(tmp_path / "out"), "--jobs", "48"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    most = 0
    while proc.poll() is None:
        most = max(most, _children(proc.pid))
        time.sleep(0.005)
    _, err = proc.communicate()
    assert proc.returncode == 0, err
    assert 0 < most <= (os.cpu_count() or 1)


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_jobs_below_one_is_a_usage_error(tmp_path: Path, jobs: str) -> None:
    write(tmp_path / "in" / "a.xlsx", sample("gb2021", "001", "甲街道"))
    r = roster(tmp_path, {"001": "甲街道"})
    code, _, err = run(
        "collect", tmp_path / "in", "--roster", r, "-o", tmp_path / "o", "--jobs", jobs
    )
    assert code == 2 and "--jobs 应为 1 或更大的整数" in err


# ---------------------------------------------------------------- 11. clearer messages


def test_a_formula_typed_into_a_count_cell_is_named_as_a_formula(tmp_path: Path) -> None:
    src = write(tmp_path / "src.xlsx", sample("gb2021", "001", "甲街道"))
    path = edit(src, tmp_path / "a.xlsx", typed("gb2021", "t3.r1.natural", "=1+2"))
    res = inspect_file(path)
    (f,) = [f for f in res.findings if f.cell == place("gb2021", "t3.r1.natural")[1]]
    assert f.code == "formula-in-input" and "公式 =1+2" in f.message
    assert f.title != "未填写"


def test_merging_with_errors_included_names_only_the_return_of_another_year(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    for i in range(3):
        write(inbox / f"U{i}.xlsx", sample("gb2021", f"U{i}", f"单位{i}", seed=i))
    write(inbox / "U9-去年.xlsx", sample("gb2021", "U9", "单位9", year=2024))
    with pytest.raises(MergeError) as e:
        merge([inbox], include_errors=True)
    message = str(e.value)
    form = "国办公开办函〔2021〕30号格式"
    assert f"3 份文件是{form}，2025 年，以下 1 份不同：U9-去年.xlsx：{form}，2024 年" in message
    assert "U0.xlsx" not in message


def test_feedback_says_why_a_word_report_gets_no_annotated_copy(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    bad = unbalanced("", "甲街道")
    (inbox).mkdir()
    (inbox / "甲街道年度报告.docx").write_bytes(render_report(bad, "docx"))
    r = roster(tmp_path, {"001": "甲街道"})
    code, stdout, _ = run("collect", inbox, "--roster", r, "-o", tmp_path / "out", "--feedback")
    assert code == 1
    assert "退回文件 0 份" in stdout
    assert "无法生成标注了问题的退回文件" in stdout and "甲街道年度报告.docx" in stdout


@pytest.mark.soffice
def test_feedback_says_why_an_ods_return_gets_no_annotated_copy(
    tmp_path: Path, soffice: str
) -> None:
    from govxl.office import convert

    src = write(tmp_path / "src" / "001.xlsx", unbalanced("001", "甲街道"))
    ods = convert([src], tmp_path / "收件箱", "ods")[src]
    r = roster(tmp_path, {"001": "甲街道"})
    code, stdout, _ = run(
        "collect", ods.parent, "--roster", r, "-o", tmp_path / "out", "--feedback"
    )
    assert code == 1
    assert ".ods 文件无法加标注" in stdout


def test_a_report_is_not_made_from_a_failing_return_unless_forced(tmp_path: Path) -> None:
    path = write(tmp_path / "a.xlsx", unbalanced("001", "甲街道"))
    code, _, err = run("report", path, "-o", tmp_path / "报告.docx")
    assert code == 1
    assert "有 2 个强制问题" in err and "--force" in err
    assert not (tmp_path / "报告.docx").exists()
    code, _, err = run("report", path, "-o", tmp_path / "报告.docx", "--force")
    assert code == 0 and (tmp_path / "报告.docx").is_file()
    assert "报告中的数字可能有误" in err


def test_a_report_made_from_a_summary_says_what_to_write_before_it_is_published(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "收件箱"
    for code, name in (("001", "甲街道"), ("002", "乙街道")):
        write(inbox / f"{code}.xlsx", sample("gb2021", code, name))
    summary = tmp_path / "区汇总.xlsx"
    assert run("merge", inbox, "-o", summary, "--name", "测试区")[0] == 0
    code, _, err = run("report", summary, "-o", tmp_path / "区报告.docx")
    assert code == 0 and (tmp_path / "区报告.docx").is_file()  # a draft to finish in Word
    said = " ".join(err.split())
    assert "这份报告还不能发布" in said and "落款没有日期" in said
    for part in ("一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert f"“{part}”没有内容" in said
    own = write(tmp_path / "001-甲街道.xlsx", sample("gb2021", "001", "甲街道"))
    code, _, err = run("report", own, "-o", tmp_path / "甲报告.md")
    assert code == 0 and "还不能发布" not in err


def test_a_percentage_typed_into_a_count_cell_is_explained(tmp_path: Path) -> None:
    src = write(tmp_path / "src.xlsx", sample("gb2021", "001", "甲街道"))
    path = edit(src, tmp_path / "a.xlsx", typed("gb2021", "t3.r1.natural", 0.05))
    (f,) = [f for f in inspect_file(path).findings if f.code == "fraction"]
    assert "输入 5% 时，Excel 存的就是 0.05" in f.message


@pytest.mark.parametrize("command", ["collect", "template"])
def test_a_year_no_report_exists_for_is_refused(tmp_path: Path, command: str) -> None:
    r = roster(tmp_path, {"001": "甲街道"})
    (tmp_path / "in").mkdir()
    args = (
        ["collect", tmp_path / "in", "--roster", r, "-o", tmp_path / "o"]
        if command == "collect"
        else ["template", "--form", "gb2021", "--roster", r, "-o", tmp_path / "o"]
    )
    code, _, err = run(*args, "--year", "1900")
    assert code == 2 and "--year 1900 不是可以填报的报告年度" in err
    assert not (tmp_path / "o").exists()
