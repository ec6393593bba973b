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
