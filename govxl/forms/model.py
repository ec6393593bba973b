"""The typed, frozen model of a form definition.

Everything that knows about the official tables — the template, the reader, the checks, the
merge and the report — works from these objects, built once from ``templates/*.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from govxl.forms.expr import Node
from govxl.values import MAX_COUNT, MAX_MONEY


class CellType(StrEnum):
    COUNT = "count"
    """Whole number ≥ 0: 件数、项目数量。"""
    MONEY = "money"
    """Decimal ≥ 0; the form may fix the unit (2021 （八）: 万元) or not (2019 （九）)."""
    DELTA = "delta"
    """Whole number that may be negative: the 2019 本年增/减."""
    TEXT = "text"

    @property
    def zh(self) -> str:
        """What a clerk calls the kind of cell (``govxl forms show``)."""
        return {"count": "件数", "money": "金额", "delta": "增减数", "text": "文字"}[self.value]

    @property
    def bounds(self) -> tuple[int | Decimal, int | Decimal]:
        """The smallest and largest value govxl accepts: the range of the value parser, the
        workbook's data validation and its live type check (R5) all come from here."""
        if self is CellType.MONEY:
            return 0, MAX_MONEY
        return (-MAX_COUNT if self is CellType.DELTA else 0), MAX_COUNT

    @property
    def whole(self) -> bool:
        """Counts and changes are whole numbers; money may have decimals."""
        return self is not CellType.MONEY


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def zh(self) -> str:
        """The audit classes of 联网直报 that clerks already know."""
        return {"error": "强制", "warning": "核实", "info": "提示"}[self.value]


@dataclass(frozen=True)
class Header:
    """A node of a grid's column-header tree; leaves carry an id and hold cells."""

    label: str
    id: str | None = None
    children: tuple[Header, ...] = ()

    def leaves(self) -> Iterator[Header]:
        if not self.children:
            yield self
        for child in self.children:
            yield from child.leaves()

    def depth(self) -> int:
        return 1 + max((c.depth() for c in self.children), default=0)


@dataclass(frozen=True)
class RowNode:
    """A node of a grid's row tree: group labels such as （三）不予公开 hold no cells."""

    label: str | None
    id: str | None = None
    children: tuple[RowNode, ...] = ()

    def leaves(self, path: tuple[str, ...] = ()) -> Iterator[tuple[RowNode, tuple[str, ...]]]:
        here = path + ((self.label,) if self.label else ())
        if not self.children:
            yield self, here
        for child in self.children:
            yield from child.leaves(here)

    def depth(self) -> int:
        return 1 + max((c.depth() for c in self.children), default=0)


@dataclass(frozen=True)
class BlockColumn:
    id: str
    label: str
    type: CellType
    unit: str | None = None


@dataclass(frozen=True)
class BlockRow:
    id: str
    label: str
    type: CellType | None = None
    """Only rows of a ``line`` block carry their own type."""


@dataclass(frozen=True)
class Block:
    """One stacked block of table 二: a 第二十条第（X）项 title, a header row, data rows.

    A ``line`` block is a labelled single value on its own row (a local extra item).
    """

    id: str
    layout: str
    title: str | None
    head: str | None
    columns: tuple[BlockColumn, ...]
    rows: tuple[BlockRow, ...]


@dataclass(frozen=True)
class Table:
    id: str
    sheet: str
    title: str
    layout: str
    """``grid`` (a header tree over a row tree) or ``blocks`` (table 二's stacked blocks)."""
    corner: str | None = None
    width: int = 0
    blocks: tuple[Block, ...] = ()
    columns: tuple[Header, ...] = ()
    rows: tuple[RowNode, ...] = ()
    type: CellType = CellType.COUNT


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    kind: str
    table: str | None = None


@dataclass(frozen=True)
class Cell:
    """One value cell of an official table, input or computed."""

    id: str
    table: str
    row: str
    column: str
    row_path: tuple[str, ...]
    """The row's labels from the outermost group to the row itself."""
    column_path: tuple[str, ...]
    type: CellType
    unit: str | None = None
    computed: bool = False
    block: str | None = None

    @property
    def row_label(self) -> str:
        return self.row_path[-1] if self.row_path else ""

    @property
    def column_label(self) -> str:
        return self.column_path[-1] if self.column_path else ""

    def labels(self, year: int | None) -> tuple[str, str]:
        """Row and column label for display, with a ``{year}`` placeholder filled in."""
        return fill_year(self.row_label, year), self.column_label.replace("\n", "")


_PLACEHOLDER = re.compile(r"（\{(?:lhs|rhs)\}）|\{(?:lhs|rhs)\}")


def plain_message(message: str) -> str:
    """A rule's message without the figures it quotes in a finding: ``（{lhs}）`` and the like."""
    return _PLACEHOLDER.sub("", message)


def fill_year(text: str, year: int | None) -> str:
    return text.replace("{year}", str(year) if year else "____")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    kind: str
    """``check``, ``define`` (a computed cell) or ``types`` (cell types, R5)."""
    message: str
    text: str = ""
    short: str | None = None
    per_unit: bool = False
    """A magnitude no single unit can have (a 核实): a summary of many units may have it, and
    the merge says so on the summary's 说明 sheet."""


@dataclass(frozen=True)
class Instance:
    """A rule applied to one column, row or group: ``R1[natural]``."""

    key: str
    rule: Rule
    node: Node
    refs: tuple[str, ...]
    target: str | None = None
    uses_prev: bool = False
    table: str | None = None
    operands: tuple[str, ...] = ()
    """The input cells behind ``refs`` (totals expanded to their parts): a check waits while any
    of them is blank and reports text in any of them, so a "无" typed into an item is named as
    the cause instead of surfacing as an unbalanced total."""

    @property
    def live(self) -> bool:
        """Shown as a live check cell in the workbook (checks on this year's figures)."""
        return self.rule.kind == "check" and not self.uses_prev


@dataclass(frozen=True, eq=False)
class Form:
    """A loaded form definition. Compared and hashed by identity: forms are loaded once and
    cached, and layouts and read plans are cached per form, so hashing must be cheap."""

    id: str
    title: str
    basis: str
    first_year: int
    last_year: int | None
    parts: tuple[Part, ...]
    tables: tuple[Table, ...]
    rules: tuple[Rule, ...]
    cells: dict[str, Cell] = field(hash=False, compare=False)
    instances: tuple[Instance, ...] = ()
    digest: str = ""
    """A hash of the resolved definition: tells an outdated template from the current one."""
    extends: str | None = None
    source: Path | None = None

    @property
    def short(self) -> str:
        """The form as a clerk names it, by the notice that issued it: 国办公开办函〔2021〕30号
        格式 — never the internal id."""
        basis, _, extra = self.basis.partition("；")
        return f"{basis}格式" + (f"（{extra}）" if extra else "")

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)

    def _memo(self, key: str, make: Callable[[], Any]) -> Any:
        """Derived lists are asked for per cell of thousands of returns: build them once."""
        memo = self.__dict__.setdefault("_derived", {})
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def inputs(self) -> list[Cell]:
        return self._memo("inputs", lambda: [c for c in self.cells.values() if not c.computed])

    def computed(self) -> list[Cell]:
        return self._memo("computed", lambda: [c for c in self.cells.values() if c.computed])

    def table_cells(self, table_id: str) -> list[Cell]:
        return self._memo(
            f"table:{table_id}", lambda: [c for c in self.cells.values() if c.table == table_id]
        )

    def open_unit_cells(self) -> list[Cell]:
        """Money cells whose unit the form does not fix: the district fixes it per template."""
        return self._memo(
            "open_unit",
            lambda: [c for c in self.inputs() if c.type is CellType.MONEY and not c.unit],
        )

    def input_index(self) -> dict[str, int]:
        """Position of each input cell in ``inputs()`` (the 明细 column order)."""
        return self._memo("input_index", lambda: {c.id: i for i, c in enumerate(self.inputs())})

    def definition_of(self, cell_id: str) -> Instance:
        defs = self._memo("defs", lambda: {i.target: i for i in self.instances if i.target})
        return defs[cell_id]

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)
