"""Screenshots of the desk's two pages, as chromium draws them: docs/desk-unit.png and
docs/desk-office.png (the sample district of ``govxl demo --serve``).

    .venv/bin/python docs/make_desk_pngs.py

Runs ``govxl serve`` on 127.0.0.1 and drives Debian's chromium through Playwright.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from playwright.sync_api import sync_playwright

from govxl.desk.sample import seed

DOCS = Path(__file__).resolve().parent
GOVXL = [sys.executable, "-c", "from govxl.cli import run; run()"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "收件台"
        seed(folder).close()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen(
            [*GOVXL, "serve", str(folder), "--port", str(port)], start_new_session=True
        )
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    httpx.get(url, timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            links = json.loads(subprocess.check_output([*GOVXL, "links", str(folder), "--json"]))
            shoot(links)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()


def shoot(links: dict) -> None:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--lang=zh-CN"]
        )
        page = b.new_page(viewport={"width": 1360, "height": 900}, device_scale_factor=1)
        page.goto(links["office"]["url"])
        page.screenshot(path=DOCS / "desk-office.png", full_page=True)
        unit = next(u for u in links["units"] if u["code"] == "LY002")
        page.goto(unit["url"])
        height = page.evaluate("document.querySelector('#table-t4').getBoundingClientRect().top")
        page.screenshot(
            path=DOCS / "desk-unit.png",
            full_page=True,
            clip={"x": 0, "y": 0, "width": 1360, "height": height},
        )
        b.close()


if __name__ == "__main__":
    main()
