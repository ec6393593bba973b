"""The installed ``govxl`` program ends without Python's teardown (``govxl.cli.run``): these
check that nothing a user relies on is lost on the way out — the whole of the output, the exit
code, and the exit handlers of the libraries underneath."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govxl.cli import app

PROGRAM = """
import atexit, sys
mark = sys.argv[1]
atexit.register(lambda: open(mark, "w", encoding="utf-8").write("ran"))
sys.argv = ["govxl", *sys.argv[2:]]
from govxl.cli import run
run()
"""


def govxl(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], bool]:
    mark = tmp_path / "exit-handler-ran"
    done = subprocess.run([sys.executable, "-c", PROGRAM, str(mark), *args],
                          capture_output=True, text=True, encoding="utf-8",
                          env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"})
    return done, mark.exists()


@pytest.mark.parametrize(
    "args, code",
    [(["forms", "show", "gb2021"], 0), (["forms", "show", "无此表单"], 2),
     (["collect", "无此文件夹"], 2)],
    ids=["success", "usage-error", "missing-inbox"],
)
def test_the_program_keeps_its_exit_code_and_runs_exit_handlers(tmp_path, args, code):
    done, handler_ran = govxl(tmp_path, *args)
    assert done.returncode == code, done.stderr
    assert handler_ran
    assert "Traceback" not in done.stderr


def test_a_long_output_arrives_whole_through_a_pipe(tmp_path):
    """The cell list of a form is hundreds of lines: buffered output is flushed before the end."""
    done, _ = govxl(tmp_path, "forms", "show", "gb2021")
    expected = CliRunner().invoke(app, ["forms", "show", "gb2021"], env={"COLUMNS": "100"}).stdout
    assert len(expected.splitlines()) > 100
    assert done.stdout == expected


def test_a_command_that_finds_problems_exits_with_1(tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    done, handler_ran = govxl(tmp_path, "collect", str(inbox), "--out", str(tmp_path / "结果"))
    assert done.returncode in (1, 2), done.stderr
    assert handler_ran
    assert (tmp_path / "结果" / "审核结果.xlsx").is_file() or done.returncode == 2


LOADED = """
import atexit, json, sys
mark = sys.argv[1]
atexit.register(lambda: open(mark, "w", encoding="utf-8").write(json.dumps(sorted(sys.modules))))
sys.argv = ["govxl", *sys.argv[2:]]
from govxl.cli import run
run()
"""


def test_collect_and_merge_load_only_what_they_use(tmp_path):
    """Start-up is most of a small collect's time: the everyday commands leave the heavy
    libraries they do not need unloaded (openpyxl only for --feedback copies, pandas for the
    API, pydantic not at all: see the typer cap in pyproject.toml)."""
    import json

    from govxl.samples import random_return
    from govxl.spec import load_form
    from govxl.template.writer import render

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    ret = random_return(load_form("gb2021"), __import__("random").Random(1), year=2025,
                        code="U1", name="单位U1")
    (inbox / "U1.xlsx").write_bytes(render(ret))
    roster = tmp_path / "名册.csv"
    roster.write_text("单位代码,单位名称\nU1,单位U1\n", encoding="utf-8")
    heavy = {"openpyxl", "pandas", "pydantic", "docx", "lxml", "numpy"}
    for args in (["collect", str(inbox), "--roster", str(roster), "--out", str(tmp_path / "结果")],
                 ["merge", str(tmp_path / "结果"), "-o", str(tmp_path / "汇总.xlsx")]):
        mark = tmp_path / "modules.json"
        done = subprocess.run([sys.executable, "-c", LOADED, str(mark), *args],
                              capture_output=True, text=True, encoding="utf-8")
        assert done.returncode in (0, 1), done.stderr
        loaded = {m.split(".")[0] for m in json.loads(mark.read_text(encoding="utf-8"))}
        assert not loaded & heavy, (args[0], loaded & heavy)
