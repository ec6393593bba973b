"""A second look at the desk's doors: what a unit, the office or a stranger can make it do, and
what each of them reads when the answer is no. Every test here failed on the desk as it landed."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from govxl.desk.app import create_app
from govxl.desk.intake import Desk
from govxl.desk.security import csrf_token
from govxl.template.writer import render
from tests.desk.kit import (
    JSON,
    UNITS,
    filled,
    link,
    office,
    open_desk,
    store_files,
    upload,
    workbook,
)
from tests.hostile.make_corpus import replace, sheet_part, zeros


def _bomb() -> bytes:
    """A return whose sheet 二 inflates 1000:1 (the reader refuses it; openpyxl would not)."""
    base = render(filled("A01"))
    part = sheet_part(base, "二 主动公开")
    return replace(base, {part: zeros(part, 60)})


# ---------------------------------------------------------------- a 说明 typed on the page
@pytest.mark.parametrize(
    ("name", "data"),
    [("报表.xlsx", b"not a workbook at all"), ("炸弹.xlsx", _bomb())],
    ids=["not-a-workbook", "zip-bomb"],
)
def test_a_note_on_a_file_the_reader_refused_is_refused_without_opening_it(
    client: TestClient, desk: Desk, name: str, data: bytes
) -> None:
    up = upload(client, desk, "A01", data, name).json()["uploads"][0]
    assert up["verdict"] == "unreadable"
    form = {
        "csrf": csrf_token(desk.csrf_key, "unit:A01"),
        "upload": str(up["id"]),
        "ref": "R7[rules]",
        "text": "数字无误",
    }
    r = client.post(link(desk, "A01") + "/explain", data=form)
    assert r.status_code == 409 and "无法读取" in r.text
    assert len(desk.archive.uploads()) == 1


def test_a_note_answers_only_a_check_the_file_asked_about(client: TestClient, desk: Desk) -> None:
    up = upload(client, desk, "A01", workbook("A01")).json()["uploads"][0]  # passes: nothing to say
    form = {
        "csrf": csrf_token(desk.csrf_key, "unit:A01"),
        "upload": str(up["id"]),
        "ref": '=HYPERLINK("http://x")',
        "text": "随便写",
    }
    r = client.post(link(desk, "A01") + "/explain", data=form)
    assert r.status_code == 409 and "核实" in r.text
    assert len(desk.archive.uploads()) == 1


# ---------------------------------------------------------------- answers a clerk can read
def test_a_mistyped_address_is_answered_in_chinese(client: TestClient, desk: Desk) -> None:
    for path in ("/nothing", "/u/", link(desk, "A01") + "/feedback/abc"):
        r = client.get(path)
        assert r.status_code == 404 and "找不到" in r.text and "Not Found" not in r.text, path
        assert "script-src 'self'" in r.headers["content-security-policy"]
    r = client.get("/nothing", headers=JSON)
    assert r.status_code == 404 and "找不到" in r.json()["message"]
    r = client.get(link(desk, "A01") + "/upload")  # the upload address opened in a browser
    assert r.status_code == 405 and "请从本单位的报送页面上传" in r.text


def test_a_request_the_desk_cannot_finish_is_answered_in_chinese(desk: Desk) -> None:
    with TestClient(create_app(desk), raise_server_exceptions=False) as client:
        upload(client, desk, "A01", workbook("A01"))
        for p in store_files(desk):  # a clerk moves the file out of the store by hand
            p.rename(desk.folder / p.name)
        r = client.get("/office/download/全部报表.zip", headers=office(desk))
        assert r.status_code == 500 and "收件台出错" in r.text and "Internal" not in r.text
        assert r.headers["x-frame-options"] == "DENY"
        r = client.get("/office/file/1", headers=office(desk))
        assert r.status_code == 404 and "已不在收件箱" in r.text


def test_several_files_with_one_that_is_no_return_store_none(
    client: TestClient, desk: Desk
) -> None:
    files = [("file", ("报表.xlsx", workbook("A02"))), ("file", ("照片.jpg", b"\xff\xd8\xff"))]
    r = client.post(link(desk, "A02") + "/upload", files=files, headers=JSON)
    assert r.status_code == 415 and "照片.jpg" in r.json()["message"]
    assert desk.archive.uploads() == [] and store_files(desk) == []


# ---------------------------------------------------------------- the archive and the forms
@pytest.mark.parametrize(
    "sql",
    [
        "INSERT OR REPLACE INTO uploads(id, at, unit, link, original_name, size, sha256, stored, "
        "staging, client, verdict, findings) VALUES(1, '', 'A01', 'unit', '改', 1, '', '', '', '', "
        "'passed', '[]')",
        "REPLACE INTO links(unit, token, created) VALUES('A01', 'stolen', '')",
        "INSERT OR REPLACE INTO actions(id, at, unit, kind, upload, comment, client) "
        "VALUES(1, '', 'A01', 'confirm', 1, '', '')",
    ],
    ids=["uploads", "links", "actions"],
)
def test_a_ledger_row_cannot_be_replaced_either(client: TestClient, desk: Desk, sql: str) -> None:
    upload(client, desk, "A01", workbook("A01"))
    client.post("/office/unit/A01/act", data={"kind": "confirm"}, headers=office(desk))
    db = sqlite3.connect(desk.folder / "desk.db")
    before = [db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("uploads", "links")]
    with pytest.raises(sqlite3.DatabaseError, match="never"):
        db.execute(sql)
    after = [db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("uploads", "links")]
    assert after == before
    db.close()


def test_a_form_with_an_empty_bearer_still_needs_its_csrf_token(
    client: TestClient, desk: Desk
) -> None:
    upload(client, desk, "A01", workbook("A01"))
    client.get(f"/o/{desk.office_token}")  # the office's cookie
    r = client.post(
        "/office/unit/A01/act", data={"kind": "confirm"}, headers={"authorization": "Bearer "}
    )
    assert r.status_code == 403 and desk.archive.actions() == []


# ---------------------------------------------------------------- what the office's actions do
def _version_on_page(client: TestClient, code: str) -> str:
    page = client.get(f"/office/unit/{code}").text
    (seen,) = set(re.findall(r'name="file" value="([^"]+)"', page))
    return seen


@pytest.mark.parametrize("kind", ["confirm", "return"])
def test_the_office_acts_on_the_version_it_saw(client: TestClient, desk: Desk, kind: str) -> None:
    upload(client, desk, "A02", workbook("A02", seed=1))
    client.get(f"/o/{desk.office_token}")
    seen = _version_on_page(client, "A02")
    upload(client, desk, "A02", workbook("A02", seed=2, later=5))  # meanwhile, a new version
    form = {"csrf": csrf_token(desk.csrf_key, "office"), "kind": kind, "file": seen, "comment": "x"}
    r = client.post("/office/unit/A02/act", data=form)
    assert r.status_code == 409 and "新的版本" in r.text
    assert desk.archive.actions() == []
    form["file"] = _version_on_page(client, "A02")  # looked again: the newer one
    assert client.post("/office/unit/A02/act", data=form, follow_redirects=False).status_code == 303
    assert desk.judged().standing["A02"].value == ("confirmed" if kind == "confirm" else "returned")


def test_the_office_confirms_a_file_put_into_the_store_by_hand(tmp_path: Path) -> None:
    folder = tmp_path / "工作目录"
    open_desk(folder).close()
    mailed = folder / "收件箱" / f"A03-{UNITS['A03']}" / f"A03-{UNITS['A03']}.xlsx"
    mailed.parent.mkdir(parents=True)
    mailed.write_bytes(workbook("A03"))
    desk = open_desk(folder)
    with TestClient(create_app(desk)) as client:
        h = {**office(desk), **JSON}
        assert client.post("/office/unit/A03/act", data={"kind": "confirm"}, headers=h).is_success
        assert desk.judged().standing["A03"].value == "confirmed"
        assert desk.archive.actions()[0].file == mailed.relative_to(folder / "收件箱").as_posix()
    desk.close()


def test_the_board_never_shows_an_upload_before_it_is_recorded(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While an upload's row waits for its synced commit (a slow disk), the office's board and
    downloads see the store as recorded: a row that never commits was never there."""
    desk.receive("A01", "报表.xlsx", workbook("A01"), client="test")
    recorded, go = threading.Event(), threading.Event()
    real = desk.archive.record_upload

    def slow_disk(row: dict, staged: Path | None):  # noqa: ANN202 - the archive's own signature
        recorded.set()
        go.wait(30)
        return real(row, staged)

    monkeypatch.setattr(desk.archive, "record_upload", slow_disk)
    sending = threading.Thread(
        target=desk.receive, args=("A02", "报表.xlsx", workbook("A02")), kwargs={"client": "test"}
    )
    sending.start()
    try:
        assert recorded.wait(30)
        desk.act("A01", "confirm", None, "", "test")  # the office acts meanwhile
        j = desk.judged()
        assert j.units["A02"].status.value == "missing" and j.files_of("A02") == []
    finally:
        go.set()
        sending.join(30)
    assert desk.judged().units["A02"].status.value == "passed"
