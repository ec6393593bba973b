"""How much of a report each rendering gives back: cells placed right, placed wrong, not placed.

    python bench/import_rates.py --reports 20

Uses the renderings of the test fixtures (tests/renderings.py: govxl's own reports, transformed
as published copies are) on N random returns per form, and prints per rendering and form the
share of input cells placed right, the cells placed wrong (must be 0), how many reports were
read completely, and the median seconds an import takes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from renderings import RENDERINGS  # noqa: E402

from govxl.forms import load_form  # noqa: E402
from govxl.importer.run import import_bytes  # noqa: E402
from govxl.samples import random_return  # noqa: E402

YEAR = {"gb2019": 2019, "gb2021": 2023, "jilin2020": 2020}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=20)
    ap.add_argument("--renderings", nargs="*", default=sorted(RENDERINGS))
    args = ap.parse_args()
    print(f"{'rendering':18} {'form':9} {'right':>7} {'wrong':>6} {'complete':>9} {'s/report':>9}")
    for name in args.renderings:
        for form_id in ("gb2021", "gb2019"):
            right = wrong = total = complete = 0
            times = []
            for seed in range(args.reports):
                rng = random.Random(seed)
                ret = random_return(load_form(form_id), rng, year=YEAR[form_id], name="某县某局")
                fx = RENDERINGS[name](ret, rng)
                start = time.perf_counter()
                got = import_bytes(fx.data, fx.name).ret.values
                times.append(time.perf_counter() - start)
                ok = sum(got[c] == v for c, v in fx.expected.items())
                right += ok
                wrong += sum(got[c] is not None and got[c] != v for c, v in fx.expected.items())
                total += len(fx.expected)
                complete += ok == len(fx.expected)
            print(
                f"{name:18} {form_id:9} {right / total:7.1%} {wrong:6} "
                f"{complete:4}/{args.reports:<4} {statistics.median(times):9.3f}"
            )


if __name__ == "__main__":
    main()
