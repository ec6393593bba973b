"""``govxl demo``: the whole yearly loop on bundled sample data, in one command.

It makes the templates for the sample roster, fills an inbox with the kinds of returns a district
office really receives (clean ones and every usual mistake), collects them with feedback, and
merges the accepted ones — so a newcomer sees every output govxl makes in a minute.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import openpyxl

from govxl.collect import CollectReport, collect
from govxl.collect.feedback import write_all
from govxl.collect.outputs import write_outputs
from govxl.forms import load_form
from govxl.merge import MergeResult, merge, write_summary
from govxl.merge.tidy import rows, write_tidy
from govxl.office import OfficeError, convert, find_soffice
from govxl.report.render import render_report
from govxl.roster import Roster, read_roster
from govxl.samples import random_return
from govxl.template import write_roster_templates
from govxl.template.writer import render

FORM, YEAR = "gb2021", 2025


@dataclass
class DemoResult:
    out: Path
    templates: Path
    inbox: Path
    audit: Path
    summary: Path
    tidy: Path
    report: CollectReport
    merged: MergeResult
    cases: dict[str, str] = field(default_factory=dict)
    """Unit code → what was planted in its return (Chinese)."""


def sample_roster() -> Path:
    return Path(str(resources.files("govxl.samples") / "roster.csv"))


def build_inbox(roster: Roster, inbox: Path, *, soffice: bool = True) -> dict[str, str]:
    """Returns as they arrive: mostly good, each usual mistake once, one unit missing."""
    form = load_form(FORM)
    units = list(roster.units)
    cases = {u.code: "正确填写" for u in units[:-1]}
    inbox.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for i, u in enumerate(units[:-1]):
        ret = random_return(form, random.Random(u.code), year=YEAR, code=u.code, name=u.name)
        ret.unit_name = u.name
        name = f"{u.code}-{u.name}.xlsx"
        files[u.code] = inbox / ("微信下载" if i % 3 == 0 else "") / name
        files[u.code].parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime(YEAR + 1, 1, 10 + i, 9, 30)
        if i == 1:
            ret.values["t3.r1.natural"] = int(ret.values["t3.r1.natural"] or 0) + 3
            cases[u.code] = "表三不平衡（第一项多填了 3）"
        if i == 2:
            ret.values["t3.r3_1.business"] = "无"
            cases[u.code] = "数字格里写了“无”"
        if i == 4:
            # sent twice: an unbalanced first version, then the corrected one a day later
            bad = random_return(form, random.Random(u.code), year=YEAR, code=u.code, name=u.name)
            bad.values["t3.r4.natural"] = 99
            (inbox / f"{u.code}-{u.name}（初稿）.xlsx").write_bytes(render(bad, generated=stamp))
            cases[u.code] = "报送了两次，以后一次（更正稿）为准"
            stamp = datetime(YEAR + 1, 1, 20, 9, 30)
        files[u.code].write_bytes(render(ret, generated=stamp))
        if i == 3:
            wb = openpyxl.load_workbook(files[u.code])
            ws = wb[form.table("t3").sheet]
            ws.protection.sheet = False
            ws.insert_rows(12)
            wb.save(files[u.code])
            cases[u.code] = "在表三中插入了一行"
    # One unit still sends last year's way: the published report as a Word document.
    word = units[-2]
    files.pop(word.code).unlink()
    ret = random_return(form, random.Random(word.code), year=YEAR, code="", name=word.name)
    (inbox / f"{word.name}{YEAR}年政府信息公开工作年度报告.docx").write_bytes(
        render_report(ret, "docx")
    )
    cases[word.code] = "报送的是 Word 报告（由报告导入）"
    (inbox / f"~${units[0].code}-{units[0].name}.xlsx").write_bytes(b"\0" * 162)
    cases[units[-1].code] = "未报送"
    if soffice:
        cases.update(_resave_with_libreoffice(files[units[5].code], units[5].code))
    return cases


def _resave_with_libreoffice(path: Path, code: str) -> dict[str, str]:
    if find_soffice() is None:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            out = convert([path], Path(tmp), "xlsx")[path]
        except OfficeError:
            return {}
        shutil.copyfile(out, path)
    return {code: "用 LibreOffice 打开并另存"}


def run_demo(out: Path, *, soffice: bool = True) -> DemoResult:
    roster = read_roster(sample_roster())
    form = load_form(FORM)
    templates, inbox, audit, summary_dir = (
        out / "模板",
        out / "收件箱",
        out / "审核结果",
        out / "汇总",
    )
    if inbox.exists():
        shutil.rmtree(inbox)
    write_roster_templates(form, roster, templates, year=YEAR)
    cases = build_inbox(roster, inbox, soffice=soffice)
    # Give the files distinct modification times, as mail downloads have: downloaded after the
    # last of them was saved (20 January), the first draft before its correction.
    for k, p in enumerate(sorted(inbox.rglob("*.xlsx"), key=lambda p: ("初稿" not in p.name, p))):
        t = time.mktime(datetime(YEAR + 1, 1, 21).timetuple()) + 3600 * k
        os.utime(p, (t, t))
    report = collect(inbox, roster, year=YEAR)
    write_outputs(report, audit)
    write_all(report, audit)
    merged = merge([audit], level="区", code="LY", name="示例区（样例数据）")
    summary = write_summary(merged, summary_dir / "示例区汇总.xlsx")
    tidy = write_tidy(rows(form, YEAR, merged.rows), summary_dir / "明细数据.csv")
    return DemoResult(out, templates, inbox, audit, summary, tidy, report, merged, cases)
