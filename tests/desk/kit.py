"""What the desk's tests share: a small district, filled returns, a desk over a working folder,
and a real ``govxl serve`` process (for the tests that kill it or drive a browser at it)."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
from starlette.testclient import TestClient

from govxl.collect import collect
from govxl.desk.intake import Desk
from govxl.forms import load_form
from govxl.forms.returns import Return
from govxl.roster import read_roster
from govxl.samples import random_return
from govxl.template.writer import render

FORM, YEAR = "gb2021", 2025
JSON = {"accept": "application/json"}
UNITS = {"A01": "甲街道办事处", "A02": "乙街道办事处", "A03": "丙镇人民政府", "A04": "丁乡人民政府"}


def write_roster(path: Path, units: dict[str, str] = UNITS) -> Path:
    path.write_text(
        "单位代码,单位名称,上级代码\n" + "".join(f"{c},{n},Q\n" for c, n in units.items()),
        encoding="utf-8",
    )
    return path


def filled(code: str, *, seed: int = 0, values: dict[str, object] | None = None) -> Return:
    """A balanced return of ``code`` (it passes on its own), with ``values`` typed over."""
    form = load_form(FORM)
    rng = random.Random(f"{code}-{seed}")
    ret = random_return(form, rng, year=YEAR, code=code, name=UNITS[code])
    ret.values.update(values or {})  # type: ignore[arg-type]
    return ret


def workbook(
    code: str, *, seed: int = 0, values: dict[str, object] | None = None, later: int = 0
) -> bytes:
    """The return as a workbook; ``later``: saved that many minutes after now, as a clerk's
    correction is (collect tells versions apart by when they were saved)."""
    saved = datetime.now().replace(microsecond=0) + timedelta(minutes=later)
    return render(filled(code, seed=seed, values=values), generated=saved)


NOT_A_NUMBER = {"t3.r3_1.business": "无"}
""""无" typed into a count cell of table 三: an error at that cell."""


def open_desk(folder: Path, **kw: object) -> Desk:
    roster = write_roster(folder.parent / f"{folder.name}-名册.csv")
    return Desk.open(folder, roster=roster, form=FORM, year=YEAR, **kw)  # type: ignore[arg-type]


def collect_statuses(folder: Path) -> dict[str, str]:
    """What ``govxl collect 工作目录/收件箱 --year`` decides for every unit."""
    roster = read_roster(next(folder.glob("名册.*")))
    report = collect(folder / "收件箱", roster, year=YEAR, jobs=1)
    return {u.code: u.status.value for u in report.units}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    url: str
    folder: Path
    office: str
    links: dict[str, str]

    def unit_url(self, code: str) -> str:
        return self.links[code]


SERVE = [sys.executable, "-c", "from govxl.cli import run; run()", "serve"]


def start(folder: Path, *extra: str, roster: Path | None = None) -> Served:
    """``govxl serve`` as a clerk runs it, on 127.0.0.1 and a free port; waits until it answers."""
    port = free_port()
    args = [*SERVE, str(folder), "--port", str(port)]
    if roster is not None:
        args += ["--roster", str(roster), "--form", FORM, "--year", str(YEAR)]
    proc = subprocess.Popen(
        [*args, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            err = proc.stderr.read().decode() if proc.stderr else ""
            proc.kill()
            raise RuntimeError(f"govxl serve did not start: {err}")
        time.sleep(0.1)
    found = json.loads(
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from govxl.cli import run; run()",
                "links",
                str(folder),
                "--json",
            ],
            capture_output=True,
            check=True,
        ).stdout
    )
    office = found["office"]["url"].rsplit("/", 1)[1]
    return Served(proc, url, folder, office, {u["code"]: u["url"] for u in found["units"]})


def stop(served: Served, sig: int = signal.SIGTERM) -> None:
    if served.proc.poll() is None:
        os.killpg(served.proc.pid, sig)
    served.proc.wait(timeout=30)
    if served.proc.stderr is not None:
        served.proc.stderr.close()


@contextmanager
def serving(folder: Path, *extra: str, roster: Path | None = None) -> Iterator[Served]:
    served = start(folder, *extra, roster=roster)
    try:
        yield served
    finally:
        stop(served)


# ---------------------------------------------------------------- through Starlette's test client
def link(desk: Desk, code: str) -> str:
    return f"/u/{desk.links[code]}"


def office(desk: Desk) -> dict[str, str]:
    """The office's credential as a script sends it."""
    return {"authorization": f"Bearer {desk.office_token}"}


def upload(client: TestClient, desk: Desk, code: str, data: bytes, name: str = "报表.xlsx") -> Any:
    """One file through the unit's link, answered as JSON."""
    return client.post(link(desk, code) + "/upload", files={"file": (name, data)}, headers=JSON)


def store_files(desk: Desk) -> list[Path]:
    return sorted(p for p in desk.archive.store.rglob("*") if p.is_file())
