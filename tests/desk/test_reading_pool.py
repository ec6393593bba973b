"""``govxl serve`` reads new uploads in worker processes: real processes, started with spawn.

What a worker reads is what the desk's own process reads (collect's reader), for every kind of
file the desk takes; a worker that dies loses no upload; the workers stop with the desk, and
Ctrl-C stops ``govxl serve`` and its workers together.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import openpyxl
import pytest
from starlette.testclient import TestClient

from govxl.check.result import ReadResult
from govxl.collect.scan import Entry, scan
from govxl.collect.status import Status
from govxl.desk.app import create_app
from govxl.desk.reading import ATTEMPTS, Readers, read_one
from govxl.report.render import render_report
from tests.desk.kit import (
    JSON,
    NOT_A_NUMBER,
    UNITS,
    collect_statuses,
    filled,
    open_desk,
    serving,
    upload,
    workbook,
    write_roster,
)
from tests.hostile.make_corpus import make_corpus

SAMPLE_REPORT = Path(__file__).resolve().parents[2] / "govxl/samples/zhengyang-2020/report.txt"


@pytest.fixture(scope="module")
def readers() -> Iterator[Readers]:
    r = Readers(2)
    yield r
    r.close()


def resaved(data: bytes) -> bytes:
    """The workbook opened and saved again by openpyxl, as a script in an office would."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone(pids: list[int], within: float = 10.0) -> bool:
    """Whether every one of them has ended (multiprocessing's resource tracker ends a moment
    after the server, when it reads the end of its pipe)."""
    deadline = time.monotonic() + within
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


RETURNS = {
    "报表.xlsx": lambda: workbook("A01"),
    "有错的报表.xlsx": lambda: workbook("A02", values=NOT_A_NUMBER),
    "另存过的报表.xlsx": lambda: resaved(workbook("A03", seed=1)),
    "年度报告.docx": lambda: render_report(filled("A04"), "docx"),
    "年度报告.txt": lambda: SAMPLE_REPORT.read_bytes(),
}


@pytest.mark.parametrize("name", RETURNS)
def test_a_worker_reads_a_return_as_the_desks_own_process_does(
    readers: Readers, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(RETURNS[name]())
    kind = "workbook" if path.suffix == ".xlsx" else "report"
    entry = Entry(path, name, kind=kind, label=f"单位上传的{name}")
    here = read_one(entry)
    assert here.ret is not None  # a return was read, not only a refusal compared
    assert readers.read(entry) == here


def test_a_worker_reads_every_file_of_the_hostile_inbox_as_collect_does(
    readers: Readers, tmp_path: Path
) -> None:
    inbox = tmp_path / "收件箱"
    make_corpus(inbox, soffice=False)
    entries, _ = scan(inbox, reports=True)
    assert len(entries) >= 30
    unreadable = 0
    for entry in entries:
        here = read_one(entry)
        unreadable += here.ret is None
        assert readers.read(entry) == here, entry.relative
    assert unreadable > 10  # the broken files were compared too, not only the good ones


def test_uploads_read_by_workers_get_the_verdicts_collect_gives(tmp_path: Path) -> None:
    pooled = open_desk(tmp_path / "工作目录", readers=2)
    here = open_desk(tmp_path / "对照", readers=1)
    try:
        assert len(pooled.readers.pids) == 2 and here.readers.pids == []
        sent = [
            ("A01", "报表.xlsx", workbook("A01")),
            ("A02", "报表.xlsx", workbook("A02", values=NOT_A_NUMBER)),
            ("A03", "报表.xlsx", resaved(workbook("A03"))),
            ("A03", "报表（修改）.xlsx", workbook("A03", seed=2, later=5)),
        ]
        for code, name, data in sent:
            a = pooled.receive(code, name, data, client="test")
            b = here.receive(code, name, data, client="test")
            assert (a.upload.verdict, a.upload.findings) == (b.upload.verdict, b.upload.findings)
        statuses = {u.code: u.status.value for u in pooled.judged().report.units}
        assert statuses == collect_statuses(pooled.folder)
        assert statuses["A02"] != statuses["A01"]
    finally:
        pooled.close()
        here.close()


def test_a_worker_killed_between_uploads_loses_nothing(tmp_path: Path) -> None:
    desk = open_desk(tmp_path / "工作目录", readers=2)
    try:
        before = list(desk.readers.pids)
        os.kill(before[0], signal.SIGKILL)
        with TestClient(create_app(desk), raise_server_exceptions=False) as client:
            r = upload(client, desk, "A01", workbook("A01"))
        assert r.status_code == 200, r.text
        assert r.json()["uploads"][0]["verdict"] == collect_statuses(desk.folder)["A01"]
        assert len(desk.readers.pids) == 2 and not set(desk.readers.pids) & set(before)
        assert not any(alive(p) for p in before)  # the broken pool's survivor was stopped too
    finally:
        desk.close()


def test_workers_killed_while_uploads_are_being_read_lose_none_of_them(tmp_path: Path) -> None:
    desk = open_desk(tmp_path / "工作目录", readers=2)
    versions = {code: [workbook(code, seed=s) for s in range(3)] for code in UNITS}
    answers: list[str] = []
    failures: list[BaseException] = []

    def clerk(code: str) -> None:
        try:
            for k, data in enumerate(versions[code]):
                answers.append(desk.receive(code, f"{k}.xlsx", data, client="t").upload.verdict)
        except BaseException as e:  # pragma: no cover - what the test asserts never happens
            failures.append(e)

    try:
        first = list(desk.readers.pids)
        threads = [threading.Thread(target=clerk, args=(code,)) for code in UNITS]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while not answers and time.monotonic() < deadline:  # the others are being read now
            time.sleep(0.001)
        for pid in first:
            os.kill(pid, signal.SIGKILL)
        for t in threads:
            t.join(timeout=120)
        assert failures == [] and len(answers) == 3 * len(UNITS)
        assert len(desk.archive.uploads()) == 3 * len(UNITS)
        assert {u.code: u.status.value for u in desk.judged().report.units} == collect_statuses(
            desk.folder
        )
        assert not set(desk.readers.pids) & set(first)
    finally:
        desk.close()


def slow(data: bytes, rows: int = 60_000) -> bytes:
    """The workbook with many rows of notes below table 一: a return still, read for a second
    or two, long enough for a worker to be killed while it reads it."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    extra = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>备注{r}</t></is></c></row>'
        for r in range(1000, 1000 + rows)
    ).encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                part = part.replace(b"</sheetData>", extra + b"</sheetData>")
            z.writestr(info, part)
    return out.getvalue()


def test_a_file_the_reader_dies_on_every_time_is_kept_and_answered_unreadable(
    tmp_path: Path,
) -> None:
    """Every worker reading it is killed (as the system would kill one using too much memory):
    after three pools the upload is stored, recorded and answered, and the desk reads on."""
    desk = open_desk(tmp_path / "工作目录", readers=2)
    data = slow(workbook("A01"))
    assert read_one_bytes(tmp_path, data).ret is not None  # a return, when nobody kills it
    done = threading.Event()
    killed: list[int] = []

    def killer() -> None:
        while not done.is_set():
            pids = list(desk.readers.pids)
            if pids and not set(pids) & set(killed):
                time.sleep(0.3)  # the file is being read now (it takes over a second)
                if done.is_set():
                    return
                for pid in pids:
                    os.kill(pid, signal.SIGKILL)
                killed.extend(pids)
            time.sleep(0.01)

    thread = threading.Thread(target=killer)
    try:
        thread.start()
        o = desk.receive("A01", "大文件.xlsx", data, client="test")
        done.set()
        thread.join()
        assert len(killed) >= 2 * ATTEMPTS
        assert o.upload.verdict == Status.UNREADABLE.value
        assert "大文件.xlsx" in o.upload.findings and "reader-died" in o.upload.findings
        assert len(desk.archive.uploads()) == 1 and o.upload.stored in desk.files
        assert desk.files[o.upload.stored].res.sha256 == o.upload.sha256
        assert (desk.archive.store / o.upload.stored).read_bytes() == data
        later = desk.receive("A02", "报表.xlsx", workbook("A02"), client="test")
        assert later.upload.verdict == collect_statuses(desk.folder)["A02"]
    finally:
        done.set()
        thread.join()
        desk.close()


def read_one_bytes(folder: Path, data: bytes) -> ReadResult:
    path = folder / "读一次.xlsx"
    path.write_bytes(data)
    return read_one(Entry(path, path.name))


def test_closing_the_desk_stops_its_workers(tmp_path: Path) -> None:
    desk = open_desk(tmp_path / "工作目录", readers=2)
    desk.receive("A01", "报表.xlsx", workbook("A01"), client="test")
    pids = list(desk.readers.pids)
    assert len(pids) == 2 and all(alive(p) for p in pids)
    assert set(pids) <= set(children(os.getpid()))
    desk.close()
    assert not any(alive(p) for p in pids)
    assert not set(pids) & set(children(os.getpid()))


STOPS = {
    "Ctrl-C": (signal.SIGINT, True, 0),
    "SIGTERM to all (systemd, a service manager)": (signal.SIGTERM, True, 128 + signal.SIGTERM),
    "SIGTERM to the server": (signal.SIGTERM, False, 128 + signal.SIGTERM),
    "the server killed": (signal.SIGKILL, False, -signal.SIGKILL),
}


@pytest.mark.parametrize("jobs", [(), ("--jobs", "1")], ids=["pool", "in-process"])
@pytest.mark.parametrize("how", STOPS)
def test_govxl_serve_stops_with_no_process_left(
    tmp_path: Path, jobs: tuple[str, ...], how: str
) -> None:
    """Ctrl-C in the clerk's window reaches every process of the foreground group; a service
    manager sends SIGTERM; a server killed outright leaves no worker behind either."""
    sig, group, code = STOPS[how]
    roster = write_roster(tmp_path / "名册.csv")
    with serving(tmp_path / "工作目录", *jobs, roster=roster) as served:
        spawned = [
            p
            for p in children(served.proc.pid)
            if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()
        ]
        assert len(spawned) == (2 if not jobs and (os.cpu_count() or 1) > 1 else 0)
        r = httpx.post(
            served.unit_url("A01") + "/upload",
            files={"file": ("报表.xlsx", workbook("A01"))},
            headers=JSON,
            timeout=60,
        )
        assert r.status_code == 200 and r.json()["uploads"][0]["verdict"]
        everyone = [served.proc.pid, *children(served.proc.pid)]
        (os.killpg if group else os.kill)(served.proc.pid, sig)
        assert served.proc.wait(timeout=30) == code
        assert gone(everyone)
        err = served.proc.stderr.read().decode() if served.proc.stderr else ""
        assert "Traceback" not in err
        if sig != signal.SIGKILL:  # else multiprocessing's tracker cleans up, and says so
            assert "leaked" not in err
