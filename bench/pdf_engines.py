"""Which PDF library the importer uses: pdfplumber or pypdfium2, measured on reports made here.

    python bench/pdf_engines.py --reports 12 --repeats 5

Renders N random returns (gb2021, gb2019 and jilin2020, with some zeros left blank as real
reports leave them) as .docx, prints them to PDF with LibreOffice in one batch, then imports each
PDF two ways, interleaved:

* pdfplumber: ``govxl import`` as shipped — tables found by their ruling lines, every cell kept;
* pypdfium2: the page text in reading order, given to the same token stream as text.

For each it prints the median seconds per report and, over all reports, the input cells placed
right, placed wrong and not placed (blank cells count as placed right when left blank).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from govxl.forms import load_form
from govxl.forms.returns import Return
from govxl.importer.run import import_bytes
from govxl.office import convert
from govxl.report.render import render_report
from govxl.samples import random_return

FORMS = [("gb2021", 2023), ("gb2019", 2019), ("jilin2020", 2020)]


def make(n: int, root: Path) -> list[tuple[Return, Path]]:
    rng = random.Random(16)
    made = []
    for k in range(n):
        form_id, year = FORMS[k % len(FORMS)]
        ret = random_return(load_form(form_id), rng, year=year, name="某县某局")
        zeros = sorted(c for c, v in ret.values.items() if v == 0)
        for cid in rng.sample(zeros, min(6, len(zeros))):
            ret.values[cid] = None  # 0 left blank, as published reports do
        path = root / f"r{k}.docx"
        path.write_bytes(render_report(ret, "docx"))
        made.append((ret, path))
    out = convert([p for _, p in made], root, "pdf")
    return [(ret, out[p]) for ret, p in made]


def pdfium_text(data: bytes) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()
    return "\n\f".join(pages).replace("\r\n", "\n").encode()


def score(ret: Return, got: dict[str, object]) -> tuple[int, int, int]:
    right = wrong = missed = 0
    for cid, value in ret.values.items():
        if got.get(cid) == value:
            right += 1
        elif got.get(cid) is None:
            missed += 1
        else:
            wrong += 1
    return right, wrong, missed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        reports = make(args.reports, Path(tmp))
        engines = {
            "pdfplumber": lambda data: import_bytes(data, "r.pdf"),
            "pypdfium2": lambda data: import_bytes(pdfium_text(data), "r.txt"),
        }
        times: dict[str, list[float]] = {e: [] for e in engines}
        totals: dict[str, list[int]] = {e: [0, 0, 0] for e in engines}
        for rep in range(args.repeats):
            for ret, pdf in reports:
                data = pdf.read_bytes()
                for name, run in engines.items():
                    start = time.perf_counter()
                    res = run(data)
                    times[name].append(time.perf_counter() - start)
                    if rep == 0:
                        for i, x in enumerate(score(ret, dict(res.ret.values))):
                            totals[name][i] += x
    print(f"{args.reports} reports × {args.repeats} repeats", file=sys.stderr)
    print("engine        s/report (median)   right   wrong   not placed")
    for name in engines:
        right, wrong, missed = totals[name]
        print(
            f"{name:12}  {statistics.median(times[name]):8.3f}"
            f"        {right:6} {wrong:7} {missed:9}"
        )


if __name__ == "__main__":
    main()
