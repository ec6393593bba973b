"""Pictures of the report's table pages, to see that they read like the official tables.

Renders one report per form as .docx — the real 正阳街道 2020 report (imported from
``samples/zhengyang-2020/report.txt``) for jilin2020 and made-up figures for the others — converts
them all to PDF in one LibreOffice run, and writes ``docs/report-<form>-p<N>.png`` (80 dpi) for
each page that holds a table. Run from anywhere::

    python docs/make_report_pngs.py

Needs LibreOffice (``soffice``) and poppler (``pdftoppm``, ``pdftotext``). The test suite loads
``render_pages`` from this file to run the same conversion.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govxl.forms import form_ids, load_form  # noqa: E402
from govxl.forms.returns import Return  # noqa: E402
from govxl.importer.run import import_report  # noqa: E402
from govxl.office import convert  # noqa: E402
from govxl.report.render import render_report  # noqa: E402
from govxl.samples import random_return  # noqa: E402

SAMPLE = ROOT / "govxl" / "samples" / "zhengyang-2020" / "report.txt"
TABLE_MARKS = ("第二十条第", "申请人情况", "未经复议直接起诉")
"""Words only the tables print: a page showing one of them holds a table."""
YEARS = {"gb2019": 2019, "gb2021": 2024, "jilin2020": 2020}


def sample_return(form_id: str) -> Return:
    if form_id == "jilin2020" and SAMPLE.is_file():
        return import_report(SAMPLE).ret
    form = load_form(form_id)
    year = YEARS.get(form_id, form.first_year)
    return random_return(form, random.Random(form_id), year=year, name="示例区政务服务和数据管理局")


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    m = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    return int(m.group(1)) if m else 0


def page_text(pdf: Path, page: int) -> str:
    args = ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def table_pages(pdf: Path) -> list[int]:
    return [
        p
        for p in range(1, page_count(pdf) + 1)
        if any(mark in page_text(pdf, p) for mark in TABLE_MARKS)
    ]


def render_pages(
    outdir: Path, dpi: int = 80, forms: list[str] | None = None, work: Path | None = None
) -> dict[str, list[Path]]:
    """Write ``report-<form>-p<N>.png`` for the table pages of each form; returns them by form.

    The PDFs are kept in ``work`` (a temporary folder unless given) for further checks.
    """
    forms = forms or form_ids()
    with tempfile.TemporaryDirectory() as tmp:
        work = work or Path(tmp)
        docs = []
        for form_id in forms:
            path = work / f"report-{form_id}.docx"
            path.write_bytes(render_report(sample_return(form_id), "docx"))
            docs.append(path)
        pdfs = convert(docs, work, "pdf")
        out: dict[str, list[Path]] = {}
        for form_id, doc in zip(forms, docs, strict=True):
            pdf = pdfs[doc]
            out[form_id] = []
            for page in table_pages(pdf):
                stem = outdir / f"report-{form_id}-p{page}"
                subprocess.run(
                    [
                        "pdftoppm",
                        "-r",
                        str(dpi),
                        "-f",
                        str(page),
                        "-l",
                        str(page),
                        "-png",
                        "-singlefile",
                        str(pdf),
                        str(stem),
                    ],
                    check=True,
                )
                out[form_id].append(stem.with_suffix(".png"))
        return out


def main() -> None:
    here = Path(__file__).resolve().parent
    for old in here.glob("report-*-p*.png"):
        old.unlink()
    for form_id, pngs in render_pages(here).items():
        print(form_id, " ".join(p.name for p in pngs))


if __name__ == "__main__":
    main()
