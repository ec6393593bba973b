"""What a unit and the office read at the desk: each its own advice, every file under the name
the unit uploaded it as, and a picker that offers every kind of file the desk takes."""

from __future__ import annotations

import html
import io
import random
import re
from pathlib import Path

import openpyxl
from starlette.testclient import TestClient

from govxl.collect.scan import REPORT_SUFFIXES, WORKBOOK_SUFFIXES
from govxl.desk.intake import Desk
from govxl.forms import load_form
from govxl.forms.workbook import SHEET_ID
from govxl.samples import random_return
from govxl.template.writer import render
from tests.desk.kit import FORM, JSON, UNITS, YEAR, link, office, open_desk, upload, workbook

OFFICE_ONLY = ("重新运行", "收件箱", "文件名改为", "名册中补充")
"""Advice for the clerk who runs collect over a folder: never what a unit is told to do."""


def _text(page: str) -> str:
    """What a reader sees of a page: its text, without tags, hidden fields or scripts."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _opinions(book: bytes) -> list[str]:
    """The 审核意见 sheet of a 退回 copy, row by row."""
    ws = openpyxl.load_workbook(io.BytesIO(book))["审核意见"]
    return [
        " ".join(str(c) for c in row if c is not None) for row in ws.iter_rows(values_only=True)
    ]


# ---------------------------------------------------------------- another unit's file
def test_a_unit_that_uploads_another_units_file_reads_what_to_do_and_the_office_its_own(
    client: TestClient, desk: Desk
) -> None:
    """A02 filled in A01's template and uploaded it as 红旗.xlsx through its own link."""
    body = upload(client, desk, "A02", workbook("A01", seed=7), "红旗.xlsx").json()
    (sent,) = body["uploads"]
    stored = desk.archive.uploads()[0].stored
    owner = f"A01 {UNITS['A01']}"
    # the unit: what it should do, in its page, its JSON answer and its 退回 copy
    page = _text(client.get(link(desk, "A02")).text)
    said = (
        f"这是 {owner} 的报表文件，不是本单位的，不计入本单位的报送。"
        "请用本单位的模板填写后重新报送。"
    )
    assert said in page
    assert sent["findings"][0]["message"] == said and "for_unit" not in sent["findings"][0]
    copy = client.get(f"{link(desk, 'A02')}/feedback/{sent['id']}")
    assert copy.status_code == 200
    rows = _opinions(copy.content)
    assert any(said in r for r in rows) and "文件：红旗.xlsx" in rows[1]
    for text in (page, sent["findings"][0]["message"], *rows):
        assert not any(word in text for word in OFFICE_ONLY), text
        assert "unit-mismatch" not in text and stored not in text
    # the office: who sent it (the link), under the name it was sent as, and what it can do
    seen = _text(client.get("/office/unit/A02", headers=office(desk)).text)
    assert f"这份文件（红旗.xlsx）是通过 A02 {UNITS['A02']} 的专用链接上传的" in seen
    assert "文件名表明" not in seen and stored not in seen
    assert f"可在收件台 {owner} 的“全部版本”中对这份文件选“以此版本为准”" in seen
    # ... and that advice works: A01's versions offer the file, and choosing it there counts it
    page = client.get("/office/unit/A01", headers=office(desk)).text
    assert f'name="chosen" value="{stored}"' in page and "红旗.xlsx" in _text(page)
    form = {"kind": "choose", "chosen": stored}
    r = client.post("/office/unit/A01/act", data=form, headers={**office(desk), **JSON})
    assert r.status_code == 200, r.text
    units = client.get("/api/units", headers=office(desk)).json()["units"]
    assert {u["code"]: u["status"] for u in units}["A01"] == "passed"


def test_a_return_of_a_unit_not_on_the_roster_tells_the_unit_to_use_its_own_template(
    client: TestClient, desk: Desk
) -> None:
    ret = random_return(load_form(FORM), random.Random(1), year=YEAR, code="Z99", name="外区某局")
    body = upload(client, desk, "A03", render(ret), "丙镇.xlsx").json()
    (f,) = [x for x in body["uploads"][0]["findings"] if x["code"] == "unknown-unit"]
    assert f["message"] == (
        "文件中的单位代码“Z99”（外区某局）不在本次报送的单位名单中，可能用错了模板。"
        "请用本单位的模板填写后重新报送。"
    )
    page = _text(client.get(link(desk, "A03")).text)
    assert f["message"] in page and not any(word in page for word in OFFICE_ONLY)
    seen = _text(client.get("/office/unit/A03", headers=office(desk)).text)
    assert "请核对文件是否发错，或在名册中补充该单位" in seen  # the office's, kept


# ---------------------------------------------------------------- the names people gave
def _hidden_id_sheet(data: bytes) -> bytes:
    """The return as LibreOffice saves it: the identity sheet merely hidden."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb[SHEET_ID].sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_unit_and_the_office_read_the_file_under_the_name_it_was_uploaded_as(
    client: TestClient, desk: Desk, tmp_path: Path
) -> None:
    upload(client, desk, "A01", _hidden_id_sheet(workbook("A01")), "东风街道报表.xlsx")
    stored = desk.archive.uploads()[0].stored
    hint = "文件 东风街道报表.xlsx 经 LibreOffice 等程序保存后"
    unit = _text(client.get(link(desk, "A01")).text)
    board = client.get("/office/unit/A01", headers=office(desk)).text
    assert hint in unit and hint in _text(board)
    assert stored not in unit and stored not in _text(board)
    assert f'href="/office/file/{desk.archive.uploads()[0].id}"' in board  # where it is fetched
    desk.close()  # and after a restart, read again from the store, the same
    again = open_desk(desk.folder)
    try:
        (st,) = again.files.values()
        assert hint in " ".join(f.message for f in st.res.findings)
    finally:
        again.close()


# ---------------------------------------------------------------- the file picker
def test_the_file_picker_offers_every_kind_of_file_the_desk_takes(
    client: TestClient, desk: Desk
) -> None:
    page = client.get(link(desk, "A03")).text
    (accept,) = re.findall(r'<input type="file"[^>]*accept="([^"]*)"', page)
    assert set(accept.split(",")) == WORKBOOK_SUFFIXES | REPORT_SUFFIXES
    (hint,) = re.findall(r'<p class="muted" id="taken">(.*?)</p>', page, flags=re.S)
    for suffix in WORKBOOK_SUFFIXES | REPORT_SUFFIXES:
        assert suffix in hint
    refused = client.post(
        link(desk, "A03") + "/upload", files={"file": ("照片.jpg", b"\xff\xd8")}, headers=JSON
    )
    assert refused.status_code == 415 and ".pdf" in refused.json()["message"]
