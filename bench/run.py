"""Collect + merge at city and province scale, against the floor and what users do today.

    python bench/run.py --sizes 100 1000 10000 --repeats 5
    python bench/run.py --sizes 10000 --openpyxl-upto 10000 --pandas-upto 0 --baseline-repeats 1

For each N it generates N returns as they arrive (``make_returns.py``: a third as govxl wrote
them, a third re-saved by openpyxl, a third by LibreOffice as .xlsx, .ods and .xls; one in five
with findings), then — side by side in the same run, on the same files, each in a fresh process
so peak memory (RSS) can be measured — times:

* govxl: ``govxl collect`` then ``govxl merge`` of its output, as the CLI runs them;
* floor: python-calamine reading every value of every sheet of each file, nothing else;
* openpyxl: a loop of ``load_workbook`` reading every cell of the .xlsx files (N ≤ 1000 unless
  ``--openpyxl-upto``: it is slow; openpyxl reads neither .ods nor .xls, so its time per return
  is over the .xlsx only);
* pandas: ``read_excel(sheet_name=None)`` per .xlsx file (N ≤ 1000 unless ``--pandas-upto``).

Targets (issue 14): at N = 10,000 govxl within 3× the floor; at least 20× faster per return than
the openpyxl loop; peak RSS under 250 MB; 10,000 returns in at most 11× the time of 1,000.

It prints the median ms per return of each, the ratios to the floor, the peak RSS of the largest
process of each run, and how govxl grows from 1,000 to 10,000 returns. The machine is shared and
noisy: repeats are interleaved and medians reported.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_returns import bases, make  # noqa: E402

FLOOR = """
import sys, pathlib
from python_calamine import CalamineWorkbook
n = 0
for p in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    wb = CalamineWorkbook.from_path(str(p))
    for name in wb.sheet_names:
        n += len(wb.get_sheet_by_name(name).to_python())
print(n)
"""
OPENPYXL = """
import sys, pathlib, openpyxl
n = 0
for p in sorted(pathlib.Path(sys.argv[1]).glob('*.xlsx')):
    wb = openpyxl.load_workbook(p)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            n += len(row)
    wb.close()
print(n)
"""
PANDAS = """
import sys, pathlib, pandas as pd
n = 0
for p in sorted(pathlib.Path(sys.argv[1]).glob('*.xlsx')):
    n += sum(df.size for df in pd.read_excel(p, sheet_name=None, header=None).values())
print(n)
"""
PEAK = """
import resource, subprocess, sys, json, time
t = time.perf_counter()
for cmd in json.loads(sys.argv[1]):
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    if r.returncode not in (0, 1):
        sys.exit(f"failed: {cmd}")
wall = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"wall": wall, "rss_mb": peak}))
"""


def measure(commands: list[list[str]]) -> tuple[float, float]:
    import json

    out = subprocess.run(
        [sys.executable, "-c", PEAK, json.dumps(commands)],
        capture_output=True,
        text=True,
        check=True,
    )
    d = json.loads(out.stdout)
    return d["wall"], d["rss_mb"]


BASELINES = ("openpyxl loop", "pandas read_excel")
"""The loops of what offices use today: minutes a run at N = 1,000, so they may run fewer times."""


def approaches(
    folder: Path, roster: Path, n: int, openpyxl_upto: int = 1000, pandas_upto: int = 1000
) -> dict[str, list[list[str]]]:
    inbox, out = folder / "inbox", folder / "out"
    govxl = str(Path(sys.executable).with_name("govxl"))
    cmds = {
        "govxl collect+merge": [
            [govxl, "collect", str(inbox), "--roster", str(roster), "--out", str(out)],
            [govxl, "merge", str(out), "-o", str(folder / "summary.xlsx")],
        ],
        "floor (calamine)": [[sys.executable, "-c", FLOOR, str(inbox)]],
    }
    if n <= openpyxl_upto:
        cmds["openpyxl loop"] = [[sys.executable, "-c", OPENPYXL, str(inbox)]]  # .xlsx only
    if n <= pandas_upto:
        cmds["pandas read_excel"] = [[sys.executable, "-c", PANDAS, str(inbox)]]
    return cmds


def fixed_costs(repeats: int, keep: Path | None, made: dict[str, list[bytes]]) -> dict[str, float]:
    """Median wall time of govxl and of the floor on a single return: what every run pays."""
    folder = Path(tempfile.mkdtemp(prefix="govxl-bench-1-", dir=keep))
    roster = make(1, folder, made)
    cmds = approaches(folder, roster, 1)
    cmds = {k: cmds[k] for k in ("govxl collect+merge", "floor (calamine)")}
    runs: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(max(repeats, 3)):
        for name, c in cmds.items():
            shutil.rmtree(folder / "out", ignore_errors=True)
            runs[name].append(measure(c)[0])
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return {k: statistics.median(v) for k, v in runs.items()}


def template_time(n: int) -> tuple[float, float]:
    """``govxl template --roster`` for n units: patched copies vs full renders (per unit, ms)."""
    from datetime import datetime

    from govxl.forms import load_form
    from govxl.forms.returns import Return
    from govxl.roster import read_roster
    from govxl.template import write_roster_templates
    from govxl.template.writer import render

    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "r.csv"
        roster.write_text(
            "单位代码,单位名称\n" + "".join(f"U{i},单位{i}\n" for i in range(n)), encoding="utf-8"
        )
        form, units = load_form("gb2021"), read_roster(roster)
        t = time.perf_counter()
        write_roster_templates(form, units, Path(tmp) / "out", year=2025)
        patched = (time.perf_counter() - t) / n * 1000
        k = min(n, 100)
        t = time.perf_counter()
        for u in units.units[:k]:
            render(
                Return(form, year=2025, unit_code=u.code, unit_name=u.name),
                generated=datetime(2026, 1, 1),
            )
        full = (time.perf_counter() - t) / k * 1000
    return patched, full


def compile_bytecode() -> None:
    """Byte-compile govxl first, as installing it does. With ``PYTHONDONTWRITEBYTECODE`` set
    (this machine sets it) and an editable install, every command would otherwise compile
    govxl's sources again, some 0.03 s a command, which no installed copy pays."""
    import compileall

    import govxl

    compileall.compile_dir(Path(govxl.__file__).parent, quiet=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="keep generated files here")
    ap.add_argument(
        "--openpyxl-upto", type=int, default=1000, help="largest N the openpyxl loop runs at"
    )
    ap.add_argument("--pandas-upto", type=int, default=1000, help="largest N pandas runs at")
    ap.add_argument(
        "--baseline-repeats",
        type=int,
        help="runs of the openpyxl and pandas loops at N > 1,000 (default: --repeats; one "
        "openpyxl run at 10,000 takes about 20 minutes)",
    )
    args = ap.parse_args()
    print(f"# govxl benchmark: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    compile_bytecode()
    per_return: dict[int, dict[str, float]] = {}
    t = time.perf_counter()
    made = bases()
    print(
        f"(each program's copy of the {len(made['govxl'])} variants made in "
        f"{time.perf_counter() - t:.1f} s)"
    )
    fixed = fixed_costs(args.repeats, args.keep, made)
    print("\n## Fixed cost: the same commands on one return (start-up, imports, empty outputs)")
    print("| approach | s (median) |\n|---|---|")
    for name, wall in fixed.items():
        print(f"| {name} | {wall:.3f} |")
    for n in args.sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"govxl-bench-{n}-", dir=args.keep))
        t = time.perf_counter()
        roster = make(n, folder, made)
        print(f"\n## N = {n} (generated in {time.perf_counter() - t:.1f} s)")
        cmds = approaches(folder, roster, n, args.openpyxl_upto, args.pandas_upto)
        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
        fewer = args.baseline_repeats if args.baseline_repeats and n > 1000 else args.repeats
        for _ in range(args.repeats):
            for name, c in cmds.items():
                if name in BASELINES and len(runs[name]) >= fewer:
                    continue
                shutil.rmtree(folder / "out", ignore_errors=True)
                runs[name].append(measure(c))
        floor = statistics.median(w for w, _ in runs["floor (calamine)"])
        per_return[n] = {}
        print("| approach | ms per return (median) | × floor per return | peak RSS MB | runs (s) |")
        print("|---|---|---|---|---|")
        floor_per = floor / n * 1000
        xlsx = sum(1 for p in (folder / "inbox").iterdir() if p.suffix == ".xlsx")
        for name, rs in runs.items():
            wall = statistics.median(w for w, _ in rs)
            per_return[n][name] = (
                wall / (xlsx if "openpyxl" in name or "pandas" in name else n) * 1000
            )
            rss = max(r for _, r in rs)
            print(
                f"| {name} | {per_return[n][name]:.2f} | {per_return[n][name] / floor_per:.2f} | "
                f"{rss:.0f} | " + " ".join(f"{w:.1f}" for w, _ in rs) + " |"
            )
        govxl_wall = per_return[n]["govxl collect+merge"] * n / 1000
        floor_wall = per_return[n]["floor (calamine)"] * n / 1000
        if n > 1:  # what each further return costs, start-up aside
            g = (govxl_wall - fixed["govxl collect+merge"]) / (n - 1) * 1000
            f = (floor_wall - fixed["floor (calamine)"]) / (n - 1) * 1000
            print(
                f"\nPer further return (fixed cost aside): govxl {g:.2f} ms, floor {f:.2f} ms "
                f"({g / f:.2f}×)"
            )
        if "openpyxl loop" in per_return[n]:
            speedup = per_return[n]["openpyxl loop"] / per_return[n]["govxl collect+merge"]
            print(
                f"\ngovxl is {speedup:.1f}× faster per return than the openpyxl loop (target ≥ 20×)"
            )
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if 1000 in per_return and 10000 in per_return:
        g = per_return[10000]["govxl collect+merge"] * 10000
        s = per_return[1000]["govxl collect+merge"] * 1000
        print(f"\ngovxl time 10,000 / 1,000 returns: {g / s:.2f}× (target ≤ 11×)")
    patched, full = template_time(1000)
    print(
        f"\n`govxl template --roster` with 1,000 units: {patched:.1f} ms per unit patched "
        f"(a full render is {full:.1f} ms per unit: {full / patched:.1f}× more)"
    )


if __name__ == "__main__":
    main()
