"""The live formulas of a workbook, each beside its Python twin.

The Excel text and the Python value of every computed cell, check cell, input-cell mark and status
line come from the same form definition and the same AST; the LibreOffice differential test
recalculates the Excel side and compares it with the Python side and with ``govxl collect``'s
verdict on the same file.

Every input cell has its mark, 1 or 0 (text, a number its type does not allow, a date Excel made
of what was typed), in a cell of the very hidden marks sheet: a cell's format can only be tested
one cell at a time (CELL("format")), so the status line and the checks add up the marks.
Formulas use only functions Excel 2007, WPS and LibreOffice share: COUNTBLANK, COUNTIF, ISNUMBER,
INT, CELL, ASC, MATCH on an array constant, SUMPRODUCT.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Set

from govxl.forms import Form, Instance, expr
from govxl.forms.compute import (
    CHECK_EXPLAINED,
    CHECK_FAIL,
    CHECK_NOTE,
    CHECK_OK,
    CHECK_WAIT,
    CHECK_WARN,
    Value,
    classify,
    display,
    failure_text,
)
from govxl.forms.layout import STATUS_ROW, SheetLayout, a1, a1_range
from govxl.forms.model import CellType, Severity
from govxl.forms.notes import instance_keys, key_formula
from govxl.forms.workbook import (
    NOTE_FIRST_ROW,
    NOTE_ROWS,
    SHEET_INFO,
    SHEET_MARKS,
    SHEET_NOTES,
    info_cell,
)

Rect = tuple[int, int, int, int]
"""First row, first column, last row, last column (0-based)."""


def _rects(places: list[tuple[int, int]]) -> list[Rect]:
    """Cover the cells with few rectangles: horizontal runs, stacked when they line up."""
    runs: list[list[int]] = []  # [first_row, last_row, first_col, last_col]
    for r, c in sorted(set(places)):
        last = runs[-1] if runs else None
        if last and last[1] == r and last[3] == c - 1:
            last[3] = c
        else:
            runs.append([r, r, c, c])
    rects: list[list[int]] = []
    for r0, r1, c0, c1 in runs:
        above = next((x for x in rects if x[1] == r0 - 1 and (x[2], x[3]) == (c0, c1)), None)
        if above:
            above[1] = r1
        else:
            rects.append([r0, r1, c0, c1])
    return [(r0, c0, r1, c1) for r0, r1, c0, c1 in rects]


def _runs(places: list[tuple[int, int]]) -> list[str]:
    return [a1_range(*rect) for rect in _rects(places)]


rects = _rects


def sheet_ref(name: str) -> str:
    """A sheet's name as a formula writes it: quoted only when it must be (LibreOffice drops
    quotes it does not need when it saves, and the tamper check compares formulas)."""
    return name if re.fullmatch(r"[^\W\d]\w*", name) else "'" + name.replace("'", "''") + "'"


def sum_args(lay: SheetLayout, cell_ids: tuple[str, ...]) -> str:
    return ",".join(_runs([lay.cells[c] for c in cell_ids]))


def define_formula(inst: Instance, lay: SheetLayout) -> str:
    """``=SUM(...)`` of a computed cell."""
    return "=" + expr.to_excel(inst.node, lay.a1, lambda ids: sum_args(lay, ids))


# ---------------------------------------------------------------- input cells (R5)


Run = tuple[CellType, str, int]
"""A rectangle of input cells of one type: the type, its A1 range and how many cells."""


def _typed_runs(form: Form, lay: SheetLayout, ids: Iterable[str]) -> list[Run]:
    by_type: dict[CellType, list[tuple[int, int]]] = {}
    for cid in ids:
        by_type.setdefault(form.cells[cid].type, []).append(lay.cells[cid])
    return [
        (t, a1_range(*rect), (rect[2] - rect[0] + 1) * (rect[3] - rect[1] + 1))
        for t, places in by_type.items()
        for rect in _rects(places)
    ]


def _num(x: object) -> str:
    return format(x, "f") if not isinstance(x, int) else str(x)


def blank_count(runs: list[Run]) -> str:
    return "+".join(f"COUNTBLANK({r})" for _, r, _ in runs) or "0"


def mark_expression(ctype: CellType, cell: str) -> str:
    """True when the cell is not blank and not a number its type allows, or is a number Excel
    shows as a date or time (``1-2`` typed into a count becomes 2 January): the per-cell twin
    of R5 and of govxl's reading (CELL("format") starts with D for dates and times)."""
    lo, hi = (_num(b) for b in ctype.bounds)
    tests = [f"{cell}<{lo}", f"{cell}>{hi}"] + ([f"INT({cell})<>{cell}"] if ctype.whole else [])
    tests.append(f'LEFT(CELL("format",{cell}),1)="D"')
    return f"IF(ISNUMBER({cell}),OR({','.join(tests)}),COUNTBLANK({cell})=0)"


def cell_mark_formula(ctype: CellType, cell: str) -> str:
    """The conditional format that marks one input cell red."""
    return "=" + mark_expression(ctype, cell)


def helper_formula(ctype: CellType, cell: str) -> str:
    """The hidden helper beside an input: its mark as 1 or 0, for the sums below."""
    return f"=IF({mark_expression(ctype, cell)},1,0)"


def cell_marked(v: object, ctype: CellType) -> bool:
    return classify(v, ctype) in ("text", "bad")


# ---------------------------------------------------------------- check cells


def explained_formula(form: Form, inst: Instance, year: int | None) -> str:
    """True when a 说明 row with a reason names the check (see :mod:`govxl.forms.notes`)."""
    first, last = NOTE_FIRST_ROW, NOTE_FIRST_ROW + NOTE_ROWS - 1
    sheet = sheet_ref(SHEET_NOTES)
    refs = f"{sheet}!{a1(first, 1, True)}:{a1(last, 1, True)}"
    why = f"{sheet}!{a1(first, 2, True)}:{a1(last, 2, True)}"
    keys = ",".join(f'"{k}"' for k in instance_keys(form, inst, year))
    return f"SUMPRODUCT((LEN(TRIM({why}))>0)*ISNUMBER(MATCH({key_formula(refs)},{{{keys}}},0)))>0"


def marked_sum(lay: SheetLayout, ids: Iterable[str]) -> str:
    """How many of these inputs are marked: the sum of their marks."""
    sheet = sheet_ref(SHEET_MARKS)
    return "SUM(" + ",".join(f"{sheet}!{r}" for r in _runs([lay.helpers[c] for c in ids])) + ")"


def check_formula(form: Form, inst: Instance, lay: SheetLayout, year: int | None) -> str:
    """A check cell: blank until filled, then √, or the failure marked by its severity."""
    runs = _typed_runs(form, lay, inst.operands)
    cond = expr.to_excel(inst.node, lay.a1, lambda ids: sum_args(lay, ids))
    fail = f'"{failure_text(inst)}"'
    if inst.rule.severity is Severity.WARNING:
        fail = f'IF({explained_formula(form, inst, year)},"{CHECK_EXPLAINED}",{fail})'
    return (
        f'=IF({blank_count(runs)}>0,"",IF({marked_sum(lay, inst.operands)}>0,"{CHECK_WAIT}",'
        f'IF({cond},"{CHECK_OK}",{fail})))'
    )


# ---------------------------------------------------------------- the status line


def _input_ids(form: Form, lay: SheetLayout) -> list[str]:
    return [c.id for c in form.table_cells(lay.table.id) if not c.computed]


def _count_checks(lay: SheetLayout, prefix: str) -> str:
    return "+".join(f'COUNTIF({r},"{prefix}*")' for r in _runs(list(lay.checks.values()))) or "0"


def status_text(errors: int, blanks: int, warnings: int, notes: int) -> str:
    """The status line for these counts (the Python side of :func:`status_formula`)."""
    if errors:
        more = f"；另有{blanks}格未填写" if blanks else ""
        return f"{CHECK_FAIL} 本表有{errors}处未通过，请修改标红的单元格{more}"
    if blanks:
        return f"{CHECK_FAIL} 尚有{blanks}格未填写（没有的请填 0）"
    if warnings:
        return f"{CHECK_WARN} 本表有{warnings}处需核实：请核实并在“说明”表中写明原因"
    if notes:
        return f"{CHECK_OK} 本表校验通过（另有{notes}条提示，请留意）"
    return f"{CHECK_OK} 本表校验通过"


def status_formula(form: Form, lay: SheetLayout) -> str:
    """The status line above a table: 强制, then blanks, then 核实, then 提示, then passed."""
    runs = _typed_runs(form, lay, _input_ids(form, lay))
    errors = f"{marked_sum(lay, _input_ids(form, lay))}+{_count_checks(lay, CHECK_FAIL)}"
    blanks = blank_count(runs)
    warnings = _count_checks(lay, CHECK_WARN)
    notes = _count_checks(lay, CHECK_NOTE)
    return (
        f'=IF(({errors})>0,"{CHECK_FAIL} 本表有"&({errors})&"处未通过，请修改标红的单元格"'
        f'&IF(({blanks})>0,"；另有"&({blanks})&"格未填写",""),'
        f'IF(({blanks})>0,"{CHECK_FAIL} 尚有"&({blanks})&"格未填写（没有的请填 0）",'
        f'IF(({warnings})>0,"{CHECK_WARN} 本表有"&({warnings})&"处需核实：请核实并在“说明”表中'
        f'写明原因",IF(({notes})>0,"{CHECK_OK} 本表校验通过（另有"&({notes})&"条提示，请留意）",'
        f'"{CHECK_OK} 本表校验通过"))))'
    )


def check_values(
    form: Form, lay: SheetLayout, values: Mapping[str, Value], noted: Set[str], year: int | None
) -> dict[str, str]:
    """What each check cell of the sheet shows (``values`` as read, totals computed)."""
    by_key = {i.key: i for i in form.instances}
    out = {}
    for key in lay.checks:
        inst = by_key[key]
        explained = bool(noted & set(instance_keys(form, inst, year)))
        out[key] = display(form, inst, values, explained)
    return out


def status_value(
    form: Form,
    lay: SheetLayout,
    values: Mapping[str, Value],
    noted: Set[str] = frozenset(),
    year: int | None = None,
    raw: Mapping[str, object] | None = None,
) -> str:
    """The status line's text for these values; ``raw`` (the cells as typed) decides which
    inputs are marked, ``values`` (as read, totals computed) what the checks show."""
    raw = values if raw is None else raw
    shown = check_values(form, lay, values, noted, year).values()
    kinds = [classify(raw.get(cid), form.cells[cid].type) for cid in _input_ids(form, lay)]
    errors = sum(k in ("text", "bad") for k in kinds)
    errors += sum(s.startswith(CHECK_FAIL) for s in shown)
    return status_text(
        errors,
        kinds.count("blank"),
        sum(s.startswith(CHECK_WARN) for s in shown),
        sum(s.startswith(CHECK_NOTE) for s in shown),
    )


# ---------------------------------------------------------------- 基本信息


STATUS_ALL_OK = f"{CHECK_OK} 全部表格校验通过"
STATUS_ALL_NOTES = f"{CHECK_OK} 全部表格校验通过（有提示，请留意）"
STATUS_ALL_WARN = f"{CHECK_WARN} 请核实：各表标黄的数字核实无误的，请在“说明”表中写明原因"
STATUS_ALL_FAIL = f"{CHECK_FAIL} 未通过：请按各表第 1 行的提示填写、修改标红的单元格"


def overall_formula(sheets: list[str]) -> str:
    cells = [f"{sheet_ref(s)}!{a1(STATUS_ROW, 0)}" for s in sheets]
    fail = ",".join(f'LEFT({c},1)="{CHECK_FAIL}"' for c in cells)
    warn = ",".join(f'LEFT({c},1)="{CHECK_WARN}"' for c in cells)
    notes = ",".join(f'ISNUMBER(FIND("提示",{c}))' for c in cells)
    return (
        f'=IF(OR({fail}),"{STATUS_ALL_FAIL}",IF(OR({warn}),"{STATUS_ALL_WARN}",'
        f'IF(OR({notes}),"{STATUS_ALL_NOTES}","{STATUS_ALL_OK}")))'
    )


def overall_value(statuses: list[str]) -> str:
    if any(s.startswith(CHECK_FAIL) for s in statuses):
        return STATUS_ALL_FAIL
    if any(s.startswith(CHECK_WARN) for s in statuses):
        return STATUS_ALL_WARN
    if any("提示" in s for s in statuses):
        return STATUS_ALL_NOTES
    return STATUS_ALL_OK


# ---------------------------------------------------------------- input rectangles, 填报单位 line


def input_rects(form: Form, lay: SheetLayout) -> list[tuple[CellType, Rect]]:
    """The sheet's input cells as rectangles of one type each (for their conditional marks)."""
    by_type: dict[CellType, list[tuple[int, int]]] = {}
    for cid in _input_ids(form, lay):
        by_type.setdefault(form.cells[cid].type, []).append(lay.cells[cid])
    return [(t, rect) for t, places in by_type.items() for rect in _rects(places)]


SIGN_BLANKS = {
    "unit_name": "＿＿＿＿＿＿＿＿",
    "contact": "＿＿＿＿",
    "phone": "＿＿＿＿＿＿",
    "signed": "＿＿＿＿年＿＿月＿＿日",
}
SIGN_LABELS = {
    "unit_name": "填报单位",
    "contact": "填报人",
    "phone": "联系电话",
    "signed": "填报日期",
}
SIGN_GAP = "　　"


def sign_formula(note: str = "", narrow: bool = False) -> str:
    """填报单位、填报人、联系电话、填报日期 from 基本信息, blanks to write on when empty; a date
    as 2026年1月15日 whatever the locale (YEAR, MONTH, DAY: not TEXT's local codes). On a narrow
    table the unit has a line of its own."""
    parts: list[str] = []
    for key, label in SIGN_LABELS.items():
        cell = f"{sheet_ref(SHEET_INFO)}!{a1(*info_cell(key), True)}"
        blank = f'IF({cell}="","{SIGN_BLANKS[key]}",{cell}&"")'
        if key == "signed":
            blank = (
                f'IF(ISNUMBER({cell}),YEAR({cell})&"年"&MONTH({cell})&"月"&DAY({cell})&"日",'
                f"{blank})"
            )
        gap = "" if not parts else ('"&CHAR(10)&"' if narrow and len(parts) == 1 else SIGN_GAP)
        parts.append(f'"{gap}{label}："&{blank}')
    tail = (f'&CHAR(10)&"（{note}）"' if narrow else f'&"{SIGN_GAP}（{note}）"') if note else ""
    return "=" + "&".join(parts) + tail


def sign_value(
    unit: str, contact: str, phone: str, signed: str, note: str = "", narrow: bool = False
) -> str:
    shown = {"unit_name": unit, "contact": contact, "phone": phone, "signed": signed}
    parts = [f"{label}：{shown[key] or SIGN_BLANKS[key]}" for key, label in SIGN_LABELS.items()]
    head = parts[0] + ("\n" if narrow else SIGN_GAP)
    tail = (f"\n（{note}）" if narrow else f"{SIGN_GAP}（{note}）") if note else ""
    return head + SIGN_GAP.join(parts[1:]) + tail
