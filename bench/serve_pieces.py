"""Where the desk's time goes for one upload, without the web: ``Desk.receive`` of 150 new
returns (50 units, three versions each, as bench/serve.py sends them), then of the same 150
again (bytes the store already holds), each piece timed by a wrapper around it; once reading
in-process (``Desk.open``'s default) and once in a pool of two (``govxl serve``'s default), with
the CPU the desk's own process spends per upload. ``--units 1000``: the roster has that many
units, every other one with a return in the store already (what an upload costs once the
district is large).

    .venv/bin/python bench/serve_pieces.py [--units 1000]

Read with bench/serve.py's burst run: every piece that holds the GIL (judging, the web stack,
and reading when it is in-process) is serialised across concurrent uploads; the syncs release
it, and so does waiting for a worker. In a pool, "read" is the whole trip: the file to a
worker, collect's reader there, the result back.
"""

from __future__ import annotations

import argparse
import collections
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serve import returns, roster  # noqa: E402
from govxl.desk.intake import Desk  # noqa: E402
from govxl.forms import load_form  # noqa: E402
from govxl.samples import random_return  # noqa: E402
from govxl.template.personalise import CODE_TOKEN, NAME_TOKEN, personalise  # noqa: E402
from govxl.template.writer import render  # noqa: E402

SPENT: dict[str, float] = collections.defaultdict(float)


def timed(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            SPENT[name] += time.perf_counter() - t

    return wrapper


def pieces(files: dict[str, list[bytes]], root: Path, readers: int, units: int) -> None:
    """Every upload of ``files`` twice, through a desk reading in-process or in a pool; the
    roster's other units (``units`` in all) each have a return in the store already."""
    listed = roster(root / "名册.csv", units)
    desk = Desk.open(root / "d", roster=listed, form="gb2021", year=2025, readers=readers)
    if units > len(files):
        base = render(
            random_return(load_form("gb2021"), random.Random(1), year=2025, code=CODE_TOKEN,
                          name=NAME_TOKEN)
        )  # fmt: skip
        for u in desk.settings.roster.units[len(files) :]:
            desk.receive(u.code, "报表.xlsx", personalise(base, u.code, u.name), client="bench")
    # the whole read as the desk waits for it: in a pool, with the trip to the worker and back
    desk.readers.read = timed("read (collect's reader)", desk.readers.read)  # type: ignore[method-assign]
    for name in ("judged_for", "_attribute"):
        setattr(desk, name, timed(name, getattr(desk, name)))
    for name in ("stage", "record_upload", "move_in", "sync_folder"):
        setattr(desk.archive, name, timed(name, getattr(desk.archive, name)))
    desk.receive("U0001", "warm.xlsx", files["U0001"][0], client="bench")
    where = "in-process" if readers <= 1 else f"a pool of {readers}"
    for label in ("new bytes", "bytes already stored"):
        SPENT.clear()
        each = []
        cpu = time.process_time()  # this process only, every thread: what holds its GIL
        for v in range(3):
            for code, versions in files.items():
                t = time.perf_counter()
                desk.receive(code, f"{code}-{v}.xlsx", versions[v], client="bench")
                each.append(time.perf_counter() - t)
        cpu = (time.process_time() - cpu) / len(each)
        print(
            f"{label}, read {where}: receive median {statistics.median(each) * 1000:.2f} ms, "
            f"server process CPU {cpu * 1000:.2f} ms; of the time"
        )
        for piece, s in sorted(SPENT.items(), key=lambda x: -x[1]):
            print(f"  {piece:26s} {s / len(each) * 1000:6.2f} ms")
    desk.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--units", type=int, default=50, help="units in the roster (at least 50)")
    a = ap.parse_args()
    files = returns(50, 3)
    print(f"a district of {max(a.units, 50)} units")
    for readers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            pieces(files, Path(tmp), readers, max(a.units, 50))


if __name__ == "__main__":
    main()
