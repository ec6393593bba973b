"""A summary's 明细 sheet read back: the units it counts, each with its exact figures.

A roll-up one level up sums these rows (never the sub-totals), and last year's summary gives
each unit's figures for the continuity checks. Values are parsed like any input cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from govxl.check.findings import Finding
from govxl.check.read import inspect_file
from govxl.forms import Form
from govxl.forms.compute import Value, compute
from govxl.forms.layout import a1
from govxl.forms.returns import Member
from govxl.forms.workbook import (
    DETAIL_HEAD_ROWS,
    DETAIL_ID_ROW,
    SHEET_DETAIL,
    SHEET_STATUS,
    STATUS_COLUMNS,
)
from govxl.reader import read_workbook
from govxl.values import Kind, parse_value


@dataclass
class Contribution:
    """One unit's figures as they enter a summary."""

    member: Member
    values: dict[str, Value]
    findings: list[Finding] = field(default_factory=list)
    status: str = ""


def read_contributions(path: Path, form: Form, via: str) -> list[Contribution]:
    """The member rows of a summary's 明细 sheet (exact values, parsed like any input)."""
    wb = read_workbook(path, sheets=[SHEET_DETAIL])
    sheet = wb.sheets.get(SHEET_DETAIL)
    if sheet is None:
        return []
    ids: dict[int, str] = {}
    for col in range(0, sheet.max_col + 1):
        raw = sheet.cells.get(a1(DETAIL_ID_ROW, col))
        if raw is not None and isinstance(raw.value, str):
            ids[col] = raw.value
    kinds = {c.id: (Kind(c.type.value), c.unit) for c in form.inputs()}
    out = []
    for row in range(DETAIL_HEAD_ROWS, sheet.max_row + 1):
        fixed = {}
        values: dict[str, Value] = {}
        for col, key in ids.items():
            raw = sheet.cells.get(a1(row, col))
            v = raw.value if raw else None
            if key in kinds:
                kind, unit = kinds[key]
                parsed = parse_value(v, kind, unit=unit)
                values[key] = (
                    parsed.value
                    if parsed.value is not None
                    else (None if v in (None, "") else str(v))
                )
            else:
                fixed[key] = "" if v is None else str(v)
        if not fixed.get("code"):
            continue
        member = Member(
            fixed["code"],
            fixed.get("name", ""),
            fixed.get("sha256", ""),
            fixed.get("file", ""),
            fixed.get("via") or via,
        )
        out.append(Contribution(member, values))
    return out


@dataclass(frozen=True)
class Uncounted:
    """A unit a summary lists but does not count: 未汇总 (why) or 未报送."""

    code: str
    name: str
    state: str
    reason: str
    file: str


def read_uncounted(path: Path) -> list[Uncounted]:
    """The units a summary's 报送情况 lists as 未汇总 or 未报送: one level up, a city's summary
    says which districts are incomplete, and by whom."""
    sheet = read_workbook(path, sheets=[SHEET_STATUS]).sheets.get(SHEET_STATUS)
    if sheet is None:
        return []
    out = []
    for row in range(1, sheet.max_row + 1):
        cells = [sheet.cells.get(a1(row, col)) for col in range(len(STATUS_COLUMNS))]
        code, name, state, reason, file = (
            "" if c is None or c.value is None else str(c.value).strip() for c in cells
        )
        if code and state in ("未汇总", "未报送"):
            out.append(Uncounted(code, name, state, reason, file))
    return out


def read_detail(path: Path) -> dict[str, dict[str, Value]]:
    """Unit code → all values (inputs and totals), for last year's figures."""
    res = inspect_file(path)
    if res.ret is None:
        return {}
    form = res.ret.form
    return {
        c.member.code: compute(form, c.values)
        for c in read_contributions(path, form, via=res.ret.unit_code)
    }
