"""Returned workbooks for the check and collect tests, made the way units make them.

Every workbook starts as a real template from ``govxl.template.writer.render`` and is then filled
or damaged with openpyxl, as a clerk's spreadsheet program would. The LibreOffice re-saves that
several test modules need are made together, in one ``soffice`` run per target format, because
each start of LibreOffice costs seconds.
"""

from __future__ import annotations

import functools
import io
import os
import random
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from govxl.forms import load_form
from govxl.forms.layout import a1, layout
from govxl.forms.returns import Return
from govxl.office import convert
from govxl.samples import random_return
from govxl.template.writer import render

FORMS = ("gb2019", "gb2021", "jilin2020")
YEAR = {"gb2019": 2020, "gb2021": 2025, "jilin2020": 2020}
FIXED = datetime(2026, 1, 5, 9, 0, 0)
LO_UNIT = ("005", "东城街道")
"""The unit of the returns that LibreOffice re-saves (shared by every module that needs them)."""


def sample(
    form_id: str,
    code: str = "001",
    name: str = "测试单位",
    *,
    year: int | None = None,
    seed: int = 1,
) -> Return:
    """A balanced, fully filled return: on its own it passes every check."""
    form = load_form(form_id)
    ret = random_return(
        form, random.Random(f"{form_id}-{seed}"), year=year or YEAR[form_id], code=code, name=name
    )
    for cell in form.table_cells("t2"):
        # R10 (提示) fires when 处理决定数量 happens to equal 上一年项目数量 + 本年增/减:
        # keep samples clear of it so that "no findings" means no findings.
        if cell.column == "decisions" and f"t2.{cell.row}.prev_items" in form.cells:
            prev = ret.values[f"t2.{cell.row}.prev_items"]
            change = ret.values[f"t2.{cell.row}.change"]
            if ret.values[cell.id] == prev + change:  # type: ignore[operator]
                ret.values[cell.id] = int(ret.values[cell.id]) + 1  # type: ignore[arg-type]
    return ret


def write(path: Path, ret: Return, *, generated: datetime = FIXED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(ret, generated=generated))
    return path


def place(form_id: str, cell_id: str, year: int | None = None) -> tuple[str, str]:
    """(sheet, A1) of a cell of a form, from the layout: never written by hand in a test."""
    form = load_form(form_id)
    lay = layout(form, form.cells[cell_id].table, year or YEAR[form_id])
    return lay.table.sheet, lay.a1(cell_id)


def check_place(form_id: str, key: str, year: int | None = None) -> tuple[str, str]:
    """(sheet, A1) of the live check cell of a rule instance such as ``R1[natural]``."""
    form = load_form(form_id)
    inst = next(i for i in form.instances if i.key == key)
    lay = layout(form, inst.table or "", year or YEAR[form_id])
    return lay.table.sheet, a1(*lay.checks[key])


def edit(src: Path, dst: Path, change: Callable[[Workbook], object]) -> Path:
    """Open ``src`` with openpyxl, apply ``change`` and save as ``dst``: a clerk's edit."""
    wb = openpyxl.load_workbook(src)
    change(wb)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def typed(form_id: str, cell_id: str, value: object) -> Callable[[Workbook], None]:
    """An edit that types ``value`` into one cell of the form."""
    sheet, where = place(form_id, cell_id)

    def change(wb: Workbook) -> None:
        wb[sheet][where] = value

    return change


def with_macros(xlsx: bytes) -> bytes:
    """The same workbook saved as .xlsm with a (never run) VBA project, as Excel writes it."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                text = body.decode("utf-8").replace(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
                text = text.replace(
                    "</Types>",
                    '<Override PartName="/xl/vbaProject.bin" '
                    'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
                body = text.encode("utf-8")
            if info.filename == "xl/_rels/workbook.xml.rels":
                body = (
                    body.decode("utf-8")
                    .replace(
                        "</Relationships>",
                        '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/'
                        '2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                    )
                    .encode("utf-8")
                )
            dst.writestr(info, body)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    return out.getvalue()


@functools.cache
def libreoffice_copies(base: Path) -> dict[tuple[str, str], Path]:
    """Clean returns of every form re-saved by LibreOffice as .xlsx and as .ods.

    Keyed by (form id, "xlsx" | "ods"). Cached per test session (``base`` is the session's
    temporary root), so however many modules ask, LibreOffice starts twice at most.
    """
    src = base / "libreoffice-src"
    originals = [write(src / f"{form_id}.xlsx", sample(form_id, *LO_UNIT)) for form_id in FORMS]
    out: dict[tuple[str, str], Path] = {}
    for fmt in ("xlsx", "ods"):
        done = convert(originals, base / f"libreoffice-{fmt}", fmt)
        for form_id, path in zip(FORMS, originals, strict=True):
            out[(form_id, fmt)] = done[path]
    return out


EXCEL_MADE = Path(__file__).resolve().parents[2] / "shared" / "real-workbooks" / "excel-made"
"""Workbooks saved by Microsoft Excel, beside the checkout (never copied into it)."""


def excel_made(names: tuple[str, ...] | None = None) -> list[Path]:
    """The Excel-saved workbooks (all, or those named): skipped where the folder is not beside
    the checkout, required under CI=true."""
    if not EXCEL_MADE.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the Excel-saved workbooks are missing: {EXCEL_MADE}")
        pytest.skip(f"the Excel-saved workbooks are not beside the checkout: {EXCEL_MADE}")
    if names is not None:
        return [EXCEL_MADE / name for name in names]
    return sorted(p for p in EXCEL_MADE.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))
