"""Where the desk's time goes for one upload, without the web: ``Desk.receive`` of 150 new
returns (50 units, three versions each, as bench/serve.py sends them), then of the same 150
again (bytes the store already holds), each piece timed by a wrapper around it.

    .venv/bin/python bench/serve_pieces.py

Read with bench/serve.py's burst run: every piece that holds the GIL (reading, judging, the
web stack) is serialised across concurrent uploads; the syncs release it.
"""

from __future__ import annotations

import collections
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import govxl.desk.intake as intake  # noqa: E402
from bench.serve import returns, roster  # noqa: E402
from govxl.desk.intake import Desk  # noqa: E402

SPENT: dict[str, float] = collections.defaultdict(float)


def timed(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            SPENT[name] += time.perf_counter() - t

    return wrapper


def main() -> None:
    real_read_all = intake.read_all

    def read_all(*a: Any, **k: Any) -> Iterator[Any]:  # a generator: timed to its end
        t = time.perf_counter()
        done = list(real_read_all(*a, **k))
        SPENT["read (collect's reader)"] += time.perf_counter() - t
        return iter(done)

    intake.read_all = read_all  # type: ignore[assignment]  # the bench's timer, this process only
    files = returns(50, 3)
    with tempfile.TemporaryDirectory() as tmp:
        desk = Desk.open(
            Path(tmp) / "d", roster=roster(Path(tmp) / "名册.csv", 50), form="gb2021", year=2025
        )
        for name in ("judged_for", "_attribute"):
            setattr(desk, name, timed(name, getattr(desk, name)))
        for name in ("stage", "record_upload", "move_in", "sync_folder"):
            setattr(desk.archive, name, timed(name, getattr(desk.archive, name)))
        desk.receive("U0001", "warm.xlsx", files["U0001"][0], client="bench")
        for label in ("new bytes", "bytes already stored"):
            SPENT.clear()
            each = []
            for v in range(3):
                for code, versions in files.items():
                    t = time.perf_counter()
                    desk.receive(code, f"{code}-{v}.xlsx", versions[v], client="bench")
                    each.append(time.perf_counter() - t)
            print(f"{label}: receive median {statistics.median(each) * 1000:.2f} ms, of which")
            for piece, s in sorted(SPENT.items(), key=lambda x: -x[1]):
                print(f"  {piece:26s} {s / len(each) * 1000:6.2f} ms")
        desk.close()


if __name__ == "__main__":
    main()
