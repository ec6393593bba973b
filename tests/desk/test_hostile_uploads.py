"""The hostile inbox of the collect tests, uploaded file by file: the same findings as
``govxl collect`` over that inbox, never a 500, and the board agrees with collect over the store."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from govxl.collect import collect
from govxl.collect.scan import REPORT_SUFFIXES, WORKBOOK_SUFFIXES
from govxl.desk.app import create_app
from govxl.desk.intake import MAX_UPLOAD, Desk
from govxl.office import find_soffice
from govxl.roster import read_roster
from tests.desk.kit import collect_statuses
from tests.hostile.make_corpus import UNITS, YEAR, make_corpus

EXTRA = "900"
"""A unit of the roster whose link carries the files that belong to no unit."""
PLACED = {"duplicate-file", "superseded"}
"""Findings about a file's neighbours in its folder, not about the file: the store has others."""


@pytest.fixture(scope="module")
def uploaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, dict, Desk]]:
    root = tmp_path_factory.mktemp("desk-hostile")
    inbox = root / "收件箱"
    expect = make_corpus(inbox, find_soffice() is not None)
    roster = root / "名册.csv"
    units = {**UNITS, EXTRA: "收件测试"}
    roster.write_text(
        "单位代码,单位名称\n" + "".join(f"{c},{n}\n" for c, n in units.items()), "utf-8"
    )
    report = collect(inbox, read_roster(roster), year=YEAR, jobs=1)
    by_file = {f.relative: f for f in report.files}
    desk = Desk.open(root / "工作目录", roster=roster, form="gb2021", year=YEAR)
    answers: dict[str, object] = {}
    with TestClient(create_app(desk), raise_server_exceptions=False) as client:
        for path in sorted(inbox.rglob("*")):
            rel = str(path.relative_to(inbox))
            mode = path.lstat().st_mode
            if not stat.S_ISREG(mode):
                continue  # links, pipes, folders: nothing a browser can send
            e = expect.get(rel)
            code = e.unit if e is not None and e.unit in units else EXTRA
            r = client.post(
                f"/u/{desk.links[code]}/upload",
                files={"file": (path.name, path.read_bytes())},
                headers={"accept": "application/json"},
            )
            answers[rel] = r
    yield by_file, answers, desk
    desk.close()


def _codes(findings: list) -> list[tuple[str, str, str]]:
    out = []
    for f in findings:
        d = f if isinstance(f, dict) else f.to_dict()
        if d["code"] not in PLACED:
            out.append((d["code"], d["sheet"], d["cell"]))
    return sorted(out)


def test_no_upload_is_answered_with_a_server_error(uploaded: tuple[dict, dict, Desk]) -> None:
    _, answers, _ = uploaded
    assert answers
    assert {rel: r.status_code for rel, r in answers.items() if r.status_code >= 500} == {}


def test_every_return_gets_the_findings_collect_gives_it(uploaded: tuple[dict, dict, Desk]) -> None:
    by_file, answers, _ = uploaded
    compared = 0
    for rel, r in answers.items():
        suffix = Path(rel).suffix.lower()
        if suffix not in WORKBOOK_SUFFIXES | REPORT_SUFFIXES:
            assert r.status_code == 415 and rel not in by_file  # collect ignores it too
            continue
        if r.status_code == 413:
            assert Path(by_file[rel].path).stat().st_size > MAX_UPLOAD - 1024
            continue
        assert r.status_code == 200, (rel, r.text[:300])
        desk_findings = r.json()["uploads"][0]["findings"]
        assert _codes(desk_findings) == _codes(by_file[rel].findings), rel
        compared += 1
    assert compared >= 20


def test_the_board_agrees_with_collect_over_the_store(uploaded: tuple[dict, dict, Desk]) -> None:
    _, _, desk = uploaded
    board = {u.code: u.status.value for u in desk.judged().report.units}
    assert board == collect_statuses(desk.folder)
    ids = [u.id for u in desk.archive.uploads()]
    assert len(ids) == len(set(ids))  # each upload archived once
