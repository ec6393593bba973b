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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from govxl.forms import Form, Instance
from govxl.forms.compute import Value, run
from govxl.importer.tokens import Token
from govxl.values import Kind, parse_value

MAX_READINGS = 20_000
"""Beyond this many readings of one row the figures are left unplaced."""
MAX_STEPS = 200_000


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
    s = _trim(slots, n)
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


def _trim(slots: list[Token], n: int) -> list[Token]:
    """Empty cells beyond ``n``, at the end and then at the start: what merged cells leave."""
    out = list(slots)
    while len(out) > n and out[-1].kind == "blank":
        out.pop()
    while len(out) > n and out[0].kind == "blank":
        out.pop(0)
    return out


def _splittable(t: Token) -> bool:
    return t.kind == "value" and t.text.isascii() and t.text.isdigit() and len(t.text) > 1


def _expand(s: list[Token], n: int) -> Iterator[Reading]:
    missing = n - len(s)
    runs = [i for i, t in enumerate(s) if _splittable(t)]
    for extra in _compositions(missing, len(runs) + 1):
        blanks = extra[-1]
        parts = {i: e for i, e in zip(runs, extra, strict=False)}
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
    for cuts in itertools.combinations(range(1, len(digits)), k - 1):
        bounds = (0, *cuts, len(digits))
        texts = [digits[a:b] for a, b in itertools.pairwise(bounds)]
        if any(len(x) > 1 and x[0] == "0" for x in texts):
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
    cell = form.cells[cell_id]
    v = parse_value(_core(p.text), Kind(cell.type.value), unit=cell.unit).value
    return v if isinstance(v, int | Decimal) else None


def _core(text: str) -> str:
    """A figure without the note a cell may add (“22（其中修订16件）”)."""
    for bracket in ("（", "("):
        if bracket in text and text[0] != bracket:
            return text.split(bracket, 1)[0]
    return text


def fits(
    inst: Instance, values: Mapping[str, Value], cells: set[str] | None = None
) -> bool | None:
    """Does the instance hold for these values? None when a cell it reads is unknown."""
    needed = set(inst.refs) | ({inst.target} if inst.target else set())
    if any(c.startswith("prev.") for c in needed):
        return None
    if not all(values.get(c) is not None for c in needed):
        return None
    if cells is not None and not needed & cells:
        return None
    status = run(inst, values).status
    return None if status in ("blank", "text") else status == "pass"


def row_values(form: Form, cells: tuple[str, ...], r: Reading) -> dict[str, Value]:
    return {c: number(form, c, p) for c, p in zip(cells, r, strict=True)}


def within_row(form: Form, cells: tuple[str, ...], options: list[Reading]) -> list[Reading]:
    """Readings that break no rule made of this row's cells alone (its 总计)."""
    own = set(cells)
    rules = [i for i in form.instances if not i.uses_prev and _cells_of(i) <= own]
    return [
        r
        for r in options
        if all(fits(i, row_values(form, cells, r)) is not False for i in rules)
    ]


def _cells_of(inst: Instance) -> set[str]:
    return set(inst.refs) | ({inst.target} if inst.target else set())


@dataclass
class Open:
    """A row whose figures have more than one reading left."""

    key: tuple[str, str]
    cells: tuple[str, ...]
    options: list[Reading]


def across_rows(form: Form, rows: list[Open], known: dict[str, Value]) -> dict[int, set[int]]:
    """For each open row, the readings that are part of some reading of all open rows that
    breaks no rule; rows are searched together only where a rule links them."""
    feasible: dict[int, set[int]] = {k: set() for k in range(len(rows))}
    cell_row = {c: k for k, r in enumerate(rows) for c in r.cells}
    rules = [i for i in form.instances if not i.uses_prev and _cells_of(i) & set(cell_row)]
    steps = 0
    chosen: dict[int, int] = {}
    values = dict(known)

    def search(k: int) -> bool:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            return False
        if k == len(rows):
            for row, option in chosen.items():
                feasible[row].add(option)
            return True
        ok = True
        for j, option in enumerate(rows[k].options):
            values.update(row_values(form, rows[k].cells, option))
            chosen[k] = j
            here = {c for c in rows[k].cells}
            if all(_decided(i, values, here, cell_row, k) is not False for i in rules):
                ok = search(k + 1) and ok
            if steps > MAX_STEPS:
                break
        for c in rows[k].cells:
            values.pop(c, None)
        chosen.pop(k, None)
        return ok and steps <= MAX_STEPS

    if not search(0):
        return {k: set(range(len(r.options))) for k, r in enumerate(rows)}
    return feasible


def _decided(
    inst: Instance, values: dict[str, Value], here: set[str], cell_row: dict[str, int], k: int
) -> bool | None:
    """Check an instance once its last open row is chosen (row ``k``)."""
    cells = _cells_of(inst)
    if not cells & here or any(cell_row.get(c, -1) > k for c in cells):
        return None
    return fits(inst, values)


def agreed(cells: tuple[str, ...], options: list[Reading]) -> dict[str, Piece | None]:
    """The cells on which every reading agrees, with what they hold."""
    out: dict[str, Piece | None] = {}
    for k, c in enumerate(cells):
        seen = {(p.text, p.start) if p else None for p in (o[k] for o in options)}
        if len(seen) == 1:
            out[c] = options[0][k]
    return out
