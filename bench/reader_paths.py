"""What the reader's simplifications cost or saved, per return, by the program that saved it.

    python bench/reader_paths.py --before faa546e --rounds 15
    python bench/reader_paths.py --before c18d57d --plain   # two trees only

Reads the same returns — as govxl wrote them, re-saved by openpyxl, by LibreOffice (.xlsx, .ods,
.xls) — with the reader of this checkout and with the reader of the ``--before`` revision (taken
with ``git archive`` into a temporary folder), each in its own process, rounds interleaved, and
prints the median CPU time of ``read_workbook`` per return (the sheets a return is read from) and
of ``inspect_file`` (reading and checking). Variants switch one piece of a tree off, to tell what
each piece costs. Needs LibreOffice.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

WORKER = r"""
import json, sys, time
from pathlib import Path
files = json.loads(sys.argv[1]); variant = sys.argv[2]; passes = int(sys.argv[3])
from govxl.check.read import inspect_file, wanted_sheets
from govxl.reader import read_workbook, xlsx, core
import govxl; assert govxl.__file__.startswith(sys.argv[4]), govxl.__file__
if variant == "regex paths off":  # the revision before: every sheet through expat
    xlsx._parse_sheet = xlsx._stream_sheet
    xlsx._shared_strings = xlsx._stream_shared_strings
elif variant == "irregular path off":  # the revision before: only the regular shape by regex
    from govxl.reader import fastsheet
    fastsheet._irregular_cells = lambda *a: None
elif variant == "zipfile directory":  # the revision before: zipfile reads every zip directory
    core._plain_directory = lambda data: None
elif variant == "no date styles":  # this checkout: styles.xml not read
    xlsx.date_styles = lambda arc, part: frozenset()
wanted = wanted_sheets()
out = {}
for family, paths in files.items():
    paths = [Path(p) for p in paths]
    for p in paths:
        inspect_file(p)
    best = {"read": [], "inspect": []}
    for _ in range(passes):
        t = time.process_time()
        for p in paths:
            read_workbook(p, sheets=wanted)
        best["read"].append((time.process_time() - t) / len(paths) * 1000)
        t = time.process_time()
        for p in paths:
            inspect_file(p)
        best["inspect"].append((time.process_time() - t) / len(paths) * 1000)
    out[family] = {k: min(v) for k, v in best.items()}
print(json.dumps(out))
"""


def returns(folder: Path, variants: int) -> dict[str, list[str]]:
    """``variants`` filled gb2021 returns as each program leaves them."""
    import make_returns

    make_returns.VARIANTS = variants
    made = make_returns.bases()
    files: dict[str, list[str]] = {}
    for family, blobs in made.items():
        for k, data in enumerate(blobs):
            path = folder / family / f"{k:02d}{make_returns.SUFFIX[family]}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            files.setdefault(family, []).append(str(path))
    return files


def checkout(rev: str, folder: Path) -> Path:
    """The ``govxl`` package of revision ``rev``, unpacked under ``folder``."""
    archive = subprocess.run(
        ["git", "archive", rev, "govxl"], cwd=HERE.parent, check=True, capture_output=True
    ).stdout
    folder.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True, help="the revision to compare with (e.g. faa546e)")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--variants", type=int, default=6, help="returns per program")
    ap.add_argument(
        "--plain", action="store_true", help="only the two trees, none of the switched-off pieces"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = returns(Path(tmp) / "returns", args.variants)
        before = checkout(args.before, Path(tmp) / "before")
        configs = {
            f"before ({args.before})": (before, ""),
            "before, regex paths off": (before, "regex paths off"),
            "before, irregular path off": (before, "irregular path off"),
            "before, zipfile directory": (before, "zipfile directory"),
            "now": (HERE.parent, ""),
            "now, no date styles": (HERE.parent, "no date styles"),
        }
        if args.plain:
            configs = {k: v for k, v in configs.items() if not v[1]}
        runs: dict[str, list[dict[str, dict[str, float]]]] = {k: [] for k in configs}
        for _ in range(args.rounds):
            for name, (tree, variant) in configs.items():
                out = subprocess.run(
                    [sys.executable, "-c", WORKER, json.dumps(files), variant, "3", str(tree)],
                    capture_output=True,
                    text=True,
                    env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                    cwd=tree,
                )
                if out.returncode:
                    sys.exit(f"{name} failed:\n{out.stderr}")
                runs[name].append(json.loads(out.stdout))
    families = list(files)
    for what in ("read", "inspect"):
        print(f"\n## ms of CPU per return, `{what}` (median of {args.rounds} rounds)\n")
        print("| reader | " + " | ".join(families) + " |")
        print("|---|" + "---|" * len(families))
        for name, rs in runs.items():
            cells = [statistics.median(r[f][what] for r in rs) for f in families]
            print(f"| {name} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
