"""Pictures of each form's table sheets as the clerk sees them on screen, for the docs.

    python docs/make_template_pngs.py

Fills a personalised template of every form with sample figures — one column of table 三 left
unbalanced (强制, ×), a 核实 in table 二 (△), a 提示 where the form has one — and has
LibreOffice recalculate and print it with the whole sheet in the printed area: the status line
on top and the 校验 cells beside and below the table, which a normal print leaves out
(``docs/make_print_pngs.py`` shows the prints). Writes ``docs/template-<form>-<table>.png``.
Look at them after any change to the layout.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import openpyxl  # noqa: E402
from make_print_pngs import pages_by_sheet  # noqa: E402

from govxl.forms import Form, load_form  # noqa: E402
from govxl.forms.layout import a1, layout  # noqa: E402
from govxl.forms.returns import Return  # noqa: E402
from govxl.office import convert  # noqa: E402
from govxl.samples import random_return  # noqa: E402
from govxl.template.writer import render  # noqa: E402

DOCS = Path(__file__).resolve().parent
FORMS = {"gb2019": 2020, "gb2021": 2025, "jilin2020": 2020}


def sample(form: Form, year: int) -> Return:
    ret = random_return(form, random.Random(1), year=year, code="001", name="示例街道（样例）")
    ret.values["t3.r1.natural"] = int(ret.values["t3.r1.natural"] or 0) + 1  # 强制: ×
    if "t2.rules.total_public" in form.cells:
        ret.values["t2.rules.published"], ret.values["t2.rules.total_public"] = 12, 10  # 核实
        ret.values["t2.licensing.decisions"] = (
            int(ret.values["t2.licensing.prev_items"] or 0)  # type: ignore[call-overload]
            + int(ret.values["t2.licensing.change"] or 0)  # type: ignore[call-overload]
        )  # 提示: 处理决定数量 = 上一年项目数量 + 本年增/减
    else:
        ret.values["t2.fees.fee_amount"] = Decimal(1200)  # 核实: a round 1,200 万元
    return ret


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for form_id, year in FORMS.items():
            form = load_form(form_id)
            path = Path(tmp) / f"{form_id}.xlsx"
            path.write_bytes(render(sample(form, year), generated=datetime(2026, 1, 5)))
            wb = openpyxl.load_workbook(path)
            for table in form.tables:  # the whole sheet, as on screen
                lay = layout(form, table.id, year)
                wb[table.sheet].print_area = f"A1:{a1(lay.last_row, lay.last_col)}"
            wb.save(path)
            files[form_id] = path
        pdfs = convert(list(files.values()), Path(tmp) / "pdf", "pdf")
        for form_id, path in files.items():
            form = load_form(form_id)
            pages = pages_by_sheet(pdfs[path], openpyxl.load_workbook(path).sheetnames)
            for table in form.tables:
                (page,) = pages[table.sheet]
                stem = DOCS / f"template-{form_id}-{table.id}"
                args = ["pdftoppm", "-r", "70", "-f", str(page), "-l", str(page), "-png"]
                subprocess.run([*args, "-singlefile", str(pdfs[path]), str(stem)], check=True)
                print(stem.with_suffix(".png").name)


if __name__ == "__main__":
    main()
