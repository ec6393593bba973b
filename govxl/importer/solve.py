"""Which figure is in which column, when the source lost the cell boundaries.

A row's figures are placed by position when there are exactly as many as the row has cells.
When there are fewer — a crawler ran the cells together (``640020470`` for seven columns), or
a copy dropped its empty cells — every reading is enumerated: each run of digits split without
leading zeros, empty cells put anywhere. The form's own rules then decide: a reading survives
when no rule instance it can be checked against fails (``govxl.forms.compute.run``), first the
rules within the row (its 总计), then, across the rows still open, the column rules. A cell is
placed only when every surviving reading gives it the same figure from the same place in the
source; otherwise nothing is placed there and the reason is kept.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from govxl.forms import Form, Instance, expr
from govxl.forms.compute import Value, is_number, run
from govxl.importer.tokens import Token
from govxl.values import Kind, parse_value

MAX_READINGS = 20_000
"""Beyond this many readings of one row the figures are left unplaced."""
MAX_STEPS = 30_000
"""Steps of one search of linked rows before it gives up (a second or two)."""


@dataclass(frozen=True)
class Piece:
    """Source text placed in one cell: a whole token or a part of a run of digits."""

    text: str
    start: int
    end: int
    token: Token

    @property
    def empty(self) -> bool:
        return self.token.kind == "blank" or self.token.dash


Reading = tuple[Piece | None, ...]
"""One figure (or None: an empty cell the source did not draw) per cell of the row."""


def piece(tok: Token) -> Piece:
    return Piece(tok.text, tok.start, tok.end, tok)


def readings(slots: list[Token], n: int) -> list[Reading] | None:
    """The ways ``slots`` can fill ``n`` cells; None when there are too many to try."""
    s = trim(slots, n)
    if len(s) == n:
        return [tuple(map(piece, s))]
    if len(s) > n:
        filled = [t for t in s if t.kind != "blank"]
        return [tuple(map(piece, filled))] if len(filled) == n else []
    out: list[Reading] = []
    for r in _expand(s, n):
        out.append(r)
        if len(out) > MAX_READINGS:
            return None
    return out


def trim(slots: list[Token], n: int) -> list[Token]:
    """Empty cells beyond ``n``, at the end and then at the start: what merged cells leave."""
    out = list(slots)
    while len(out) > n and out[-1].kind == "blank":
        out.pop()
    while len(out) > n and out[0].kind == "blank":
        out.pop(0)
    return out


_RUN = re.compile(r"[+-]?[0-9]{2,}(?:\.[0-9]+)?")


def _splittable(t: Token) -> bool:
    """Digits glued to a label or another figure: cells a crawler ran together."""
    return t.kind == "value" and t.glued and _RUN.fullmatch(t.text) is not None


def _expand(s: list[Token], n: int) -> Iterator[Reading]:
    missing = n - len(s)
    runs = [i for i, t in enumerate(s) if _splittable(t)]
    for extra in _compositions(missing, len(runs) + 1):
        blanks = extra[-1]
        if blanks and any(t.glued for t in s):
            continue  # cells ran together: none was left out, they are in the digits
        parts = dict(zip(runs, extra, strict=False))
        per_slot = [
            _splits(t, parts.get(i, 0) + 1) if parts.get(i) else [(piece(t),)]
            for i, t in enumerate(s)
        ]
        for combo in itertools.product(*per_slot):
            filled: list[Piece | None] = [p for group in combo for p in group]
            for where in itertools.combinations(range(n), blanks):
                yield _with_blanks(filled, where, n)


def _with_blanks(filled: list[Piece | None], where: tuple[int, ...], n: int) -> Reading:
    it = iter(filled)
    return tuple(None if k in where else next(it) for k in range(n))


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def _splits(t: Token, k: int) -> list[tuple[Piece, ...]]:
    """``t``'s digits cut into ``k`` figures, none with a leading zero."""
    digits = t.text
    out: list[tuple[Piece, ...]] = []
    first = 2 if digits[0] in "+-" else 1  # a sign stays with the first figure
    whole = digits.find(".") if "." in digits else len(digits)  # decimals stay with the last
    for cuts in itertools.combinations(range(first, whole), k - 1):
        bounds = (0, *cuts, len(digits))
        texts = [digits[a:b] for a, b in itertools.pairwise(bounds)]
        if any(_leading_zero(x) for x in texts):
            continue
        out.append(
            tuple(
                Piece(x, t.start + a, t.start + b, t)
                for x, (a, b) in zip(texts, itertools.pairwise(bounds), strict=True)
            )
        )
    return out


def number(form: Form, cell_id: str, p: Piece | None) -> Value:
    """A piece as a number for the arithmetic: an empty cell counts 0, as SUM counts it."""
    if p is None or p.empty:
        return 0
    if p.text.isascii() and p.text.isdigit():
        return int(p.text)  # the common case, thousands of times for run-together digits
    cell = form.cells[cell_id]
    parsed = parse_value(without_note(p.text), Kind(cell.type.value), unit=cell.unit)
    return parsed.value if parsed.ok and isinstance(parsed.value, int | Decimal) else None


def without_note(text: str) -> str:
    """A figure without the note a cell may add (“22（其中修订16件）”)."""
    for bracket in ("（", "("):
        if bracket in text and text[0] != bracket:
            return text.split(bracket, 1)[0]
    return text


def fits(inst: Instance, values: Mapping[str, Value], cells: set[str] | None = None) -> bool | None:
    """Does the instance hold for these values? None when a cell it reads is unknown."""
    needed = set(inst.refs) | ({inst.target} if inst.target else set())
    if any(c.startswith("prev.") for c in needed):
        return None
    if not all(values.get(c) is not None for c in needed):
        return None
    if cells is not None and not needed & cells:
        return None
    status = run(inst, values).status
    if status == "blank" and all(is_number(values.get(c)) for c in needed):
        return _printed(inst, values)
    return None if status in ("blank", "text") else status == "pass"


def _printed(inst: Instance, values: Mapping[str, Value]) -> bool:
    """The rule on the figures as printed, when the parts behind a printed total are not all
    known (``run`` waits for every input under a total; a report prints the totals)."""

    def lookup(ref: expr.Ref) -> int | Decimal | None:
        v = values.get(ref.cell)
        return v if isinstance(v, int | Decimal) else None

    if inst.target is not None:
        return lookup(expr.Ref(inst.target)) == expr.evaluate(inst.node, lookup)
    return bool(expr.evaluate(inst.node, lookup))


def row_values(form: Form, cells: tuple[str, ...], r: Reading) -> dict[str, Value]:
    return {c: number(form, c, p) for c, p in zip(cells, r, strict=True)}


def within_row(form: Form, cells: tuple[str, ...], options: list[Reading]) -> list[Reading]:
    """Readings whose figures their cells can hold and that break no rule made of this row's
    cells alone (its 总计)."""
    own = set(cells)
    rules = [i for i in form.instances if not i.uses_prev and cells_of(i) <= own]
    out = []
    for r in options:
        values = row_values(form, cells, r)
        if any(values[c] is None for c, p in zip(cells, r, strict=True) if p is not None):
            continue  # a figure this cell cannot hold (a sign in a count, a fraction)
        if all(fits(i, values) is not False for i in rules):
            out.append(r)
    return out


def cells_of(inst: Instance) -> set[str]:
    return set(inst.refs) | ({inst.target} if inst.target else set())


@dataclass
class Open:
    """A row whose figures have more than one reading left."""

    key: tuple[str, str]
    cells: tuple[str, ...]
    options: list[Reading]


def across_rows(form: Form, rows: list[Open], known: dict[str, Value]) -> dict[int, set[int]]:
    """For each open row, the readings that are part of some reading of all open rows that
    breaks no rule. Rows no rule links are searched apart; each rule is checked once the last
    open row it reads is chosen; a search gives up (keeping every reading) past ``MAX_STEPS``."""
    cell_row = {c: k for k, r in enumerate(rows) for c in r.cells}
    links: list[tuple[Instance, set[int]]] = []
    for inst in form.instances:
        involved = {cell_row[c] for c in cells_of(inst) if c in cell_row}
        if involved and not inst.uses_prev:
            links.append((inst, involved))
    feasible: dict[int, set[int]] = {}
    for group in _components(len(rows), [rs for _, rs in links]):
        group.sort(key=lambda k: len(rows[k].options))  # the most certain rows first
        rules = [(i, rs) for i, rs in links if rs <= set(group)]
        feasible.update(_search(form, [rows[k] for k in group], group, rules, known))
    return feasible


def _components(n: int, links: list[set[int]]) -> list[list[int]]:
    parent = list(range(n))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for rs in links:
        first, *rest = sorted(rs)
        for k in rest:
            parent[root(k)] = root(first)
    groups: dict[int, list[int]] = {}
    for k in range(n):
        groups.setdefault(root(k), []).append(k)
    return list(groups.values())


def _search(
    form: Form,
    rows: list[Open],
    index: list[int],
    rules: list[tuple[Instance, set[int]]],
    known: dict[str, Value],
) -> dict[int, set[int]]:
    if not rules:
        return {k: set(range(len(r.options))) for k, r in zip(index, rows, strict=True)}
    at = {k: pos for pos, k in enumerate(index)}
    due: dict[int, list[Instance]] = {}
    for inst, involved in rules:
        due.setdefault(max(at[k] for k in involved), []).append(inst)
    options = [[row_values(form, r.cells, o) for o in r.options] for r in rows]
    feasible: list[set[int]] = [set() for _ in rows]
    chosen: list[int] = []
    values = dict(known)
    steps = 0
    bounds = _Bounds(rows, options, known, [i for i, _ in rules if i.target])

    def search(k: int) -> None:
        nonlocal steps
        if k == len(rows):
            for pos, option in enumerate(chosen):
                feasible[pos].add(option)
            return
        for j, vals in enumerate(options[k]):
            steps += 1
            if steps > MAX_STEPS:
                return
            values.update(vals)
            if all(fits(i, values) is not False for i in due.get(k, ())) and bounds.hold(k, vals):
                chosen.append(j)
                search(k + 1)
                chosen.pop()

    search(0)
    if steps > MAX_STEPS:
        return {k: set(range(len(r.options))) for k, r in zip(index, rows, strict=True)}
    return dict(zip(index, feasible, strict=True))


class _Bounds:
    """Prunes the search early: a total must lie between the least and the most its parts can
    still add up to, given the rows chosen so far and the readings left for the others (every
    ``define`` rule is a sum, as ``compute`` adds it). The full check stays ``fits``."""

    def __init__(
        self,
        rows: list[Open],
        options: list[list[dict[str, Value]]],
        known: dict[str, Value],
        sums: list[Instance],
    ) -> None:
        self.sums = sums
        self.exact: dict[str, int | Decimal] = {
            c: v for c, v in known.items() if isinstance(v, int | Decimal)
        }
        self.span: dict[str, tuple[int | Decimal, int | Decimal]] = {}
        self.row_of: dict[str, int] = {}
        for k, (row, opts) in enumerate(zip(rows, options, strict=True)):
            for c in row.cells:
                self.row_of[c] = k
                seen = [v for o in opts if isinstance(v := o[c], int | Decimal)]
                if len(seen) == len(opts):
                    self.span[c] = (min(seen), max(seen))

    def hold(self, k: int, vals: dict[str, Value]) -> bool:
        for c, v in vals.items():
            if isinstance(v, int | Decimal):
                self.exact[c] = v
            else:
                self.exact.pop(c, None)
        for inst in self.sums:
            target = self._range(inst.target or "", k)
            parts = [self._range(r, k) for r in inst.refs]
            if target is None or any(p is None for p in parts):
                continue
            lo = sum(p[0] for p in parts if p is not None)
            hi = sum(p[1] for p in parts if p is not None)
            if hi < target[0] or lo > target[1]:
                return False
        return True

    def _range(self, cell: str, k: int) -> tuple[int | Decimal, int | Decimal] | None:
        row = self.row_of.get(cell)
        if row is not None and row > k:
            return self.span.get(cell)
        if cell in self.exact:
            return self.exact[cell], self.exact[cell]
        return None


def agreed(cells: tuple[str, ...], options: list[Reading]) -> dict[str, Piece | None]:
    """The cells on which every reading agrees, with what they hold."""
    out: dict[str, Piece | None] = {}
    for k, c in enumerate(cells):
        seen = {(p.text, p.start) if p else None for p in (o[k] for o in options)}
        if len(seen) == 1:
            out[c] = options[0][k]
    return out


def _leading_zero(text: str) -> bool:
    digits = text.lstrip("+-")
    return len(digits) > 1 and digits[0] == "0" and not digits.startswith("0.")
