"""``govxl links`` and ``govxl serve`` as an office clerk types them."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import openpyxl

from govxl.desk.intake import Desk
from tests.desk.kit import FORM, UNITS, YEAR, free_port, open_desk, write_roster

GOVXL = [sys.executable, "-c", "from govxl.cli import run; run()"]


def govxl(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GOVXL, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_links_give_one_private_link_per_unit_and_the_offices(tmp_path: Path) -> None:
    desk = open_desk(tmp_path / "工作目录")
    desk.close()
    done = govxl(
        "links", tmp_path / "工作目录", "--json", "--base-url", "https://gk.example.gov.cn/"
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["office"]["url"] == f"https://gk.example.gov.cn/o/{desk.office_token}"
    assert [(u["code"], u["name"]) for u in body["units"]] == list(UNITS.items())
    tokens = [u["url"].rsplit("/u/", 1)[1] for u in body["units"]]
    assert len(set(tokens)) == len(tokens) and all(len(t) >= 32 for t in tokens)
    assert desk.office_token not in "".join(tokens)


def test_links_are_saved_for_a_mail_merge(tmp_path: Path) -> None:
    open_desk(tmp_path / "工作目录").close()
    for name in ("链接.csv", "链接.xlsx"):
        done = govxl("links", tmp_path / "工作目录", "-o", tmp_path / name)
        assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO((tmp_path / "链接.csv").read_text("utf-8-sig"))))
    assert rows[0] == ["单位代码", "单位名称", "专用链接"] and len(rows) == 1 + len(UNITS)
    wb = openpyxl.load_workbook(tmp_path / "链接.xlsx")
    assert wb.sheetnames == ["单位链接", "办公室链接"]
    assert [c.value for c in wb["单位链接"]["A"]][1:] == list(UNITS)
    assert govxl("links", tmp_path / "工作目录", "-o", tmp_path / "链接.pdf").returncode == 2


def test_links_of_a_folder_that_is_no_desk_say_so(tmp_path: Path) -> None:
    done = govxl("links", tmp_path)
    assert done.returncode == 2 and "不是收件台工作目录" in done.stderr


def test_the_first_start_needs_a_roster(tmp_path: Path) -> None:
    port = free_port()  # not 8765: another desk may be serving on this machine
    done = govxl("serve", tmp_path / "新目录", "--port", port)
    assert done.returncode == 2 and "--roster" in done.stderr
    done = govxl("serve", tmp_path / "新目录", "--roster", tmp_path / "无.csv")
    assert done.returncode == 2 and "找不到名册" in done.stderr
    done = govxl("serve", tmp_path / "x", "--roster", tmp_path / "无.csv", "--deadline", "1月20日")
    assert done.returncode == 2 and "截止日期" in done.stderr


def test_everyday_commands_do_not_load_the_web_stack() -> None:
    code = "import sys, govxl.cli; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = set(
        json.loads(subprocess.check_output([sys.executable, "-c", code]).replace(b"'", b'"'))
    )
    assert not loaded & {"starlette", "uvicorn", "jinja2", "multipart", "python_multipart"}


def test_serving_other_machines_warns_that_https_belongs_in_front(tmp_path: Path) -> None:
    """``--host 0.0.0.0`` as a clerk types it. The port is taken on 127.0.0.1 first, so the desk
    says so and stops without ever listening beyond this machine (tests bind 127.0.0.1 only)."""
    folder = tmp_path / "工作目录"
    open_desk(folder).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = govxl("serve", folder, "--host", "0.0.0.0", "--port", port)
    assert "0.0.0.0" in done.stderr and "HTTPS" in done.stderr and "docs/deploy.md" in done.stderr
    assert done.returncode == 2 and f"端口 {port} 已被其他程序占用" in done.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = govxl("serve", folder, "--port", taken.getsockname()[1])
    assert done.returncode == 2 and "HTTPS" not in done.stderr  # this machine only: no warning


def test_links_for_this_computer_only_say_so_and_print_every_address_whole(
    tmp_path: Path,
) -> None:
    """The desk was started on 127.0.0.1: the clerk must learn before mailing the links that no
    other computer opens them, and copy each address whole from a narrow console."""
    open_desk(tmp_path / "工作目录").close()
    done = subprocess.run(
        [*GOVXL, "links", str(tmp_path / "工作目录")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "60"},
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(govxl("links", tmp_path / "工作目录", "--json").stdout)
    lines = [line.strip() for line in done.stdout.splitlines()]
    for unit in body["units"]:
        assert unit["url"] in lines and f"{unit['code']} {unit['name']}" in lines
    assert body["office"]["url"] in lines
    said = " ".join(done.stderr.split())
    assert "只能在运行收件台的这台电脑上打开" in said
    assert "--host" in said and "docs/deploy.md" in said and "--base-url" in said
    public = govxl("links", tmp_path / "工作目录", "--base-url", "https://gk.example.gov.cn")
    assert public.returncode == 0 and "这台电脑" not in public.stderr


def test_links_saved_for_a_mail_merge_are_clickable_and_names_stay_text(tmp_path: Path) -> None:
    units = {"A01": '=HYPERLINK("http://evil.example")', "A02": "+1-1"}
    roster = write_roster(tmp_path / "名册.csv", units)
    Desk.open(tmp_path / "工作目录", roster=roster, form=FORM, year=YEAR).close()
    done = govxl("links", tmp_path / "工作目录", "-o", tmp_path / "链接.xlsx")
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(tmp_path / "链接.xlsx")
    rows = list(wb["单位链接"].iter_rows(min_row=2))
    assert [(r[0].value, r[1].value) for r in rows] == list(units.items())
    for _, name, url in rows:
        assert name.data_type == "s"  # a unit's name is never a formula
        assert url.hyperlink is not None and url.hyperlink.target == url.value
        assert str(url.value).startswith("http://127.0.0.1:8765/u/")
    (office,) = wb["办公室链接"].iter_rows(min_row=2)
    assert office[1].hyperlink.target == office[1].value and "/o/" in office[1].value
