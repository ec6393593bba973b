"""A format-neutral model of one official table, derived once from the sheet layout.

The .docx, .html and .md reports all draw their tables from this model, and the model is read
off ``govxl.forms.layout`` — the same boxes and cell addresses the workbook is written from — so
a merged header, a row label spanning three columns or the 勾稽 note in the corner sit in the
same place in the report as on the sheet. Only what the sheet adds for the clerk is left out:
the title and status rows above the table and the live check cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from govxl.forms import CellType, Form
from govxl.forms.compute import Value
from govxl.forms.layout import FIRST_ROW, layout

SKIPPED_ROLES = {"title", "check"}


@dataclass(frozen=True)
class TCell:
    """One cell of the table grid, written once at its top-left position."""

    row: int
    col: int
    text: str
    role: str
    """``corner``, ``header``, ``block``, ``row`` (labels), ``value`` or ``blank``."""
    rowspan: int = 1
    colspan: int = 1
    cell_id: str | None = None

    @property
    def is_label(self) -> bool:
        return self.role not in ("value", "blank")


@dataclass(frozen=True)
class TableModel:
    id: str
    title: str
    layout: str
    ncols: int
    head: int
    """Leading header rows of a grid table (0 for table 二, whose headers sit in each block)."""
    label_cols: int
    """Leading columns of row labels (0 for table 四, which has no row label)."""
    rows: tuple[tuple[TCell, ...], ...]
    widths: tuple[float, ...]
    """Relative column widths, as on the sheet."""

    def cells(self) -> list[TCell]:
        return [c for row in self.rows for c in row]


def table_model(form: Form, table_id: str, year: int | None) -> TableModel:
    """The table as rows of anchored cells with spans; rows and columns are 0-based."""
    lay = layout(form, table_id, year)
    table = form.table(table_id)
    anchors: list[TCell] = []
    for box in lay.boxes:
        if box.role in SKIPPED_ROLES:
            continue
        anchors.append(
            TCell(
                box.row - FIRST_ROW,
                box.col,
                box.text,
                box.role,
                box.last_row - box.row + 1,
                box.last_col - box.col + 1,
            )
        )
    for cell_id, (row, col) in lay.cells.items():
        anchors.append(
            TCell(row - FIRST_ROW, col, "", "value", 1, 1 + lay.spans.get(cell_id, 0), cell_id)
        )
    nrows = max(c.row + c.rowspan for c in anchors)
    ncols = max(c.col + c.colspan for c in anchors)
    rows = _fill(anchors, nrows, ncols)
    grid = table.layout == "grid"
    head = lay.header_rows[1] - lay.header_rows[0] + 1 if grid else 0
    label_cols = min((c.col for c in anchors if c.role == "value"), default=0)
    return TableModel(
        table.id,
        table.title,
        table.layout,
        ncols,
        head,
        label_cols,
        rows,
        tuple(lay.widths[:ncols]),
    )


def _fill(anchors: list[TCell], nrows: int, ncols: int) -> tuple[tuple[TCell, ...], ...]:
    """Sort anchors into rows, adding a blank cell wherever the layout left a hole."""
    taken = [[False] * ncols for _ in range(nrows)]
    for c in anchors:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                if taken[r][k]:
                    raise ValueError(f"layout overlaps at row {r}, column {k}")
                taken[r][k] = True
    cells = list(anchors)
    cells += [
        TCell(r, k, "", "blank") for r in range(nrows) for k in range(ncols) if not taken[r][k]
    ]
    rows: list[list[TCell]] = [[] for _ in range(nrows)]
    for c in cells:
        rows[c.row].append(c)
    return tuple(tuple(sorted(r, key=lambda c: c.col)) for r in rows)


CENTS = Decimal("0.01")


def show(value: Value, kind: CellType) -> str:
    """A value as published: blank stays empty, a change carries its sign (+3, -59, 0).

    The sign makes 本年增/减 readable without the header, as in most published reports. Money
    shows at least two decimals, like 44967.00 in the 正阳街道 report, and every further digit
    it has (5949.088667 万元 is never rounded), never an exponent.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind is CellType.MONEY:
        d = Decimal(value)
        exponent = d.as_tuple().exponent
        if isinstance(exponent, int) and exponent > -2:
            d = d.quantize(CENTS)
        return format(d, "f")
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    if kind is CellType.DELTA and value > 0:
        return "+" + text
    return text
