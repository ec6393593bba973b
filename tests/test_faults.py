"""Faults while writing: govxl killed at a random moment, a full disk, an unwritable folder.

What must hold (issue 7): an output file that is there is complete - the previous run's or the
new one, never half of one; what a killed run leaves behind is a hidden ``.name.XXXXXXXX.tmp``
that the next run removes; a full disk or an unwritable output folder ends the command with a
Chinese message and exit code 2, leaving no partial file. ``govxl`` runs as a real process here,
because only a real process can be killed with SIGKILL or have a file-size limit.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from hostile.make_corpus import good_return, unbalanced, write
from hostile.procs import GOVXL, govxl

from govxl.fileio import OutputError, atomic_write

UNITS = 150
FAILING = 10
"""Units whose return fails a rule, so that collect also writes copies to 退回/."""
KILLS = 8
TEMP = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Inbox:
    root: Path
    inbox: Path
    roster: Path
    out: Path
    """A complete collect output of the inbox: the "previous outputs" of the kill tests."""
    summary: Path
    collect_seconds: float
    merge_seconds: float


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Inbox:
    root = tmp_path_factory.mktemp("faults")
    inbox = root / "收件箱"
    lines = ["单位代码,单位名称"]
    for i in range(1, UNITS + 1):
        code = f"{i:03d}"
        ret = good_return(code, f"单位{code}")
        write(inbox / f"{code}-单位{code}.xlsx", unbalanced(ret) if i <= FAILING else ret)
        lines.append(f"{code},单位{code}")
    roster = root / "名册.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, summary = root / "审核", root / "汇总.xlsx"
    start = time.perf_counter()
    done = govxl("collect", inbox, "--roster", roster, "-o", out, "--feedback", "--jobs", "2")
    collect_seconds = time.perf_counter() - start
    assert done.returncode == 1, done.stderr
    start = time.perf_counter()
    done = govxl("merge", out, "-o", summary)
    assert done.returncode == 0, done.stderr
    merge_seconds = time.perf_counter() - start
    return Inbox(root, inbox, roster, out, summary, collect_seconds, merge_seconds)


def complete(folder: Path) -> tuple[list[Path], list[Path]]:
    """(output files, leftover temporaries) under ``folder``; every output file must open."""
    files, temps = [], []
    for p in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if not p.is_file():
            continue
        if p.name.endswith(".tmp"):
            assert TEMP.fullmatch(p.name), f"a temporary that does not look like one: {p}"
            temps.append(p)
            continue
        files.append(p)
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as zf:
                assert zf.testzip() is None, p  # every member there, CRC right
            openpyxl.load_workbook(p, read_only=True).close()
        elif p.suffix == ".json":
            json.loads(p.read_text(encoding="utf-8"))
        elif p.suffix == ".jsonl":
            for line in p.read_text(encoding="utf-8").splitlines():
                json.loads(line)
        else:
            raise AssertionError(f"an output nobody expects: {p}")
    return files, temps


def killed(args: list[str | Path], after: float) -> None:
    """Start ``govxl *args`` in its own process group; SIGKILL the whole group ``after`` s."""
    proc = subprocess.Popen(
        [*GOVXL, *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(after)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # govxl and its worker processes, nothing else
        proc.wait()


def digests(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# ---------------------------------------------------------------- SIGKILL at a random moment
def test_collect_killed_at_random_leaves_old_or_new_complete_outputs(big: Inbox) -> None:
    rng = random.Random(20260127)
    previous = digests(big.out)
    for i in range(KILLS):
        out = big.root / f"kill-collect-{i}"
        if i % 2:  # the previous run's outputs are there: each file stays it or becomes new
            shutil.copytree(big.out, out)
        after = rng.uniform(0, big.collect_seconds * 1.1)
        args = ["collect", big.inbox, "--roster", big.roster, "-o", out, "--feedback"]
        killed([*args, "--jobs", "2"], after)
        files, _ = complete(out)
        for p in files:
            rel = str(p.relative_to(out))
            assert rel in previous, f"kill {i} at {after:.2f}s: unexpected output {rel}"


def test_merge_killed_at_random_leaves_the_old_summary_or_a_new_complete_one(big: Inbox) -> None:
    rng = random.Random(20260128)
    for i in range(KILLS):
        folder = big.root / f"kill-merge-{i}"
        folder.mkdir()
        target = folder / "汇总.xlsx"
        if i % 2:
            shutil.copy2(big.summary, target)
        killed(["merge", big.out, "-o", target], rng.uniform(0, big.merge_seconds * 1.1))
        files, _ = complete(folder)
        assert files in ([], [target])
        if i % 2:
            assert files == [target]


_WRITER = """
import sys
from pathlib import Path
from govxl.fileio import OutputError, atomic_write
atomic_write(Path(sys.argv[1]), bytes(int(sys.argv[2])))
"""


def test_killed_mid_write_the_old_file_survives_and_the_next_run_sweeps_the_temporary(
    tmp_path: Path,
) -> None:
    """Kill while a 64 MB write is in flight: as soon as its temporary has bytes in it."""
    target, size = tmp_path / "审核结果.xlsx", 64 << 20
    target.write_bytes(b"previous complete output")
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target), str(size)])
    deadline = time.monotonic() + 30
    while proc.poll() is None and not any(p.stat().st_size for p in tmp_path.glob(".*.tmp")):
        assert time.monotonic() < deadline
        time.sleep(0.0005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    data = target.read_bytes()  # the old file, or (if the write won the race) all of the new
    assert data == b"previous complete output" or (len(data) == size and not data.strip(b"\0"))
    stale = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert all(TEMP.fullmatch(name) for name in stale)
    # the next run, writing anything into the folder, removes what the killed one left
    done = subprocess.run([sys.executable, "-c", _WRITER, str(tmp_path / "findings.json"), "2"])
    assert done.returncode == 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_later_run_removes_stale_temporaries_and_nothing_else(big: Inbox) -> None:
    out = big.root / "sweep"
    shutil.copytree(big.out, out)
    old = time.time() - 3600
    stale = [out / ".审核结果.xlsx.k3j9x_a1.tmp", out / "退回" / ".001-单位001.xlsx.zzzzzzzz.tmp"]
    young = out / ".findings.json.aaaaaaaa.tmp"  # a concurrent run's: newer than this run
    others = [out / ".我的笔记.txt", out / "退回" / "说明.tmp"]
    for p in [*stale, young, *others]:
        p.write_bytes(b"x")
    for p in stale:
        os.utime(p, (old, old))
    os.utime(young, (time.time() + 3600,) * 2)
    done = govxl("collect", big.inbox, "--roster", big.roster, "-o", out, "--feedback")
    assert done.returncode == 1, done.stderr
    assert not any(p.exists() for p in stale)
    assert young.exists() and all(p.exists() for p in others)


def test_outputs_are_readable_by_colleagues_like_any_saved_file(big: Inbox) -> None:
    """The temporary is created 0600; the output must not keep that (a shared 汇总.xlsx)."""
    umask = os.umask(0o022)
    os.umask(umask)
    for p in [big.summary, *big.out.rglob("*.*")]:
        assert p.stat().st_mode & 0o777 == 0o666 & ~umask, p


# ---------------------------------------------------------------- unwritable folder, full disk
def small_inbox(root: Path, count: int = 3) -> tuple[Path, Path]:
    inbox = root / "收件箱"
    for i in range(1, count + 1):
        write(inbox / f"{i:03d}.xlsx", unbalanced(good_return(f"{i:03d}", f"单位{i:03d}")))
    roster = root / "名册.csv"
    roster.write_text(
        "单位代码,单位名称\n" + "".join(f"{i:03d},单位{i:03d}\n" for i in range(1, count + 1)),
        encoding="utf-8",
    )
    return inbox, roster


def assert_clear_failure(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert len(CHINESE.findall(done.stderr)) >= 8, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_an_output_folder_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    """chmod does not stop root, a file in the way stops everyone."""
    inbox, roster = small_inbox(tmp_path)
    blocker = tmp_path / "file.txt"
    blocker.write_text("不是文件夹", encoding="utf-8")
    done = govxl("collect", inbox, "--roster", roster, "-o", blocker / "out", "--feedback")
    assert_clear_failure(done, "file.txt", "不是文件夹")
    done = govxl("merge", inbox, "-o", blocker / "汇总.xlsx", "--include-errors")
    assert_clear_failure(done, "file.txt", "不是文件夹")
    assert blocker.read_text(encoding="utf-8") == "不是文件夹"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "名册.csv", "收件箱"]


def _limit_file_size(limit: int) -> None:
    """In the child: writes beyond ``limit`` bytes fail with EFBIG (SIGXFSZ ignored, so the
    process sees the error instead of dying), as when a disk fills up."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_write_failing_for_lack_of_space_is_a_clear_error_and_leaves_no_partial_file(
    tmp_path: Path,
) -> None:
    """Runs everywhere: RLIMIT_FSIZE makes the first output fail as on a full disk."""
    inbox, roster = small_inbox(tmp_path)
    out = tmp_path / "审核"
    kw = {"preexec_fn": lambda: _limit_file_size(4_000)}
    done = govxl("collect", inbox, "--roster", roster, "-o", out, "--feedback", **kw)
    assert_clear_failure(done, "无法写入", "审核结果.xlsx", "没有留下不完整的文件")
    assert complete(out) == ([], [])
    summary = tmp_path / "汇总.xlsx"
    done = govxl("merge", inbox, "-o", summary, "--include-errors", **kw)
    assert_clear_failure(done, "无法写入", "汇总.xlsx")
    assert not summary.exists() and not list(tmp_path.glob(".*.tmp"))


def test_a_full_temp_folder_while_making_copies_is_a_clear_error(tmp_path: Path) -> None:
    """openpyxl spools the 退回 copies through the temp folder: there the limit hits first.
    (Python may add an "Exception ignored" note from openpyxl's half-closed writer.)"""
    inbox, roster = small_inbox(tmp_path)
    out = tmp_path / "审核"
    # 审核结果.xlsx of three units is about 12 kB, each 退回 copy about 26 kB
    kw = {"preexec_fn": lambda: _limit_file_size(20_000)}
    done = govxl("collect", inbox, "--roster", roster, "-o", out, "--feedback", **kw)
    assert done.returncode == 2, done.stderr
    assert "退回文件" in done.stderr.splitlines()[0] and "磁盘已满" in done.stderr
    files, temps = complete(out)
    assert temps == [] and not (out / "退回").exists()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 200 kB tmpfs, when this process may mount one (root in most containers and CI)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = shutil.which("mount")
    if mount is None:
        pytest.skip("no mount command here; the RLIMIT_FSIZE test covers a full disk")
    tried = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if tried.returncode != 0:
        reason = tried.stderr.strip() or f"exit {tried.returncode}"
        pytest.skip(f"may not mount a tmpfs here ({reason}); the RLIMIT_FSIZE test covers it")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_is_a_clear_error_and_leaves_no_partial_file(
    big: Inbox, tiny_disk: Path
) -> None:
    out = tiny_disk / "审核"
    done = govxl("collect", big.inbox, "--roster", big.roster, "-o", out, "--feedback")
    assert_clear_failure(done, "磁盘空间已满", "没有留下不完整的文件")
    files, temps = complete(out)
    assert temps == [] and len(files) < 3
    done = govxl("merge", big.out, "-o", tiny_disk / "汇总.xlsx")
    assert_clear_failure(done, "磁盘空间已满")
    assert not (tiny_disk / "汇总.xlsx").exists()
    assert not [p for p in tiny_disk.rglob("*") if p.name.endswith(".tmp")]


def test_atomic_write_where_a_file_is_in_the_way_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="不是文件夹"):
        atomic_write(tmp_path / "file" / "x.xlsx", b"data")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
