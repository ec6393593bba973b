"""Running ``govxl`` as a real process: how a clerk runs it, and the only way to kill it or
measure its memory honestly (peak RSS of a process tree is known only after it ends)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GOVXL = [sys.executable, "-c", "from govxl.cli import run; run()"]
"""What the installed ``govxl`` script runs (``[project.scripts]``), exit and all."""

_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(json.loads(sys.argv[2]))
with open(sys.argv[1], "w") as fh:
    json.dump({"code": code, "seconds": time.perf_counter() - start,
               "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, fh)
"""
"""A fresh intermediary process: its RUSAGE_CHILDREN covers govxl and its worker processes only,
not the LibreOffice runs the test process may have made before."""


@dataclass
class Measured:
    code: int
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str


def govxl(*args: str | Path, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GOVXL, *map(str, args)], capture_output=True, text=True, timeout=300, **kw
    )


def measured(*args: str | Path, scratch: Path) -> Measured:
    """Run ``govxl *args`` and report its exit code, wall time and peak RSS (the largest of
    the main process and its workers)."""
    report = scratch / "measure.json"
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(report), json.dumps([*GOVXL, *map(str, args)])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    data = json.loads(report.read_text())
    return Measured(data["code"], data["seconds"], data["peak_kb"] / 1024, proc.stdout, proc.stderr)


def snapshot(folder: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under ``folder`` - links and pipes too, never followed or opened - with its
    kind, mode, mtime in nanoseconds and, for a readable file, the sha256 of its content."""
    out: dict[str, tuple[object, ...]] = {}
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            p = Path(root, name)
            st = p.lstat()
            rel = str(p.relative_to(folder))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p), st.st_mtime_ns)
            elif stat.S_ISREG(st.st_mode):
                try:
                    digest = hashlib.sha256(p.read_bytes()).hexdigest()
                except PermissionError:
                    digest = "unreadable"
                out[rel] = ("file", st.st_mode, st.st_mtime_ns, st.st_size, digest)
            else:
                out[rel] = ("other", st.st_mode, st.st_mtime_ns)
    return out
