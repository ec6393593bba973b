"""What the ``govxl`` program promises its caller: the exit code says how it went (0 all good,
1 findings, 2 a usage error or nothing readable), the whole output arrives through a pipe, and the
everyday commands leave heavy libraries they do not need unloaded."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govxl.cli import app
from govxl.forms import load_form
from govxl.samples import random_return
from govxl.template.writer import render

PROGRAM = """
import atexit, json, sys
mark = sys.argv[1]
atexit.register(lambda: open(mark, "w", encoding="utf-8").write(json.dumps(sorted(sys.modules))))
sys.argv = ["govxl", *sys.argv[2:]]
from govxl.cli import run
run()
"""


def govxl(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the program as a process; return it and the modules it had loaded (each by its full
    name and by its top-level package)."""
    mark = tmp_path / "modules.json"
    mark.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(mark), *args],
        capture_output=True, text=True, encoding="utf-8",
        env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    loaded = json.loads(mark.read_text(encoding="utf-8")) if mark.exists() else []
    return done, {m.split(".")[0] for m in loaded} | set(loaded)


@pytest.fixture
def district(tmp_path: Path) -> tuple[Path, Path]:
    """An inbox with one good return and one broken file, and the roster of both units."""
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    ret = random_return(load_form("gb2021"), random.Random(1), year=2025, code="U1", name="单位U1")
    (inbox / "U1.xlsx").write_bytes(render(ret))
    roster = tmp_path / "名册.csv"
    roster.write_text("单位代码,单位名称\nU1,单位U1\nU2,单位U2\n", encoding="utf-8")
    return inbox, roster


@pytest.mark.parametrize(
    "args, code",
    [(["forms", "show", "gb2021"], 0), (["forms", "show", "无此表单"], 2),
     (["collect", "无此文件夹", "--roster", "名册.csv", "-o", "结果"], 2)],
    ids=["success", "unknown-form", "missing-inbox"],
)  # fmt: skip
def test_the_exit_code_says_how_the_command_went(tmp_path, args, code):
    done, _ = govxl(tmp_path, *args)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr


def test_a_long_output_arrives_whole_through_a_pipe(tmp_path):
    """The cell list of a form is hundreds of lines: all of it reaches the pipe."""
    done, _ = govxl(tmp_path, "forms", "show", "gb2021")
    expected = CliRunner().invoke(app, ["forms", "show", "gb2021"], env={"COLUMNS": "100"}).stdout
    assert len(expected.splitlines()) > 100
    assert done.stdout == expected


def test_collect_with_a_unit_missing_exits_with_1_and_writes_its_outputs(tmp_path, district):
    inbox, roster = district
    out = tmp_path / "结果"
    done, _ = govxl(tmp_path, "collect", str(inbox), "--roster", str(roster), "-o", str(out))
    assert done.returncode == 1, done.stderr
    assert "未报送 1" in done.stdout
    assert (out / "审核结果.xlsx").is_file()


def test_collect_of_a_complete_district_exits_with_0(tmp_path, district):
    inbox, roster = district
    roster.write_text("单位代码,单位名称\nU1,单位U1\n", encoding="utf-8")
    done, _ = govxl(tmp_path, "collect", str(inbox), "--roster", str(roster), "-o",
                    str(tmp_path / "结果"))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_collect_and_merge_load_only_what_they_use(tmp_path, district):
    """Start-up is most of a small collect's time: the everyday commands leave the heavy
    libraries they do not need unloaded (openpyxl only for --feedback copies, pandas for the
    API, python-docx for reports, pydantic not at all; typer's rich help, with its Markdown
    parser, only when help or an error is shown; the web stack only for the desk)."""
    inbox, roster = district
    heavy = {"openpyxl", "pandas", "pydantic", "docx", "lxml", "numpy", "typer.rich_utils",
             "markdown_it", "starlette", "uvicorn", "jinja2", "pdfplumber"}  # fmt: skip
    for args in (["collect", str(inbox), "--roster", str(roster), "--out", str(tmp_path / "结果")],
                 ["merge", str(tmp_path / "结果"), "-o", str(tmp_path / "汇总.xlsx")]):  # fmt: skip
        done, loaded = govxl(tmp_path, *args)
        assert done.returncode in (0, 1), done.stderr
        assert loaded, "the exit handler recorded the modules"
        assert not loaded & heavy, (args[0], loaded & heavy)
