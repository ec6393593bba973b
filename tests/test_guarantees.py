"""What govxl promises whatever the sources and whatever the ``-o``: nothing lost, nobody in.

- merge counts every distinct return exactly once, or refuses with a message naming the files;
- no command changes a byte, a name or a modification time of what it reads, wherever its
  output goes (inside, the same, the parent, a child, elsewhere; spelt absolute, relative,
  through ``..`` or through a link);
- Ctrl-C ends a run with exit code 130 and one line saying what was kept.

docs/guarantees.md states these and names these tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from workbooks import sample, write

from govxl.cli import app
from govxl.forms import load_form
from govxl.merge import MergeError, merge, write_summary
from govxl.report.render import render_report

FIXED = datetime(2026, 1, 20, 10)
CODES = ("U1", "U2", "U3", "U4")
FOLDERS = ("甲区", "乙区", "丙区")
NAMES = ("报表.xlsx", "区汇总.xlsx", "{code}.xlsx", "副本.xlsx")


# ---------------------------------------------------------------- merge: exactly once


@dataclass(frozen=True)
class Placed:
    """A return (unit ``code``, figures from ``seed``) saved in ``folder`` under ``name``."""

    code: str
    seed: int
    folder: str
    name: str


placed = st.builds(
    Placed,
    st.sampled_from(CODES),
    st.integers(0, 2),
    st.sampled_from(("", *FOLDERS)),  # "" = a file given on its own
    st.sampled_from(NAMES),
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Arrival:
    """One return as it reaches the merge: a file in a source, or a row of a summary's 明细."""

    code: str
    seed: int
    file: Path
    """The return's file, or the summary it arrives in."""
    key: str
    """What makes it one return: the file's bytes, or (summary, unit) for a summary's row."""


def _lay_out(base: Path, returns: list[Placed], rolled: set[str]) -> tuple[list[Path], list]:
    """Write the returns; roll the ``rolled`` folders up into summaries (each 区汇总.xlsx).
    Returns the sources to merge and every arrival through them."""
    held: dict[Path, list[tuple[Placed, Path]]] = {}
    for p in returns:
        folder = base / "收件" / (p.folder or "单个文件")
        path = folder / p.name.format(code=p.code)
        k = 1
        while path.exists():  # one folder cannot hold two files of one name
            path = folder / f"{k}-{p.name.format(code=p.code)}"
            k += 1
        write(path, sample("gb2021", p.code, f"单位{p.code}", seed=p.seed), generated=FIXED)
        held.setdefault(folder, []).append((p, path))
    sources: list[Path] = []
    arrivals: list[Arrival] = []
    for folder, files in held.items():
        unique = len({p.code for p, _ in files}) == len(files)
        if folder.name in rolled and unique:
            summary = write_summary(
                merge([folder], code=folder.name, name=folder.name),
                base / "汇总" / folder.name / "区汇总.xlsx",
            )
            sources.append(summary)
            arrivals += [Arrival(p.code, p.seed, summary, f"{summary}:{p.code}") for p, _ in files]
            continue
        sources += [path for _, path in files] if folder.name == "单个文件" else [folder]
        arrivals += [Arrival(p.code, p.seed, f, _digest(f)) for p, f in files]
    return sources, arrivals


def _figures(code: str, seed: int) -> dict:
    return sample("gb2021", code, f"单位{code}", seed=seed).values


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    returns=st.lists(placed, min_size=1, max_size=6),
    rolled=st.sets(st.sampled_from(FOLDERS)),
)
def test_merge_counts_every_distinct_return_once_or_refuses_naming_the_files(
    returns: list[Placed], rolled: set[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sources, arrivals = _lay_out(Path(tmp), returns, rolled)
        distinct = {a.key: a for a in arrivals}  # identical bytes in two places: one return
        per_code = Counter(a.code for a in distinct.values())
        try:
            result = merge(sources)
        except MergeError as e:
            message = str(e)
            twice = [c for c, n in per_code.items() if n > 1 and f"单位 {c} " in message]
            assert twice, f"refused, naming no unit that came twice: {message}"
            same = [a for a in arrivals if a.code == twice[0]]
            named = {a.key for a in same if str(a.file) in message or a.file.name in message}
            assert len(named) >= 2, ([a.file for a in same], message)
            return
        assert all(n == 1 for n in per_code.values()), "a unit that came twice was merged"
        assert sorted(c.member.code for c in result.rows) == sorted(per_code)
        form = load_form("gb2021")
        for cell in form.inputs():
            zero = Decimal(0) if cell.type.value == "money" else 0
            want = sum((_figures(a.code, a.seed)[cell.id] or 0 for a in distinct.values()), zero)
            assert result.summary.values[cell.id] == want, cell.id
        # a file that repeats another is listed as left out, never dropped silently
        assert len(result.left_out) == len(arrivals) - len(distinct)


# ---------------------------------------------------------------- no command touches its inputs


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder whose 退回 folder a clerk filled with corrected copies: the folder
    every command below reads."""
    root = tmp_path_factory.mktemp("workspace")
    back = root / "审核结果" / "退回"
    write(back / "001-甲街道.xlsx", sample("gb2021", "001", "甲街道"))
    bad = sample("gb2021", "002", "乙街道")
    bad.values["t3.r1.natural"] = int(bad.values["t3.r1.natural"] or 0) + 5  # type: ignore[arg-type]
    write(back / "002-乙街道.xlsx", bad)
    (back / "甲街道年度报告.md").write_bytes(render_report(sample("gb2021", "", "甲街道"), "md"))
    (back / "名册.csv").write_text("单位代码,单位名称\n001,甲街道\n002,乙街道\n", encoding="utf-8")
    old = time.time() - 86_400
    for p in back.iterdir():
        os.utime(p, (old, old))
    return root


COMMANDS = {
    # name: (arguments before the output, the output option, output suffix, what it reads)
    "collect": (["collect", "{in}", "--roster", "{in}/名册.csv"], "-o", "", ["{in}"]),
    "collect --feedback": (
        ["collect", "{in}", "--roster", "{in}/名册.csv", "--feedback"], "-o", "", ["{in}"]
    ),
    "merge": (["merge", "{in}"], "-o", ".xlsx", ["{in}"]),
    "merge --include-errors": (["merge", "{in}", "--include-errors"], "-o", ".xlsx", ["{in}"]),
    "validate": (["validate", "{in}/001-甲街道.xlsx", "{in}/002-乙街道.xlsx"], "", "",
                 ["{in}/001-甲街道.xlsx", "{in}/002-乙街道.xlsx"]),
    "report": (["report", "{in}/001-甲街道.xlsx"], "-o", ".docx", ["{in}/001-甲街道.xlsx"]),
    "import": (["import", "{in}/甲街道年度报告.md"], "-o", ".xlsx", ["{in}/甲街道年度报告.md"]),
    "template": (["template", "--form", "gb2021", "--roster", "{in}/名册.csv"], "-o", "",
                 ["{in}/名册.csv"]),
}  # fmt: skip
POSITIONS = ("inside", "same", "parent", "child", "elsewhere")
SPELLINGS = ("absolute", "relative", "dot-dot", "link")


def _output(root: Path, inbox: Path, position: str, suffix: str, reads: list[Path]) -> Path:
    folder = {
        "inside": inbox / "输出",
        "same": inbox,
        "parent": inbox.parent,
        "child": inbox / "甲" / "乙",
        "elsewhere": root / "别处",
    }[position]
    if not suffix:
        return folder
    if position == "same":  # the very file it reads (or one of the same name)
        return reads[0] if reads[0].is_file() else inbox / f"001-甲街道{suffix}"
    return folder / f"输出{suffix}"


def _spell(path: Path, root: Path, inbox: Path, spelling: str) -> str:
    if spelling == "relative":
        return os.path.relpath(path, root)
    if spelling == "dot-dot":
        return str(root / "别处" / ".." / path.relative_to(root))
    if spelling == "link" and path.is_relative_to(inbox):
        link = root / "捷径"
        link.symlink_to(inbox, target_is_directory=True)
        return str(link / path.relative_to(inbox))
    return str(path)


def _state(paths: list[Path]) -> dict[str, tuple[str, int, int]]:
    """Every name under ``paths`` with its bytes' hash, mode and mtime in nanoseconds."""
    out = {}
    for top in paths:
        for p in [top, *sorted(top.rglob("*"))] if top.is_dir() else [top]:
            st = p.lstat()
            body = _digest(p) if p.is_file() else "folder"
            out[str(p)] = (body, st.st_mode, st.st_mtime_ns)
    return out


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    command=st.sampled_from(sorted(COMMANDS)),
    position=st.sampled_from(POSITIONS),
    spelling=st.sampled_from(SPELLINGS),
)
def test_no_command_changes_what_it_reads_wherever_its_output_goes(
    workspace: Path, command: str, position: str, spelling: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "工作"
        shutil.copytree(workspace, root, symlinks=True)
        inbox = root / "审核结果" / "退回"
        args, option, suffix, reads = COMMANDS[command]
        read = [Path(r.replace("{in}", str(inbox))) for r in reads]
        before = _state(read)
        argv = [a.replace("{in}", str(inbox)) for a in args]
        if option:
            out = _output(root, inbox, position, suffix, read)
            argv += [option, _spell(out, root, inbox, spelling)]
        with contextlib.chdir(root):
            result = CliRunner().invoke(app, argv)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            argv,
            result.output,
        )
        assert result.exit_code in (0, 1, 2), (argv, result.output)
        assert _state(read) == before, (argv, result.output)


# ---------------------------------------------------------------- Ctrl-C


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def test_ctrl_c_during_collect_exits_130_saying_what_was_kept(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    first = write(inbox / "U0.xlsx", sample("gb2021", "U0", "单位0"))
    for i in range(1, 800):
        shutil.copyfile(first, inbox / f"U0-{i}.xlsx")
    roster = tmp_path / "名册.csv"
    roster.write_text("单位代码,单位名称\nU0,单位0\n", encoding="utf-8")
    out = tmp_path / "审核结果"
    out.mkdir()
    (out / "审核结果.xlsx").write_bytes(b"last run's complete results")
    before = _state([inbox])
    proc = subprocess.Popen(
        [sys.executable, "-c", "from govxl.cli import run; run()", "collect", str(inbox),
         "--roster", str(roster), "-o", str(out), "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        start_new_session=True, env={**os.environ, "COLUMNS": "300"},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)  # reading has begun once the workers are there
    assert proc.poll() is None, "collect ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "已中断（Ctrl-C）" in lines[0] and "输入文件未被改动" in lines[0]
    assert "Traceback" not in stderr + stdout
    assert (out / "审核结果.xlsx").read_bytes() == b"last run's complete results"
    assert sorted(p.name for p in out.iterdir()) == ["审核结果.xlsx"]  # nothing half-written
    assert _state([inbox]) == before


def test_the_guarantees_page_points_at_tests_that_exist() -> None:
    """docs/guarantees.md backs every guarantee with tests: each one it names must exist."""
    root = Path(__file__).resolve().parents[1]
    page = (root / "docs" / "guarantees.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", page)
    assert len(named) >= 25
    for file, test in named:
        source = (root / file).read_text(encoding="utf-8")
        assert re.search(rf"^def {test}\(", source, re.M), f"{file}::{test}"
