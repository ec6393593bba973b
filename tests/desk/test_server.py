"""The desk as a real ``govxl serve`` process on 127.0.0.1: killed with SIGKILL in the middle of
uploads, started again, and watched through its event stream."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx2 as httpx

from govxl.desk.archive import Archive
from govxl.desk.server import is_public
from tests.desk.kit import UNITS, collect_statuses, serving, start, stop, workbook, write_roster

JSON = {"accept": "application/json"}


def test_every_acknowledged_upload_survives_a_kill(tmp_path: Path) -> None:
    folder = tmp_path / "工作目录"
    roster = write_roster(tmp_path / "名册.csv")
    served = start(folder, roster=roster)
    files = {code: [workbook(code, seed=s) for s in range(16)] for code in UNITS}
    acknowledged: list[str] = []
    lock = threading.Lock()

    def uploader(code: str) -> None:
        with httpx.Client(timeout=30) as c:
            for data in files[code]:
                try:
                    r = c.post(
                        served.unit_url(code) + "/upload",
                        files={"file": ("r.xlsx", data)},
                        headers=JSON,
                    )
                except httpx.TransportError:
                    return  # killed while this one was under way: never acknowledged
                if r.status_code == 200:
                    with lock:
                        acknowledged.append(r.json()["uploads"][0]["sha256"])

    threads = [threading.Thread(target=uploader, args=(c,)) for c in UNITS]
    for t in threads:
        t.start()
    while len(acknowledged) < 8:  # some uploads are answered, others are in flight
        time.sleep(0.01)
    stop(served, signal.SIGKILL)
    for t in threads:
        t.join()
    assert 8 <= len(acknowledged) < sum(map(len, files.values())), "the kill came too late"
    with serving(folder) as again:  # the restart finishes what the kill interrupted
        archive = Archive(folder)
        rows = archive.uploads()
        archived = [u.sha256 for u in rows]
        assert set(acknowledged) <= set(archived)
        assert len(archived) == len({u.id for u in rows})
        for u in rows:  # every recorded upload is in the store, whole
            data = (archive.store / u.stored).read_bytes()
            from govxl.desk.archive import sha256_hex

            assert sha256_hex(data) == u.sha256
        assert list(archive.staging.iterdir()) == []  # nothing half-written is left to serve
        stored = {p.name for p in archive.store.rglob("*.xlsx")}
        assert stored == {Path(u.stored).name for u in rows}
        board = httpx.get(
            again.url + "/api/units", headers={"authorization": f"Bearer {again.office}"}
        )
        statuses = {u["code"]: u["collect_status"] for u in board.json()["units"]}
        archive.close()
    assert statuses == collect_statuses(folder)


def test_the_event_stream_tells_the_board_of_a_new_upload(tmp_path: Path) -> None:
    with serving(tmp_path / "工作目录", roster=write_roster(tmp_path / "名册.csv")) as served:
        auth = {"authorization": f"Bearer {served.office}"}
        seen: list[str] = []
        with (
            httpx.Client(timeout=10) as c,
            c.stream("GET", served.url + "/office/events", headers=auth) as s,
        ):
            assert s.headers["content-type"].startswith("text/event-stream")
            lines = s.iter_lines()
            for line in lines:
                if line.startswith("data:"):
                    seen.append(line)
                    break
            httpx.post(
                served.unit_url("A01") + "/upload",
                files={"file": ("r.xlsx", workbook("A01"))},
                headers=JSON,
            )
            for line in lines:
                if line.startswith("data:"):
                    seen.append(line)
                    break
        assert len(seen) == 2 and seen[0] != seen[1]


def test_only_loopback_addresses_count_as_private() -> None:
    assert not is_public("127.0.0.1") and not is_public("localhost") and not is_public("::1")
    assert is_public("0.0.0.0") and is_public("192.168.1.10") and is_public("::")


def test_concurrent_uploads_are_each_archived_once(tmp_path: Path) -> None:
    """Rows of concurrent uploads are committed together (group commit): none lost, none twice,
    each answer carrying its own row."""
    from tests.desk.kit import open_desk

    desk = open_desk(tmp_path / "工作目录")
    versions = {code: [workbook(code, seed=s) for s in range(3)] for code in UNITS}
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def clerk(code: str) -> None:
        for k in range(6):
            o = desk.receive(code, f"{code}-{k}.xlsx", versions[code][k % 3], client="test")
            with lock:
                answers.append((o.upload.id, o.upload.original_name))

    threads = [threading.Thread(target=clerk, args=(c,)) for c in UNITS for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = {u.id: u.original_name for u in desk.archive.uploads()}
    assert sorted(answers) == sorted(rows.items()) and len(rows) == 6 * len(threads)
    assert [u.id for u in desk.uploads] == sorted(rows)
    assert {u.code: u.status.value for u in desk.judged().report.units} == collect_statuses(
        desk.folder
    )
    desk.close()
