"""The desk's routes as a script or a browser meets them (Starlette's TestClient, no server):
every page and download, every refusal, and the archive behind them."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient

from govxl.check.read import inspect_file
from govxl.desk.app import create_app
from govxl.desk.intake import MAX_UPLOAD, Desk
from govxl.desk.security import csrf_token
from govxl.template.writer import render
from tests.desk.kit import (
    JSON,
    NOT_A_NUMBER,
    UNITS,
    collect_statuses,
    filled,
    link,
    office,
    open_desk,
    store_files,
    upload,
    workbook,
)


# ---------------------------------------------------------------- a unit uploads
def test_a_unit_uploads_a_return_and_gets_its_verdict_at_once(
    client: TestClient, desk: Desk
) -> None:
    r = upload(client, desk, "A01", workbook("A01"))
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["status_zh"]) == ("passed", "已通过")
    assert body["unit"] == {"code": "A01", "name": UNITS["A01"]}
    assert body["uploads"][0]["findings"] == []
    row = desk.archive.uploads()[0]
    assert (row.unit, row.original_name, row.link, row.verdict) == (
        "A01",
        "报表.xlsx",
        "unit",
        "passed",
    )
    assert [p.name for p in store_files(desk)] == [f"A01-{row.sha256[:16]}.xlsx"]
    assert collect_statuses(desk.folder)["A01"] == "passed"


def test_a_wrong_cell_is_named_and_the_fix_passes(client: TestClient, desk: Desk) -> None:
    bad = upload(client, desk, "A02", workbook("A02", values=NOT_A_NUMBER)).json()
    assert bad["status"] == "failed"
    cells = {(f["sheet"], f["cell"]) for f in bad["findings"] if f["severity"] == "error"}
    assert ("三 依申请", "E8") in cells or any(s == "三 依申请" for s, _ in cells)
    page = client.get(link(desk, "A02")).text
    assert 'class="value error"' in page and "无" in page and "未通过" in page
    good = upload(client, desk, "A02", workbook("A02", later=10)).json()  # saved after
    assert good["status"] == "passed"
    assert collect_statuses(desk.folder)["A02"] == "passed"
    assert [u.verdict for u in desk.archive.uploads()] == ["failed", "passed"]


def test_several_files_in_one_upload_are_each_archived(client: TestClient, desk: Desk) -> None:
    files = [
        ("file", ("一.xlsx", workbook("A03", seed=1))),
        ("file", ("二.xlsx", workbook("A03", seed=2))),
    ]
    r = client.post(link(desk, "A03") + "/upload", files=files, headers=JSON)
    assert r.status_code == 200 and len(r.json()["uploads"]) == 2
    assert [u.original_name for u in desk.archive.uploads()] == ["一.xlsx", "二.xlsx"]
    assert len(store_files(desk)) == 2


def test_the_same_file_twice_is_two_rows_and_one_stored_file(
    client: TestClient, desk: Desk
) -> None:
    data = workbook("A01")
    upload(client, desk, "A01", data)
    upload(client, desk, "A01", data, "再次.xlsx")
    assert len(desk.archive.uploads()) == 2 and len(store_files(desk)) == 1


def test_a_browser_upload_goes_back_to_the_page_with_the_verdict(
    client: TestClient, desk: Desk
) -> None:
    csrf = csrf_token(desk.csrf_key, "unit:A01")
    r = client.post(
        link(desk, "A01") + "/upload",
        files={"file": ("报表.xlsx", workbook("A01"))},
        data={"csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith(link(desk, "A01") + "?v=1")
    assert "已通过" in client.get(r.headers["location"]).text


def test_the_template_is_the_units_own(client: TestClient, desk: Desk, tmp_path: Path) -> None:
    r = client.get(link(desk, "A04") + "/template")
    assert r.status_code == 200 and "filename*=UTF-8''A04-" in r.headers["content-disposition"]
    path = tmp_path / "t.xlsx"
    path.write_bytes(r.content)
    ret = inspect_file(path).ret
    assert ret is not None and (ret.unit_code, ret.unit_name, ret.year) == (
        "A04",
        UNITS["A04"],
        2025,
    )


def test_the_feedback_copy_marks_the_wrong_cell(client: TestClient, desk: Desk) -> None:
    up = upload(client, desk, "A02", workbook("A02", values=NOT_A_NUMBER)).json()["uploads"][0]
    r = client.get(link(desk, "A02") + f"/feedback/{up['id']}")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[0] == "审核意见"
    assert "无" in str([c.value for row in wb["审核意见"].iter_rows() for c in row])


def test_an_explanation_typed_on_the_page_is_checked_again(tmp_path: Path) -> None:
    """R7 (核实): 现行有效件数 does not follow from last year's; the unit explains why."""
    this = filled("A03")
    last = filled("A03", seed=9)
    last.year = 2024
    for c in ("natural", "business", "research", "nonprofit", "legal", "other"):
        last.values[f"t3.r4.{c}"] = this.values[f"t3.r2.{c}"]  # R6 holds
    this.values.update({"t2.rules.issued": 25, "t2.rules.repealed": 0, "t2.rules.in_force": 40})
    last.values["t2.rules.in_force"] = 20  # 20 + 25 - 0 is not 40
    (tmp_path / "上年").mkdir()
    (tmp_path / "上年" / "A03.xlsx").write_bytes(render(last))
    d = open_desk(tmp_path / "工作目录", previous=tmp_path / "上年")
    with TestClient(create_app(d)) as client:
        first = upload(client, d, "A03", render(this)).json()
        (warning,) = [f for f in first["findings"] if f["severity"] == "warning"]
        assert first["status"] == "warned" and warning["rule"] == "R7[rules]"
        assert 'value="R7[rules]"' in client.get(link(d, "A03")).text  # the box on the page
        text = "=本年修订 5 件，重新发布"
        r = client.post(
            link(d, "A03") + "/explain",
            data={
                "csrf": csrf_token(d.csrf_key, "unit:A03"),
                "upload": "1",
                "ref": "R7[rules]",
                "text": text,
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
    second = d.archive.uploads()[-1]
    assert second.link == "note" and second.verdict == "passed"
    (again,) = [f for f in json.loads(second.findings) if f["rule"] == "R7[rules]"]
    assert again["explained"] is True
    ret = inspect_file(d.archive.store / second.stored).ret
    assert ret is not None and ("R7[rules]", text) in ret.notes  # as text, never a formula
    assert d.judged().units["A03"].status.value == "passed"
    d.close()


# ---------------------------------------------------------------- a unit sees only itself
def test_a_unit_never_sees_another_units_data(client: TestClient, desk: Desk) -> None:
    upload(client, desk, "A01", workbook("A01", values={"t3.r1.natural": 987654}))
    upload(client, desk, "A02", workbook("A02"))
    client.post(
        "/office/unit/A01/act",
        data={"kind": "return", "comment": "甲的退回意见"},
        headers=office(desk),
    )
    page = client.get(link(desk, "A02")).text
    for leak in (UNITS["A01"], "A01", "987654", "甲的退回意见", desk.links["A01"]):
        assert leak not in page
    assert client.get(link(desk, "A02") + "/feedback/1").status_code == 404  # A01's upload


def test_an_unknown_link_is_refused_without_saying_more(client: TestClient, desk: Desk) -> None:
    for path in ("/u/not-a-token", "/u/not-a-token/template"):
        r = client.get(path)
        assert r.status_code == 404 and "链接无效" in r.text
    r = client.post("/u/x/upload", files={"file": ("a.xlsx", b"x")}, headers=JSON)
    assert r.status_code == 404 and r.json()["error"] == 404
    assert desk.archive.uploads() == []


# ---------------------------------------------------------------- bad uploads
def test_an_upload_over_the_limit_is_refused_and_nothing_is_stored(
    client: TestClient, desk: Desk
) -> None:
    big = b"PK" + b"\0" * (MAX_UPLOAD + 300 * 1024)
    r = upload(client, desk, "A01", big)
    assert r.status_code == 413 and "20 MB" in r.json()["message"]
    just_over = b"PK" + b"\0" * (MAX_UPLOAD - 1)
    assert upload(client, desk, "A01", just_over).status_code == 413
    assert desk.archive.uploads() == [] and store_files(desk) == []
    assert list(desk.archive.staging.iterdir()) == []


def test_a_file_that_is_no_return_is_refused_and_not_stored(client: TestClient, desk: Desk) -> None:
    r = upload(client, desk, "A01", b"MZ\x90\x00", "报表.exe")
    assert r.status_code == 415 and "报表.exe" in r.json()["message"]
    assert desk.archive.uploads() == [] and store_files(desk) == []


@pytest.mark.parametrize(
    "name",
    [
        "../../../etc/passwd.xlsx",
        "..\\..\\x.xlsx",
        "/abs/报表.xlsx",
        "CON.xlsx",
        "<script>alert(1)</script>.xlsx",
    ],
)
def test_the_original_name_is_kept_as_data_never_as_a_path(
    client: TestClient, desk: Desk, name: str
) -> None:
    r = upload(client, desk, "A01", workbook("A01"), name)
    assert r.status_code == 200
    row = desk.archive.uploads()[-1]
    assert row.original_name == name
    (stored,) = store_files(desk)
    assert stored.parent.parent == desk.archive.store and stored.name.startswith("A01-")
    assert "<script>alert" not in client.get(link(desk, "A01")).text  # shown, escaped


def test_an_empty_form_is_answered_in_chinese(client: TestClient, desk: Desk) -> None:
    r = client.post(link(desk, "A01") + "/upload", data={"x": "1"}, headers=JSON)
    assert r.status_code == 400 and "没有收到文件" in r.json()["message"]


# ---------------------------------------------------------------- forms only from our pages
def test_a_form_without_its_csrf_token_is_refused(client: TestClient, desk: Desk) -> None:
    files = {"file": ("a.xlsx", workbook("A01"))}
    assert client.post(link(desk, "A01") + "/upload", files=files).status_code == 403
    wrong = {"csrf": csrf_token(desk.csrf_key, "unit:A02")}  # another unit's page
    assert client.post(link(desk, "A01") + "/upload", files=files, data=wrong).status_code == 403
    assert desk.archive.uploads() == []


def test_a_post_from_another_site_is_refused(client: TestClient, desk: Desk) -> None:
    files = {"file": ("a.xlsx", workbook("A01"))}
    evil = {**JSON, "origin": "http://evil.example"}
    assert client.post(link(desk, "A01") + "/upload", files=files, headers=evil).status_code == 403
    csrf = csrf_token(desk.csrf_key, "office")
    client.get(f"/o/{desk.office_token}")
    r = client.post(
        "/office/unit/A01/act",
        data={"csrf": csrf, "kind": "return", "comment": "x"},
        headers={"origin": "http://evil.example"},
    )
    assert r.status_code == 403 and desk.archive.actions() == []


def test_the_office_cookie_alone_does_not_make_a_form_valid(client: TestClient, desk: Desk) -> None:
    upload(client, desk, "A01", workbook("A01"))
    client.get(f"/o/{desk.office_token}")
    r = client.post("/office/unit/A01/act", data={"kind": "confirm"})
    assert r.status_code == 403 and desk.archive.actions() == []
    ok = client.post(
        "/office/unit/A01/act",
        data={"kind": "confirm", "csrf": csrf_token(desk.csrf_key, "office")},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and desk.archive.actions()[0].kind == "confirm"


# ---------------------------------------------------------------- the office's credential
OFFICE_GETS = [
    "/office",
    "/office/rows",
    "/office/events",
    "/office/unit/A01",
    "/office/file/1",
    "/office/download/审核结果.xlsx",
    "/api/units",
]


@pytest.mark.parametrize("path", OFFICE_GETS)
def test_office_routes_refuse_without_the_office_credential(
    client: TestClient, desk: Desk, path: str
) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"authorization": "Bearer nope"}).status_code == 403
    client.cookies.set("govxl_office", desk.links["A01"])  # a unit's token is no office's
    assert client.get(path).status_code == 403


def test_office_actions_refuse_without_the_office_credential(
    client: TestClient, desk: Desk
) -> None:
    assert client.post("/office/unit/A01/act", data={"kind": "confirm"}).status_code == 401
    r = client.post(
        "/office/unit/A01/act", data={"kind": "confirm"}, headers={"authorization": "Bearer x"}
    )
    assert r.status_code == 403


def test_the_office_link_opens_the_board_and_a_wrong_one_does_not(
    client: TestClient, desk: Desk
) -> None:
    assert client.get("/o/wrong").status_code == 403
    r = client.get(f"/o/{desk.office_token}", follow_redirects=False)
    assert r.status_code == 303 and "httponly" in r.headers["set-cookie"].lower()
    board = client.get("/office")
    assert board.status_code == 200 and all(name in board.text for name in UNITS.values())


def test_the_api_lists_every_unit(client: TestClient, desk: Desk) -> None:
    upload(client, desk, "A02", workbook("A02", values=NOT_A_NUMBER))
    body = client.get("/api/units", headers=office(desk)).json()
    units = {u["code"]: u for u in body["units"]}
    assert list(units) == list(UNITS)
    assert units["A02"]["status"] == "failed" and units["A02"]["versions"] == 1
    assert units["A02"]["last_upload"] and units["A01"]["last_upload"] is None
    assert set(units["A01"]) >= {"code", "name", "status", "last_upload", "versions"}


# ---------------------------------------------------------------- the office acts
def test_confirm_return_and_a_new_upload(client: TestClient, desk: Desk) -> None:
    upload(client, desk, "A01", workbook("A01"))
    act = client.post(
        "/office/unit/A01/act", data={"kind": "confirm"}, headers={**office(desk), **JSON}
    )
    assert act.status_code == 200
    assert _status(client, desk, "A01") == "confirmed"
    client.post(
        "/office/unit/A01/act",
        data={"kind": "return", "comment": "第二项请核对"},
        headers=office(desk),
    )
    assert _status(client, desk, "A01") == "returned"
    page = client.get(link(desk, "A01")).text
    assert "办公室已退回" in page and "第二项请核对" in page
    upload(client, desk, "A01", workbook("A01", seed=5, later=10))
    assert _status(client, desk, "A01") == "passed"  # the new version is collect's again
    assert collect_statuses(desk.folder)["A01"] == "passed"


def test_refused_actions_say_why(client: TestClient, desk: Desk) -> None:
    h = {**office(desk), **JSON}
    r = client.post("/office/unit/A01/act", data={"kind": "confirm"}, headers=h)
    assert r.status_code == 409 and "还没有" in r.json()["message"]
    upload(client, desk, "A02", workbook("A02", values=NOT_A_NUMBER))
    r = client.post("/office/unit/A02/act", data={"kind": "confirm"}, headers=h)
    assert r.status_code == 409 and "不能确认" in r.json()["message"]
    r = client.post("/office/unit/A02/act", data={"kind": "return"}, headers=h)
    assert r.status_code == 400 and "原因" in r.json()["message"]
    assert client.post("/office/unit/ZZ/act", data={"kind": "return"}, headers=h).status_code == 404
    assert client.post("/office/unit/A02/act", data={"kind": "drop"}, headers=h).status_code == 400
    assert desk.archive.actions() == []


def test_the_office_chooses_which_version_counts(client: TestClient, desk: Desk) -> None:
    first = upload(client, desk, "A03", workbook("A03", seed=1)).json()["uploads"][0]
    upload(client, desk, "A03", workbook("A03", seed=2))
    j = desk.judged()
    assert j.units["A03"].file != first and j.by_file[j.units["A03"].file].use.value == "used"
    h = {**office(desk), **JSON}
    r = client.post(
        "/office/unit/A03/act", data={"kind": "choose", "upload": str(first["id"])}, headers=h
    )
    assert r.status_code == 200
    j = desk.judged()
    assert j.units["A03"].file == desk.archive.uploads()[0].stored
    page = client.get("/office/unit/A03", headers=office(desk)).text
    assert "办公室选定" in page or "由办公室选定" in page


def _status(client: TestClient, desk: Desk, code: str) -> str:
    units = client.get("/api/units", headers=office(desk)).json()["units"]
    return next(u["status"] for u in units if u["code"] == code)


# ---------------------------------------------------------------- downloads
def test_every_download_opens(client: TestClient, desk: Desk) -> None:
    upload(client, desk, "A01", workbook("A01"))
    upload(client, desk, "A02", workbook("A02", values=NOT_A_NUMBER), "=cmd|' /C calc'!A0.xlsx")
    for name in ("审核结果.xlsx", "汇总表.xlsx", "操作记录.xlsx", "单位链接.xlsx"):
        r = client.get(f"/office/download/{name}", headers=office(desk))
        assert r.status_code == 200, name
        openpyxl.load_workbook(io.BytesIO(r.content))
    csv = client.get("/office/download/明细数据.csv", headers=office(desk))
    assert csv.status_code == 200 and "t3.r1.natural" in csv.content.decode("utf-8-sig")
    pq = client.get("/office/download/明细数据.parquet", headers=office(desk))
    assert pq.status_code == 200 and pq.content[:4] == b"PAR1"
    z = client.get("/office/download/全部报表.zip", headers=office(desk))
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert names == [f"A01-{UNITS['A01']}.xlsx", f"A02-{UNITS['A02']}.xlsx"]
    assert client.get("/office/download/other.xlsx", headers=office(desk)).status_code == 404


def test_the_audit_trail_keeps_what_units_typed_as_text(client: TestClient, desk: Desk) -> None:
    upload(client, desk, "A02", workbook("A02"), "=SUM(1+1)*cmd|' /C calc'!A0.xlsx")
    r = client.get("/office/download/操作记录.xlsx", headers=office(desk))
    ws = openpyxl.load_workbook(io.BytesIO(r.content))["上传记录"]
    cell = ws.cell(2, 6)
    assert cell.value == "=SUM(1+1)*cmd|' /C calc'!A0.xlsx" and cell.data_type == "s"


def test_an_original_received_file_is_served_as_it_came(client: TestClient, desk: Desk) -> None:
    data = workbook("A01")
    upload(client, desk, "A01", data, "我的报表.xlsx")
    r = client.get("/office/file/1", headers=office(desk))
    assert r.content == data and "filename*=UTF-8''%E6%88%91" in r.headers["content-disposition"]


# ---------------------------------------------------------------- the archive
def test_archive_rows_are_never_updated_or_deleted(client: TestClient, desk: Desk) -> None:
    upload(client, desk, "A01", workbook("A01"))
    db = sqlite3.connect(desk.folder / "desk.db")
    for sql in (
        "UPDATE uploads SET verdict = 'passed'",
        "DELETE FROM uploads",
        "DELETE FROM links",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="never"):
            db.execute(sql)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_every_answer_carries_the_security_headers(client: TestClient, desk: Desk) -> None:
    for path in ("/", link(desk, "A01"), "/office", "/static/desk.css"):
        h = client.get(path).headers
        assert "script-src 'self'" in h["content-security-policy"]
        assert h["referrer-policy"] == "no-referrer" and h["x-frame-options"] == "DENY"


def test_pages_ship_their_own_script_and_style(client: TestClient, desk: Desk) -> None:
    page = client.get(link(desk, "A01")).text
    assert 'src="/static/desk.js"' in page and 'href="/static/desk.css"' in page
    assert "http://" not in page and "https://" not in page  # nothing from a CDN
    assert client.get("/static/desk.js").status_code == 200


def test_late_units_are_marked_with_whom_to_call(tmp_path: Path) -> None:
    from datetime import date

    roster = tmp_path / "名册.csv"
    roster.write_text(
        "单位代码,单位名称,联系人,联系电话\n"
        + "".join(f"{c},{n},王{c},0431-{c}\n" for c, n in UNITS.items()),
        encoding="utf-8",
    )
    d = Desk.open(
        tmp_path / "工作目录", roster=roster, form="gb2021", year=2025, deadline=date(2026, 1, 20)
    )
    with TestClient(create_app(d)) as client:
        upload(client, d, "A01", workbook("A01"))
        units = {u["code"]: u for u in client.get("/api/units", headers=office(d)).json()["units"]}
        board = client.get("/office", headers=office(d)).text
    late = date.today() > date(2026, 1, 20)
    assert units["A02"]["overdue"] is late and units["A01"]["overdue"] is False
    assert "王A02 0431-A02" in board
    assert ('<span class="late">逾期</span>' in board) is late
    d.close()


def test_a_units_own_answer_equals_the_whole_stores(client: TestClient, desk: Desk) -> None:
    """An upload is judged with the files that concern its unit only: the same verdicts."""
    same = workbook("A01", seed=3)
    upload(client, desk, "A01", workbook("A01", seed=1))
    upload(client, desk, "A01", same)
    upload(client, desk, "A02", same)  # A01's file sent through A02's link
    upload(client, desk, "A03", workbook("A03", values=NOT_A_NUMBER))
    upload(client, desk, "A04", workbook("A03", seed=7))  # A03's template, filled by A04
    upload(client, desk, "A04", b"not a workbook", "A04.xlsx")
    whole = desk.judged()
    for code in UNITS:
        part = desk.judged_for({code})
        assert part.units[code] == whole.units[code]
        assert part.standing[code] == whole.standing[code]
        for up in desk.uploads:
            if up.unit == code:
                f, g = part.by_file[up.stored], whole.by_file[up.stored]
                assert (f.use, [x.code for x in f.findings]) == (
                    g.use,
                    [x.code for x in g.findings],
                )


def test_a_unit_cannot_explain_another_units_upload(client: TestClient, desk: Desk) -> None:
    upload(client, desk, "A01", workbook("A01"))
    csrf = csrf_token(desk.csrf_key, "unit:A02")
    form = {"csrf": csrf, "upload": "1", "ref": "R7[rules]", "text": "x"}
    assert client.post(link(desk, "A02") + "/explain", data=form).status_code == 404
    own = {**form, "csrf": csrf_token(desk.csrf_key, "unit:A01"), "text": "  "}
    r = client.post(link(desk, "A01") + "/explain", data=own)
    assert r.status_code == 400 and "说明" in r.text
    assert len(desk.archive.uploads()) == 1


def test_the_boards_rows_come_alone_for_the_live_update(client: TestClient, desk: Desk) -> None:
    upload(client, desk, "A04", workbook("A04"))
    r = client.get("/office/rows", headers=office(desk))
    assert r.status_code == 200 and "<html" not in r.text
    assert 'id="unit-A04"' in r.text and "已通过" in r.text
    assert f'data-generation="{desk.generation}"' in r.text
