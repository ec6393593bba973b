"""Benchmark of the intake desk: ``govxl serve`` on 127.0.0.1 under 50 concurrent uploaders.

    .venv/bin/python bench/serve.py [--uploaders 50] [--uploads 500] [--board-units 1000] [--pin]
                                    [--jobs N] [--client raw|httpx]

1. 500 uploads from 50 concurrent uploaders (10 each, one unit each; one return in five has an
   error, each unit sends three versions), in two runs: *paced* (a clerk looks at the verdict
   for 0.5–2 s before the next upload) and *burst* (the next upload at once: the worst case).
   Upload-to-verdict is the time from sending the request to reading the JSON verdict; it is
   also given apart for the uploads of new bytes (read, synced, moved into the store) and of
   bytes the store already held (the same version sent again), and the uploaders' own CPU.
   Afterwards: every upload archived exactly once, and the statuses equal ``govxl collect`` over
   the store.
2. The board of 1,000 units (each with a return): ``GET /office`` and ``GET /api/units``,
   median and worst of 7.
3. The server's peak RSS (VmHWM) after each part, and with its children's peaks added (the
   reading workers of ``govxl serve``'s pool, multiprocessing's resource tracker). The server
   CPU counts the server and its children.

Every loop is bounded in count and time, and only 127.0.0.1 is contacted. Results go to stdout
(and ``--json``); bench/RESULTS.md keeps the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx2 as httpx

from govxl.collect import collect
from govxl.forms import load_form
from govxl.roster import read_roster
from govxl.samples import random_return
from govxl.template.personalise import CODE_TOKEN, NAME_TOKEN, personalise
from govxl.template.writer import render

YEAR = 2025
LIMIT_S = 600.0
"""No run of the benchmark goes on longer than this."""


def roster(path: Path, n: int) -> Path:
    lines = ["单位代码,单位名称"] + [f"U{i:04d},测试单位{i:04d}" for i in range(1, n + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _return(args: tuple[str, int]) -> bytes:
    code, version = args
    form = load_form("gb2021")
    rng = random.Random(f"{code}-{version}")
    ret = random_return(form, rng, year=YEAR, code=code, name=f"测试单位{code[1:]}")
    if rng.random() < 0.2:
        ret.values["t3.r3_1.business"] = "无"
    return render(ret)


def returns(n_units: int, versions: int) -> dict[str, list[bytes]]:
    jobs = [(f"U{i:04d}", v) for i in range(1, n_units + 1) for v in range(versions)]
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        made = list(pool.map(_return, jobs, chunksize=8))
    out: dict[str, list[bytes]] = {}
    for (code, _), data in zip(jobs, made, strict=True):
        out.setdefault(code, []).append(data)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


GOVXL = [sys.executable, "-c", "from govxl.cli import run; run()"]


PIN = False
"""``--pin``: the server on the first core, the uploaders on the second (each a core of its own,
as far as other processes on the machine leave them)."""
SERVER_CPUS, CLIENT_CPUS = {0}, {1}
JOBS: int | None = None
"""``--jobs``: passed to ``govxl serve`` (its reading processes); None for its default."""
HTTPX = False
"""``--client httpx``: the uploaders send through httpx (as before 2026-12-06's fourth pass)."""


class Server:
    def __init__(self, folder: Path, roster_path: Path | None) -> None:
        self.port = free_port()
        args = [*GOVXL, "serve", str(folder), "--port", str(self.port)]
        if JOBS is not None:
            args += ["--jobs", str(JOBS)]
        if roster_path is not None:
            args += ["--roster", str(roster_path), "--form", "gb2021", "--year", str(YEAR)]
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=(lambda: os.sched_setaffinity(0, SERVER_CPUS)) if PIN else None,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("govxl serve did not start")
        found = json.loads(subprocess.check_output([*GOVXL, "links", str(folder), "--json"]))
        self.office = found["office"]["url"].rsplit("/", 1)[1]
        self.links = {u["code"]: u["url"] for u in found["units"]}

    def family(self) -> list[int]:
        """The server and every process under it (its reading workers, multiprocessing's
        resource tracker), alive now."""
        pids, i = [self.proc.pid], 0
        while i < len(pids):
            try:
                kids = Path(f"/proc/{pids[i]}/task/{pids[i]}/children").read_text().split()
            except OSError:
                kids = []
            pids += [int(k) for k in kids]
            i += 1
        return pids

    def peak_rss_mb(self) -> tuple[float, float]:
        """The server's peak RSS (VmHWM), and the sum of its own and its children's peaks: an
        upper bound of the whole desk's peak (the processes need not peak together)."""
        peaks = [_status_kb(pid, "VmHWM:") / 1024 for pid in self.family()]
        return peaks[0], sum(peaks)

    def cpu_s(self) -> float:
        """CPU seconds the server and its living children have used (user + system)."""
        total = 0
        for pid in self.family():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue  # gone between the listing and now
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


BOUNDARY = "govxl-bench-5f0c2a"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def request_bytes(url: str, name: str, data: bytes) -> bytes:
    """One upload as a browser sends it: ``POST …/upload``, multipart field ``file``, asking for
    JSON; encoded before any clock starts, as a browser has the file in hand."""
    u = urlsplit(url)
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {XLSX}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    head = (
        f"POST {u.path} HTTP/1.1\r\nHost: {u.netloc}\r\nAccept: application/json\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of one HTTP/1.1 answer (the desk always sends Content-Length)."""
    line = await reader.readline()
    if not line:
        raise RuntimeError("the desk closed the connection without answering")
    status = int(line.split()[1])
    length = None
    while (line := await reader.readline()) not in (b"\r\n", b""):
        key, _, value = line.partition(b":")
        if key.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError("answer without Content-Length")
    return status, await reader.readexactly(length)


async def uploaders(
    server: Server, files: dict[str, list[bytes]], per: int, think: tuple[float, float]
) -> tuple[list[float], list[dict], list[float], list[float]]:
    """Latencies and answers of every upload; the latencies again, split: the uploads whose
    bytes the store did not hold yet (each unit's first pass over its versions: read, synced,
    moved in) and those it did (the same bytes again: judged, recorded, not read).

    Each uploader keeps one connection, as a browser does. The requests are written as bytes
    and the answers read off the socket (status, Content-Length, JSON): the uploaders run on the
    same two cores as the desk, and a client library's own work per request (httpx: about
    1.7 ms, a third of what the desk spends on a new file) would be charged to the desk's
    latency; a clerk's browser runs on another computer. ``--client httpx`` measures with it."""
    latencies: list[float] = []
    new: list[float] = []
    known: list[float] = []
    answers: list[dict] = []
    limits = httpx.Limits(max_connections=len(files) + 5)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def one(code: str, rng: random.Random) -> None:
            versions = files[code]
            url = server.links[code] + "/upload"
            names = [f"{code}-第{k + 1}次.xlsx" for k in range(per)]
            sends = [request_bytes(url, names[k], versions[k % len(versions)]) for k in range(per)]
            if think[1]:  # clerks start when they are ready, not all in the same millisecond
                await asyncio.sleep(rng.uniform(0, think[1]))
            u = urlsplit(url)
            conn = None if HTTPX else await asyncio.open_connection(u.hostname, u.port)
            for k in range(per):
                start = time.perf_counter()
                if conn is None:
                    r = await client.post(
                        url,
                        files={"file": (names[k], versions[k % len(versions)])},
                        headers={"accept": "application/json"},
                    )
                    status, body = r.status_code, r.json()
                else:
                    conn[1].write(sends[k])
                    status, raw = await answer(conn[0])
                    body = json.loads(raw)
                latencies.append(time.perf_counter() - start)
                (new if k < len(versions) else known).append(latencies[-1])
                if status != 200:
                    raise RuntimeError(f"{code}: {status} {body}")
                answers.append(body)
                if think[1]:
                    await asyncio.sleep(rng.uniform(*think))
            if conn is not None:
                conn[1].close()
                await conn[1].wait_closed()

        tasks = [one(code, random.Random(code)) for code in files]
        await asyncio.wait_for(asyncio.gather(*tasks), LIMIT_S)
    return latencies, answers, new, known


def _status_kb(pid: int, key: str) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    return next((float(x.split()[1]) for x in lines if x.startswith(key)), 0.0)


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1]


def upload_run(root: Path, name: str, n: int, total: int, think: tuple[float, float]) -> dict:
    folder = root / name
    rpath = roster(root / f"{name}-名册.csv", n)
    files = returns(n, 3)
    server = Server(folder, rpath)
    try:
        t0, cpu0, own0 = time.perf_counter(), server.cpu_s(), time.process_time()
        lat, answers, new, known = asyncio.run(uploaders(server, files, total // n, think))
        wall, cpu = time.perf_counter() - t0, server.cpu_s() - cpu0
        clients = time.process_time() - own0  # the uploaders' CPU, on the same cores
        api = httpx.get(
            server.url + "/api/units", headers={"authorization": f"Bearer {server.office}"}
        ).json()
        rss, rss_all = server.peak_rss_mb()
        processes = len(server.family())
    finally:
        server.stop()
    import sqlite3

    db = sqlite3.connect(folder / "desk.db")
    ids = [r[0] for r in db.execute("SELECT id FROM uploads")]
    db.close()
    acked = sorted(a["uploads"][0]["id"] for a in answers)
    report = collect(folder / "收件箱", read_roster(rpath), year=YEAR)
    collected = {u.code: u.status.value for u in report.units}
    desk = {u["code"]: u["collect_status"] for u in api["units"]}
    return {
        "run": name,
        "uploads": len(lat),
        "wall_s": round(wall, 2),
        "server_cpu_ms_per_upload": round(cpu / len(lat) * 1000, 1),
        "clients_cpu_ms_per_upload": round(clients / len(lat) * 1000, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 1),
        "p95_ms": round(p95(lat) * 1000, 1),
        "max_ms": round(max(lat) * 1000, 1),
        "new_bytes p50/p95_ms": [round(statistics.median(new) * 1000), round(p95(new) * 1000)],
        "stored_bytes p50/p95_ms": [
            round(statistics.median(known) * 1000),
            round(p95(known) * 1000),
        ],
        "archived_once": ids == acked and len(ids) == len(set(ids)) == total,
        "equals_collect": desk == collected,
        "peak_rss_mb": round(rss, 1),
        "with_children_peak_rss_mb": round(rss_all, 1),
        "processes": processes,
    }


def board_run(root: Path, n: int) -> dict:
    """1,000 units, each with its return (personalised from one rendered return: quick); then
    one unit after another uploads into that store, a new version and the same bytes again,
    one at a time: what an upload costs once the district is large."""
    from govxl.desk.intake import Desk

    folder = root / "board"
    rpath = roster(root / "board-名册.csv", n)
    form = load_form("gb2021")
    base = render(
        random_return(form, random.Random(1), year=YEAR, code=CODE_TOKEN, name=NAME_TOKEN)
    )
    desk = Desk.open(folder, roster=rpath, form="gb2021", year=YEAR)
    for u in desk.settings.roster.units:
        desk.receive(u.code, "报表.xlsx", personalise(base, u.code, u.name), client="bench")
    units = desk.settings.roster.units[:: max(1, n // 20)][:20]
    desk.close()
    later = render(
        random_return(form, random.Random(2), year=YEAR, code=CODE_TOKEN, name=NAME_TOKEN)
    )
    sends = [personalise(later, u.code, u.name) for u in units]
    server = Server(folder, None)
    times: dict[str, list[float]] = {"/office": [], "/api/units": [], "/office/rows": []}
    into: dict[str, list[float]] = {"new version": [], "same bytes again": []}
    try:
        with httpx.Client(timeout=60) as c:
            c.get(f"{server.url}/o/{server.office}")
            for _ in range(7):
                for path in times:
                    t = time.perf_counter()
                    r = c.get(server.url + path)
                    times[path].append(time.perf_counter() - t)
                    assert r.status_code == 200 and f"U{n:04d}" in r.text, path
            for kind in into:
                for u, data in zip(units, sends, strict=True):
                    t = time.perf_counter()
                    r = c.post(
                        server.links[u.code] + "/upload",
                        files={"file": ("报表（修改）.xlsx", data)},
                        headers={"accept": "application/json"},
                    )
                    into[kind].append(time.perf_counter() - t)
                    assert r.status_code == 200, r.text
        rss, rss_all = server.peak_rss_mb()
    finally:
        server.stop()
    out: dict = {
        "run": f"board of {n} units",
        "peak_rss_mb": round(rss, 1),
        "with_children_peak_rss_mb": round(rss_all, 1),
    }
    for path, xs in times.items():
        out[f"{path} median_ms"] = round(statistics.median(xs) * 1000, 1)
        out[f"{path} max_ms"] = round(max(xs) * 1000, 1)
    for kind, xs in into.items():
        out[f"upload, {kind}, median_ms"] = round(statistics.median(xs) * 1000, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--uploaders", type=int, default=50)
    ap.add_argument("--uploads", type=int, default=500)
    ap.add_argument("--board-units", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--pin", action="store_true", help="server on core 0, uploaders on core 1")
    ap.add_argument("--jobs", type=int, help="govxl serve --jobs (default: its own)")
    ap.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="how the uploaders send: bytes on a socket (default) or httpx",
    )
    a = ap.parse_args()
    global JOBS, PIN, HTTPX
    JOBS, HTTPX = a.jobs, a.client == "httpx"
    if a.pin:
        PIN = True
        os.sched_setaffinity(0, CLIENT_CPUS)  # the returns are made there too, before any clock
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results.append(upload_run(root, "paced", a.uploaders, a.uploads, (0.5, 2.0)))
        results.append(upload_run(root, "burst", a.uploaders, a.uploads, (0.0, 0.0)))
        results.append(board_run(root, a.board_units))
    print(json.dumps(results, ensure_ascii=False, indent=None if a.json else 2))


if __name__ == "__main__":
    main()
