"""Generate N returns as a district receives them, and a roster for them.

Real returns are never in govxl's own byte shape: each unit opened its template in Excel, WPS or
LibreOffice, typed, and saved. So the inbox mixes, unit by unit in a fixed cycle of 18:

* 6 as govxl wrote them (XlsxWriter),
* 6 re-saved by openpyxl (what a script in between, or pandas' writer underneath, leaves),
* 4 re-saved by LibreOffice as .xlsx (with recalculation), 1 as .ods and 1 as legacy .xls.

Forty sets of figures, one in five with findings (an unbalanced column, text in a count cell, a
negative count, a negative sum of money), are rendered once with placeholder identities,
re-saved by each program once, and then made out to each unit by replacing the placeholders, so
10,000 files take seconds. Codes and names have one width (``U00042``, ``第00042号单位``) so the
placeholders can be replaced in place inside a binary .xls too. Needs LibreOffice.
"""

from __future__ import annotations

import io
import random
import sys
import tempfile
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl

from govxl.forms import load_form
from govxl.forms.returns import Return
from govxl.office import convert
from govxl.samples import random_return
from govxl.template.writer import render

VARIANTS = 40
CODE, NAME = "UZZZZZ", "第ZZZZZ号单位"
"""Placeholders exactly as wide as every unit's code and name."""
CYCLE = ("govxl",) * 6 + ("openpyxl",) * 6 + ("lo-xlsx",) * 4 + ("ods", "xls")
SUFFIX = {"govxl": ".xlsx", "openpyxl": ".xlsx", "lo-xlsx": ".xlsx", "ods": ".ods", "xls": ".xls"}


def code_name(i: int) -> tuple[str, str]:
    return f"U{i:05d}", f"第{i:05d}号单位"


def _variant(form_id: str, year: int, k: int) -> Return:
    ret = random_return(load_form(form_id), random.Random(k), year=year, code=CODE, name=NAME)
    fault = k % 20
    if fault == 3:
        ret.values["t3.r1.natural"] = int(ret.values["t3.r1.natural"] or 0) + 2  # unbalanced
    elif fault == 8:
        ret.values["t3.r3_2.other"] = "无"
    elif fault == 13:
        ret.values["t4.cases.review_upheld"] = -1
    elif fault == 18:
        ret.values["t2.fees.fee_amount"] = Decimal("-0.5")
    return ret


def _resave_openpyxl(data: bytes) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bases(form_id: str = "gb2021", year: int = 2025) -> dict[str, list[bytes]]:
    """Each program's copy of each variant, still with the placeholder identity."""
    govxl = [render(_variant(form_id, year, k), generated=datetime(2026, 1, 5)) for k in
             range(VARIANTS)]  # fmt: skip
    out: dict[str, list[bytes]] = {"govxl": govxl, "openpyxl": [_resave_openpyxl(b) for b in govxl]}
    with tempfile.TemporaryDirectory() as tmp:
        src = []
        for k, data in enumerate(govxl):
            p = Path(tmp) / "src" / f"v{k:02d}.xlsx"
            p.parent.mkdir(exist_ok=True)
            p.write_bytes(data)
            src.append(p)
        for family, to in (("lo-xlsx", "xlsx"), ("ods", "ods"), ("xls", "xls")):
            done = convert(src, Path(tmp) / family, to)
            out[family] = [done[p].read_bytes() for p in src]
    return out


def made_out(base: bytes, family: str, code: str, name: str) -> bytes:
    """The copy of one unit: placeholders replaced in every XML part, or in place in a .xls."""
    if family == "xls":
        data = base
        for token, value in ((CODE, code), (NAME, name)):
            for enc in ("latin-1", "utf-16-le"):
                try:
                    data = data.replace(token.encode(enc), value.encode(enc))
                except UnicodeEncodeError:
                    continue
        return data
    src = zipfile.ZipFile(io.BytesIO(base))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith((".xml", ".rels")):
                for token, value in ((CODE, code), (NAME, name)):
                    body = body.replace(token.encode(), value.encode())
                    # openpyxl writes characters beyond ASCII as character references
                    body = body.replace(_refs(token), _refs(value))
            dst.writestr(info, body)
    return buf.getvalue()


def _refs(text: str) -> bytes:
    """``text`` as openpyxl spells it in XML: characters beyond ASCII as ``&#NNNNN;``."""
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in text).encode()


def make(n: int, folder: Path, made: dict[str, list[bytes]] | None = None) -> Path:
    """N returns in ``folder/inbox`` and ``folder/roster.csv``; returns the roster's path."""
    made = made or bases()
    inbox = folder / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    lines = ["单位代码,单位名称"]
    for i in range(n):
        code, name = code_name(i)
        family = CYCLE[i % len(CYCLE)]
        lines.append(f"{code},{name}")
        data = made_out(made[family][i % VARIANTS], family, code, name)
        (inbox / f"{code}-{name}{SUFFIX[family]}").write_bytes(data)
    roster = folder / "roster.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return roster


if __name__ == "__main__":
    make(int(sys.argv[1]), Path(sys.argv[2]))
