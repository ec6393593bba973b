"""Render the table sheets of each form's template to PNG, through LibreOffice, for the docs.

    python docs/make_template_pngs.py

Fills a personalised template with sample figures (one column of table 三 left unbalanced, so
the red check shows), prints it to PDF with LibreOffice headless and keeps the table pages as
``docs/template-<form>-<sheet>.png``. Look at them after any change to the layout.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

from govxl.forms import load_form
from govxl.office import convert
from govxl.samples import random_return
from govxl.template.writer import render

DOCS = Path(__file__).resolve().parent
FORMS = {"gb2019": 2020, "gb2021": 2025, "jilin2020": 2020}
PAGES = {3: "t2", 4: "t3", 5: "t4"}  # 填报说明 and 基本信息 print first


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for form_id, year in FORMS.items():
            ret = random_return(
                load_form(form_id), random.Random(1), year=year, code="001", name="示例街道（样例）"
            )
            ret.values["t3.r1.natural"] = int(ret.values["t3.r1.natural"] or 0) + 1
            p = Path(tmp) / f"{form_id}.xlsx"
            p.write_bytes(render(ret, generated=datetime(2026, 1, 5)))
            files.append(p)
        pdfs = convert(files, Path(tmp) / "pdf", "pdf")
        for src, pdf in pdfs.items():
            prefix = Path(tmp) / src.stem
            subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(prefix)], check=True)
            for page, table in PAGES.items():
                png = next(Path(tmp).glob(f"{src.stem}-{page}.png"), None)
                if png is None:
                    png = next(Path(tmp).glob(f"{src.stem}-0{page}.png"))
                (DOCS / f"template-{src.stem}-{table}.png").write_bytes(png.read_bytes())


if __name__ == "__main__":
    main()
