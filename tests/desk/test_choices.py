"""The office chooses which version counts, and everything downstream follows: the board,
``govxl collect`` over the store and the summary it downloads are one decision, taken once and
kept as a row of the archive."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
from starlette.testclient import TestClient

from govxl.desk.intake import Desk
from govxl.desk.security import csrf_token
from govxl.forms.workbook import SHEET_ID
from govxl.template.writer import render
from tests.desk.kit import JSON, YEAR, filled, office, upload, workbook

GOVXL = [sys.executable, "-c", "from govxl.cli import run; run()"]
SAVED = datetime(2026, 1, 10, 9, 30)


def _choose(client: TestClient, desk: Desk, code: str, upload_id: int) -> None:
    form = {"kind": "choose", "upload": str(upload_id)}
    r = client.post(f"/office/unit/{code}/act", data=form, headers={**office(desk), **JSON})
    assert r.status_code == 200, r.text


def _board(client: TestClient, desk: Desk) -> dict[str, tuple[str, str]]:
    units = client.get("/api/units", headers=office(desk)).json()["units"]
    return {u["code"]: (u["collect_status"], u["file"] or "") for u in units}


def _collect(desk: Desk, tmp_path: Path) -> dict[str, tuple[str, str]]:
    """``govxl collect 工作目录/收件箱`` as the office runs it, beside the desk."""
    out = tmp_path / "审核结果"
    done = subprocess.run(
        [
            *GOVXL,
            "collect",
            str(desk.archive.store),
            "--roster",
            str(desk.folder / "名册.csv"),
            "--year",
            str(YEAR),
            "-o",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1), done.stderr
    return {u["code"]: (u["status"], u["file"] or "") for u in json.loads(done.stdout)["units"]}


def _cells(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
        if ws.title == SHEET_ID:  # when it was made: the one thing that may differ
            rows = [r for r in rows if r and r[0] != "generated"]
        out[ws.title] = rows
    return out


def test_the_office_chooses_an_earlier_version_and_the_summary_sums_it(
    client: TestClient, desk: Desk, tmp_path: Path
) -> None:
    upload(client, desk, "A01", workbook("A01"))
    first = upload(client, desk, "A02", workbook("A02", seed=1)).json()["uploads"][0]
    upload(client, desk, "A02", workbook("A02", seed=2, later=5), "乙街道（更正）.xlsx")
    before = _board(client, desk)
    assert before["A02"] == ("passed", desk.archive.uploads()[2].stored)  # the correction
    assert before == _collect(desk, tmp_path / "before")

    _choose(client, desk, "A02", first["id"])  # the unit says: the first one was right
    board = _board(client, desk)
    chosen = desk.archive.uploads()[1].stored
    assert board["A02"] == ("passed", chosen)
    assert board == _collect(desk, tmp_path / "after")
    action = desk.archive.actions()[-1]
    assert (action.kind, action.file, action.upload) == ("choose", chosen, first["id"])

    summary = client.get("/office/download/汇总表.xlsx", headers=office(desk))
    merged, chosen_only = tmp_path / "merge.xlsx", tmp_path / "采用的报表"
    for code in ("A01", "A02"):  # the files that count, laid out as in the store
        (chosen_only / board[code][1]).parent.mkdir(parents=True)
        shutil.copy2(desk.archive.store / board[code][1], chosen_only / board[code][1])
    roster = str(desk.folder / "名册.csv")
    done = subprocess.run(
        [*GOVXL, "merge", str(chosen_only), "--roster", roster, "-o", str(merged)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert _cells(summary.content) == _cells(merged.read_bytes())


def test_a_choice_settles_versions_no_clue_tells_apart(
    client: TestClient, desk: Desk, tmp_path: Path
) -> None:
    """Two returns saved the same minute, arrived the same minute, named alike: collect asks
    (核实 version-unclear) until the office says which one counts."""
    for seed in (1, 2):
        upload(client, desk, "A03", render(filled("A03", seed=seed), generated=SAVED))
    board = _board(client, desk)
    assert board["A03"][0] == "warned"
    counted = desk.judged().by_file[board["A03"][1]]
    assert "version-unclear" in [f.code for f in counted.findings]
    client.get(f"/o/{desk.office_token}")  # the office opens its board, then the unit's page
    page = client.get("/office/unit/A03").text
    offered = re.findall(r'name="chosen" value="([^"]+)"', page)
    assert sorted(offered) == sorted(u.stored for u in desk.archive.uploads())
    other = next(f for f in offered if f != counted.relative)
    form = {"csrf": csrf_token(desk.csrf_key, "office"), "kind": "choose", "chosen": other}
    assert client.post("/office/unit/A03/act", data=form, follow_redirects=False).is_redirect
    board = _board(client, desk)
    assert board["A03"] == ("passed", other)
    assert board == _collect(desk, tmp_path)
    assert "由办公室选定" in client.get("/office/unit/A03").text
    assert [a.upload for a in desk.archive.actions()] == [_id(desk, other)]


def _id(desk: Desk, stored: str) -> int:
    return next(u.id for u in desk.archive.uploads() if u.stored == stored)


def test_a_file_sent_through_another_units_link_counts_where_the_office_says(
    client: TestClient, desk: Desk, tmp_path: Path
) -> None:
    """A04 filled in A03's template and sent it through its own link: it counts for nobody
    (unit-mismatch) until the office decides it is A04's return."""
    sent = upload(client, desk, "A04", workbook("A03", seed=4), "丁乡.xlsx").json()["uploads"][0]
    board = _board(client, desk)
    assert board["A04"][0] == "failed" and board["A03"][0] == "missing"
    _choose(client, desk, "A04", sent["id"])
    board = _board(client, desk)
    assert board["A04"][0] == "passed" and board["A03"][0] == "missing"
    assert board == _collect(desk, tmp_path)


def test_downloading_the_summary_changes_no_verdict(
    client: TestClient, desk: Desk, tmp_path: Path
) -> None:
    """The summary sums a file as the unit the office chose for it; the file's own reading (what
    it claims to be) stays as it was read, so the board after the download is the board before."""
    upload(client, desk, "A01", workbook("A01"))
    sent = upload(client, desk, "A01", workbook("A02", seed=4), "甲街道（修改）.xlsx").json()
    _choose(client, desk, "A01", sent["uploads"][0]["id"])
    before = _board(client, desk)
    summary = client.get("/office/download/汇总表.xlsx", headers=office(desk))
    assert summary.status_code == 200
    assert _board(client, desk) == before == _collect(desk, tmp_path)
    assert {s.claims for s in desk.files.values()} == {"A01", "A02"}


def test_a_new_upload_after_the_choice_is_weighed_afresh(
    client: TestClient, desk: Desk, tmp_path: Path
) -> None:
    first = upload(client, desk, "A02", workbook("A02", seed=1)).json()["uploads"][0]
    upload(client, desk, "A02", workbook("A02", seed=2, later=5))
    _choose(client, desk, "A02", first["id"])
    assert _board(client, desk)["A02"][1] == desk.archive.uploads()[0].stored
    upload(client, desk, "A02", workbook("A02", seed=3, later=10), "乙街道（终稿）.xlsx")
    board = _board(client, desk)
    assert board["A02"][1] == desk.archive.uploads()[-1].stored
    assert board == _collect(desk, tmp_path)
    assert [a.kind for a in desk.archive.actions()] == ["choose"]  # the row stays


# ---------------------------------------------------------------- the summary, merged once
def test_the_summary_is_merged_again_only_when_the_archive_moves(
    client: TestClient, desk: Desk
) -> None:
    summaries = client.app.state.web.summaries

    def get() -> bytes:
        return client.get("/office/download/汇总表.xlsx", headers=office(desk)).content

    upload(client, desk, "A01", workbook("A01"))
    first = get()
    assert get() == first and summaries.merges == 1  # unchanged archive: the same bytes
    client.get("/office/download/明细数据.csv", headers=office(desk))
    assert summaries.merges == 1  # 明细 comes from the same merge
    upload(client, desk, "A02", workbook("A02"))
    second = get()
    assert summaries.merges == 2 and second != first
    summed = [{r[0]: r[2] for r in _cells(b)["报送情况"][1:]} for b in (first, second)]
    assert (summed[0]["A02"], summed[1]["A02"]) == ("未报送", "已汇总")
    client.post("/office/unit/A02/act", data={"kind": "confirm"}, headers={**office(desk), **JSON})
    get()
    assert summaries.merges == 3  # any office action, too
    assert get() and summaries.merges == 3


def test_merging_the_store_itself_sums_the_version_the_office_chose(
    client: TestClient, desk: Desk, tmp_path: Path
) -> None:
    """``govxl merge 工作目录/收件箱 --roster 名册.csv`` without collecting first: the same
    summary as the board's download, the chosen version and not the newer one."""
    upload(client, desk, "A01", workbook("A01"))
    first = upload(client, desk, "A02", workbook("A02", seed=1)).json()["uploads"][0]
    upload(client, desk, "A02", workbook("A02", seed=2, later=5), "乙街道（更正）.xlsx")
    _choose(client, desk, "A02", first["id"])
    summary = client.get("/office/download/汇总表.xlsx", headers=office(desk))
    merged = tmp_path / "汇总.xlsx"
    roster = str(desk.folder / "名册.csv")
    done = subprocess.run(
        [*GOVXL, "merge", str(desk.archive.store), "--roster", roster, "-o", str(merged)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert _cells(summary.content) == _cells(merged.read_bytes())
