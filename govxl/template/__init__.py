"""Blank and personalised templates: the workbook each unit fills in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from govxl.fileio import atomic_write
from govxl.forms import Form
from govxl.forms.returns import Return
from govxl.forms.workbook import DEFAULT_MONEY_UNIT, MONEY_UNITS
from govxl.roster import Roster, safe_filename
from govxl.template.personalise import CODE_TOKEN, NAME_TOKEN, personalise
from govxl.template.writer import render


@dataclass(frozen=True)
class Written:
    path: Path
    unit_code: str
    unit_name: str


def money_unit_for(form: Form, unit: str | None) -> str:
    """The unit a template states for the money cells its form leaves open: the district's
    choice, 元 by default; "" for a form that fixes every unit."""
    if not form.open_unit_cells():
        return ""
    if unit is not None and unit not in MONEY_UNITS:
        raise ValueError(f"金额单位只能是{'或'.join(MONEY_UNITS)}，不能是“{unit}”")
    return unit or DEFAULT_MONEY_UNIT


def write_template(
    form: Form,
    out: Path,
    *,
    year: int | None = None,
    unit_code: str = "",
    unit_name: str = "",
    generated: datetime | None = None,
    money_unit: str | None = None,
) -> Written:
    """Write one template: blank, or personalised when a unit is given."""
    ret = Return(form, year=year, unit_code=unit_code, unit_name=unit_name)
    ret.money_unit = money_unit_for(form, money_unit)
    data = render(ret, generated=generated)
    atomic_write(out, data)
    return Written(out, unit_code, unit_name)


def write_roster_templates(
    form: Form,
    roster: Roster,
    outdir: Path,
    *,
    year: int,
    generated: datetime | None = None,
    money_unit: str | None = None,
) -> list[Written]:
    """One personalised workbook per roster unit, named ``<单位代码>-<单位名称>.xlsx``."""
    generated = generated or datetime.now().replace(microsecond=0)
    # Render once with placeholders, then patch each unit in: the same bytes as a full render.
    ret = Return(form, year=year, unit_code=CODE_TOKEN, unit_name=NAME_TOKEN)
    ret.money_unit = money_unit_for(form, money_unit)
    base = render(ret, generated=generated)
    written = []
    for unit in roster.units:
        out = outdir / safe_filename(unit.code, unit.name)
        atomic_write(out, personalise(base, unit.code, unit.name))
        written.append(Written(out, unit.code, unit.name))
    return written
