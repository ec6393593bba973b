"""The sample district on the desk (``govxl demo --serve``): eight days of uploads already in.

Made-up units and figures (``govxl/samples``), each usual case once: a clean return confirmed
by the office, an unbalanced table 三, "无" typed into a count cell and corrected two days later,
a first draft replaced, a return sent back with a comment, a fee typed in 元 (a 核实 warning), a
published report sent as a Word file, and one unit that has sent nothing yet.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path

from govxl.desk.intake import Desk
from govxl.forms import load_form
from govxl.forms.returns import Return
from govxl.report.render import render_report
from govxl.samples import random_return
from govxl.template.writer import render

FORM, YEAR = "gb2021", 2025


def sample_roster() -> Path:
    return Path(str(resources.files("govxl.samples") / "roster.csv"))


def seed(folder: Path, *, today: date | None = None) -> Desk:
    """Open the sample desk in ``folder``, filling it on the first start."""
    today = today or date.today()
    desk = Desk.open(
        folder, roster=sample_roster(), form=FORM, year=YEAR, deadline=today + timedelta(3)
    )
    if desk.uploads:
        return desk
    form = load_form(FORM)
    units = desk.settings.roster.units

    def ret(i: int, version: int = 0) -> Return:
        u = units[i]
        rng = random.Random(f"{u.code}-{version}")
        return random_return(form, rng, year=YEAR, code=u.code, name=u.name)

    def send(i: int, r: Return | bytes, days_ago: int, hour: int, name: str = "") -> int:
        u = units[i]
        at = datetime.combine(today - timedelta(days_ago), time(hour, 17 * i % 60)).astimezone()
        data = r if isinstance(r, bytes) else render(r, generated=at.replace(tzinfo=None))
        o = desk.receive(u.code, name or f"{u.name}.xlsx", data, client="示例", at=at)
        return o.upload.id

    def office(i: int, kind: str, comment: str, days_ago: int) -> None:
        at = datetime.combine(today - timedelta(days_ago), time(16, 30)).astimezone()
        desk.act(units[i].code, kind, None, comment, "示例", at)

    send(0, ret(0), 8, 9)
    office(0, "confirm", "", 7)
    bad = ret(1)
    bad.values["t3.r1.natural"] = int(bad.values["t3.r1.natural"] or 0) + 3
    send(1, bad, 7, 10)
    typed = ret(2)
    typed.values["t3.r3_1.business"] = "无"
    send(2, typed, 6, 11)
    send(2, ret(2), 2, 15, f"{units[2].name}（更正）.xlsx")
    send(3, ret(3), 6, 14)
    draft = ret(4, 1)
    draft.values["t3.r4.natural"] = 99
    send(4, draft, 5, 9, f"{units[4].name}（初稿）.xlsx")
    send(4, ret(4), 3, 10, f"{units[4].name}（终稿）.xlsx")
    send(5, ret(5), 4, 16)
    office(
        5, "return", "表二“规章”本年制发 12 件与区司法局备案数（9 件）不符，请核实后重新报送。", 1
    )
    send(6, ret(6), 4, 9)
    send(7, ret(7), 3, 11)
    fee = ret(8)
    fee.values["t2.fees.fee_amount"] = "251000元"
    send(8, fee, 2, 10)
    send(9, ret(9), 1, 9)
    word = ret(10)
    word.unit_code = ""
    send(
        10,
        render_report(word, "docx"),
        1,
        14,
        f"{units[10].name}2025年政府信息公开工作年度报告.docx",
    )
    return desk
