"""Python evaluation of a form's computed cells and checks, mirroring the live formulas.

The template's formulas and these functions implement the same semantics, so that what the clerk
sees in Excel/WPS/LibreOffice is what ``govxl collect`` reports:

* a computed cell is ``SUM`` of its parts: blank and non-numeric parts are skipped;
* an input cell is usable when it holds a number its type allows (``CellType.bounds``, whole
  numbers for counts): anything else is marked red in the workbook and is 强制 in govxl;
* a check cell shows nothing while any cell it reads is blank, ``先改正标红的数字`` while one
  is not usable, else ``√`` or the failure marked by its severity: ``×`` 强制, ``△`` 核实
  (``√ 已说明`` once the 说明 sheet explains it), ``提示：`` 提示.

The marks are characters of GB 2312 (√ U+221A, × U+00D7, △ U+25B3), so 宋体 (SimSun) and the
Noto CJK fonts both have them; ✓ and ✗ are in neither SimSun nor (✗) Noto CJK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from govxl.forms import expr
from govxl.forms.model import CellType, Form, Instance, Severity

Value = int | Decimal | str | None
"""A cell value as read: a number, ``None`` for blank, or text that is not a number."""

CHECK_OK = "√"
CHECK_FAIL = "×"
CHECK_WARN = "△"
CHECK_NOTE = "提示："
CHECK_WAIT = "先改正标红的数字"
CHECK_EXPLAINED = f"{CHECK_OK} 已说明"
MARKS = {
    Severity.ERROR: CHECK_FAIL + " ",
    Severity.WARNING: CHECK_WARN + " ",
    Severity.INFO: CHECK_NOTE,
}
"""How a failed check starts, by severity: the status line counts the check cells by it."""


def failure_text(inst: Instance) -> str:
    return MARKS[inst.rule.severity] + (inst.rule.short or inst.rule.title)


def is_number(v: Value) -> bool:
    return isinstance(v, int | Decimal) and not isinstance(v, bool)


def classify(v: object, ctype: CellType) -> str:
    """One input cell as the workbook sees it: ``blank`` (COUNTBLANK counts it), ``text``
    (anything that is not a number: COUNT skips it), ``bad`` (a number its type does not allow)
    or ``ok``."""
    if v is None or v == "":
        return "blank"
    if type(v) is bool or not isinstance(v, int | float | Decimal):
        return "text"
    lo, hi = ctype.bounds
    if not lo <= v <= hi or (ctype.whole and v != int(v)):
        return "bad"
    return "ok"


def as_read(form: Form, raw: Mapping[str, object]) -> dict[str, Value]:
    """Input values as govxl reads them from a workbook holding ``raw``: a number its type does
    not allow, like any text, is kept as text (the reader reports it; no rule uses it)."""
    out: dict[str, Value] = {}
    for cid, cell in form.cells.items():
        if cell.computed:
            continue
        v = raw.get(cid)
        kind = classify(v, cell.type)
        if kind == "blank":
            out[cid] = None
        elif kind == "ok":
            assert isinstance(v, int | float | Decimal)
            out[cid] = _number(v, cell.type)
        else:
            out[cid] = v if isinstance(v, str) else str(v)
    return out


def _number(v: int | float | Decimal, ctype: CellType) -> int | Decimal:
    if ctype.whole:
        return int(v)
    return Decimal(format(v, ".15g")) if isinstance(v, float) else Decimal(v)


def _order(form: Form) -> list[tuple[str, tuple[str, ...]]]:
    """Computed cells in an order where every part comes before its total (once per form)."""

    def build() -> list[tuple[str, tuple[str, ...]]]:
        known = {c.id for c in form.inputs()}
        pending = [i for i in form.instances if i.target]
        order = []
        while pending:
            rest = [i for i in pending if not all(r in known for r in i.refs)]
            for inst in pending:
                if inst not in rest:
                    order.append((inst.target or "", inst.refs))
                    known.add(inst.target or "")
            if len(rest) == len(pending):
                raise ValueError("computed cells depend on each other")
            pending = rest
        return order

    return form._memo("compute_order", build)


def compute(form: Form, inputs: Mapping[str, Value]) -> dict[str, Value]:
    """All cell values: the inputs as given, and every computed cell as its SUM."""
    values: dict[str, Value] = {cid: inputs.get(cid) for cid in form.input_index()}
    for target, refs in _order(form):
        total: int | Decimal = 0
        for r in refs:
            v = values[r]
            if type(v) is int or type(v) is Decimal:
                total += v
            elif type(v) is float:
                total += Decimal(format(v, ".15g"))
        values[target] = total
    return values


@dataclass(frozen=True)
class Outcome:
    status: str
    """``pass``, ``fail``, ``blank`` (a cell it reads is empty), ``text`` (not a number)."""
    lhs: int | Decimal | None = None
    rhs: int | Decimal | None = None
    """The two sides: of a computed cell (reported and summed) always, of a check when it
    fails (what its message shows)."""


def run(
    inst: Instance, values: Mapping[str, Value], previous: Mapping[str, Value] | None = None
) -> Outcome:
    """Evaluate one check (or the reported value of a computed cell) on one return."""

    def lookup(ref: expr.Ref) -> Value:
        source = previous if ref.prev else values
        return None if source is None else source.get(ref.cell)

    this_year, last_year = _operand_ids(inst)
    operands = list(map(values.get, this_year))  # C-level: collect runs this per return
    if last_year:
        operands.extend(previous.get(c) if previous is not None else None for c in last_year)
    if inst.target is not None:
        operands.append(values.get(inst.target))
    if not set(map(type, operands)) <= _NUMBER_TYPES:
        if any(v is None or v == "" for v in operands):
            return Outcome("blank")
        if not all(is_number(v) for v in operands):
            return Outcome("text")

    def num(ref: expr.Ref) -> int | Decimal | None:
        v = lookup(ref)
        return v if is_number(v) else None  # type: ignore[return-value]

    if inst.target is not None:
        reported, summed = num(expr.Ref(inst.target)), expr.evaluate(inst.node, num)
        return Outcome("pass" if reported == summed else "fail", reported, summed)
    if expr.evaluate(inst.node, num):
        return _PASS  # the sides are only for a failing check's message: most checks pass
    sides = expr.sides(inst.node)
    if not sides:
        return Outcome("fail")
    return Outcome("fail", expr.evaluate(sides[0], num), expr.evaluate(sides[1], num))


_PASS = Outcome("pass")
_NUMBER_TYPES = frozenset((int, Decimal))


def _operand_ids(inst: Instance) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The operand cells read from this year's and from last year's values, kept on the
    (immutable) instance after the first use."""
    hit = inst.__dict__.get("_operand_ids")
    if hit is None:
        refs = [_ref(r) for r in (inst.operands or inst.refs)]
        hit = inst.__dict__["_operand_ids"] = (
            tuple(r.cell for r in refs if not r.prev),
            tuple(r.cell for r in refs if r.prev),
        )
    return hit


def _ref(text: str) -> expr.Ref:
    return expr.Ref(text[5:], True) if text.startswith("prev.") else expr.Ref(text)


def display(
    form: Form, inst: Instance, values: Mapping[str, Value], explained: bool = False
) -> str:
    """What the live check cell shows for these values (``values`` as :func:`as_read` gives
    them, totals computed): the twin of :func:`govxl.forms.formulas.check_formula`."""
    kinds = [classify(values.get(c), form.cells[c].type) for c in inst.operands]
    if "blank" in kinds:
        return ""
    if any(k != "ok" for k in kinds):
        return CHECK_WAIT
    if run(inst, values).status == "pass":
        return CHECK_OK
    if explained and inst.rule.severity is Severity.WARNING:
        return CHECK_EXPLAINED
    return failure_text(inst)
