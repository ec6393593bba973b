"""Print every workbook a clerk prints, through LibreOffice, and keep pictures of the pages.

    python docs/make_print_pngs.py

Runs the sample district (``govxl demo``) and prints, in one LibreOffice run: a blank template, a
filled return with a 核实 (its fee a round 1,200 万元), a 退回 copy before and after the unit
corrected it (LibreOffice recalculates on load, as on a clerk's PC), 审核结果.xlsx and the
district summary. Writes ``docs/print-<workbook>-<sheet>.png`` for the pages a clerk looks at.
Look at them after any change to a layout. The test suite loads ``build``, ``print_all`` and
``pages_by_sheet`` from this file to count the pages of every sheet.

Needs LibreOffice (``soffice``) and poppler (``pdftoppm``, ``pdftotext``, ``pdfinfo``).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from govxl.demo import FORM, YEAR, run_demo  # noqa: E402
from govxl.forms import load_form  # noqa: E402
from govxl.forms.layout import layout  # noqa: E402
from govxl.office import convert  # noqa: E402
from govxl.samples import random_return  # noqa: E402
from govxl.template.writer import render  # noqa: E402

DOCS = Path(__file__).resolve().parent
CORRECTED = "LY002"
"""The demo unit whose 退回 copy is corrected: its table 三 did not balance."""
SHOWN = {
    "template": ["基本信息", "三 依申请"],
    "return-warning": ["二 主动公开"],
    "feedback-before": ["审核意见", "三 依申请"],
    "feedback-after": ["审核意见", "三 依申请"],
    "results": ["报送进度", "问题清单"],
    "summary": ["三 依申请", "报送情况", "明细"],
}
"""Which sheets of which workbook get a picture (the first page of each)."""
SLUG = {
    "基本信息": "info",
    "二 主动公开": "t2",
    "三 依申请": "t3",
    "审核意见": "opinions",
    "报送进度": "progress",
    "问题清单": "problems",
    "报送情况": "status",
    "明细": "detail",
}
"""File names stay ASCII."""


def build(work: Path) -> dict[str, Path]:
    """The workbooks, made as a district makes them: name → .xlsx."""
    demo = run_demo(work / "demo", soffice=False)
    form = load_form(FORM)
    out = {"template": next(demo.templates.glob("LY001-*.xlsx"))}
    ret = random_return(
        form, random.Random(7), year=YEAR, code="LY001", name="示例区正阳街道办事处"
    )
    ret.values["t2.fees.fee_amount"] = Decimal(1200)  # a round sum: typed in 元? (R12, 核实)
    out["return-warning"] = work / "return-warning.xlsx"
    out["return-warning"].write_bytes(render(ret, generated=datetime(2026, 1, 12, 9, 30)))
    before = next((demo.audit / "退回").glob(f"{CORRECTED}-*.xlsx"))
    out["feedback-before"] = before
    out["feedback-after"] = work / "feedback-after.xlsx"
    _correct(before, out["feedback-after"])
    out["results"] = demo.audit / "审核结果.xlsx"
    out["summary"] = demo.summary
    return out


def _correct(copy: Path, target: Path) -> None:
    """What the unit does: types the right figures into its 退回 copy and saves it."""
    form = load_form(FORM)
    right = random_return(form, random.Random(CORRECTED), year=YEAR).values
    wb = openpyxl.load_workbook(copy)
    for cell in form.inputs():
        lay = layout(form, cell.table, YEAR)
        value = right[cell.id]
        wb[lay.table.sheet][lay.a1(cell.id)] = float(value) if isinstance(value, Decimal) else value
    wb.save(target)


def print_all(books: dict[str, Path], work: Path) -> dict[str, Path]:
    """Every workbook printed to PDF in one LibreOffice run (formulas recalculated on load)."""
    pdfs = convert(list(books.values()), work / "pdf", "pdf")
    return {name: pdfs[path] for name, path in books.items()}


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    m = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    return int(m.group(1)) if m else 0


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page."""
    args = ["pdfinfo", "-f", "1", "-l", str(page_count(pdf)), str(pdf)]
    info = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+)", info)]


def pages_by_sheet(pdf: Path, sheets: list[str]) -> dict[str, list[int]]:
    """Which pages each sheet printed on: every page names its sheet in the page header."""
    out: dict[str, list[int]] = {s: [] for s in sheets}
    for page in range(1, page_count(pdf) + 1):
        args = ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"]
        text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        head = next((line.strip() for line in text.splitlines() if line.strip()), "")
        # the longest name that ends the header line: "三 依申请", not "依申请"
        owner = max((s for s in sheets if head.endswith(s)), key=len, default=None)
        out.setdefault(owner or "?", []).append(page)
    return out


def main() -> None:
    for old in DOCS.glob("print-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        books = build(work)
        pdfs = print_all(books, work)
        for name, sheets in SHOWN.items():
            names = openpyxl.load_workbook(books[name], read_only=True).sheetnames
            pages = pages_by_sheet(pdfs[name], names)
            for sheet in sheets:
                first = pages[sheet][0]
                stem = DOCS / f"print-{name}-{SLUG[sheet]}"
                args = ["pdftoppm", "-r", "60", "-f", str(first), "-l", str(first)]
                subprocess.run(
                    [*args, "-png", "-singlefile", str(pdfs[name]), str(stem)], check=True
                )
                print(stem.with_suffix(".png").name, f"({len(pages[sheet])} 页)")


if __name__ == "__main__":
    main()
