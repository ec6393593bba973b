"""Where everything goes on a sheet: A1 addresses are derived here, never written by hand.

The layout of each table is computed from its definition — the header tree, the row tree, the
blocks — so the template writer, the reader's tamper checks, the merge and the cell map all agree
on every address. Coordinates are 0-based (row, column) like xlsxwriter's; ``a1()`` converts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from govxl.forms.model import Form, Header, Instance, RowNode, Table, fill_year
from govxl.forms.workbook import MARKS_STRIDE

STATUS_ROW = 0
"""The live status line: the first thing on screen, above the printed area."""
TITLE_ROW = 1
SIGN_ROW = 2
"""填报单位、填报人、联系电话、填报日期 (a summary: what it covers), printed under the title."""
FIRST_ROW = 3
"""Row of the first header line."""


@dataclass(frozen=True)
class Box:
    """A label written on the sheet, possibly merged over several cells."""

    row: int
    col: int
    last_row: int
    last_col: int
    text: str
    role: str
    """``title``, ``corner``, ``header``, ``row``, ``block``, ``check``."""

    @property
    def merged(self) -> bool:
        return (self.row, self.col) != (self.last_row, self.last_col)


@dataclass
class SheetLayout:
    table: Table
    boxes: list[Box] = field(default_factory=list)
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    spans: dict[str, int] = field(default_factory=dict)
    """Input cells merged to the right over this many extra columns (2021 （五）…（八））."""
    checks: dict[str, tuple[int, int]] = field(default_factory=dict)
    header_rows: tuple[int, int] = (FIRST_ROW, FIRST_ROW)
    """First and last row to repeat on every printed page."""
    widths: list[float] = field(default_factory=list)
    last_row: int = 0
    last_col: int = 0
    """The last row and column used, checks included."""
    table_last_row: int = 0
    table_last_col: int = 0
    """The official table's own extent: the printed area ends here, the checks lie beyond."""
    helpers: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Input cell id → its place on the very hidden marks sheet (``forms.workbook.SHEET_MARKS``),
    which holds the input's mark: 1 when the cell holds anything but a number its type allows
    (text, a negative count, a date Excel made of what was typed), else 0. The status line and
    the checks add these up."""

    def a1(self, cell_id: str) -> str:
        return a1(*self.cells[cell_id])


@cache
def a1(row: int, col: int, absolute: bool = False) -> str:
    name = ""
    c = col + 1
    while c:
        c, rem = divmod(c - 1, 26)
        name = chr(65 + rem) + name
    return f"${name}${row + 1}" if absolute else f"{name}{row + 1}"


def a1_range(r0: int, c0: int, r1: int, c1: int) -> str:
    return a1(r0, c0) if (r0, c0) == (r1, c1) else f"{a1(r0, c0)}:{a1(r1, c1)}"


@cache
def layout(form: Form, table_id: str, year: int | None = None) -> SheetLayout:
    table = form.table(table_id)
    live = [i for i in form.instances if i.live and i.table == table_id]
    lay = _blocks(form, table, live, year) if table.layout == "blocks" else _grid(table, live)
    lay.boxes.insert(0, Box(TITLE_ROW, 0, TITLE_ROW, lay.table_last_col, table.title, "title"))
    offset = MARKS_STRIDE * [t.id for t in form.tables].index(table_id)  # mirroring the inputs
    for cid, (row, col) in lay.cells.items():
        if not form.cells[cid].computed:
            lay.helpers[cid] = (row, offset + col)
    return lay


def _check_axis(inst: Instance, lay: SheetLayout) -> str:
    """A check goes below its column when all its cells share one, else right of its row."""
    places = [lay.cells[r] for r in inst.refs]
    if len({c for _, c in places}) == 1:
        return "column"
    if len({r for r, _ in places}) == 1:
        return "row"
    raise ValueError(f"{inst.key}: a live check must read one column or one row")


def _grid(table: Table, live: list[Instance]) -> SheetLayout:
    lay = SheetLayout(table)
    label_cols = max((n.depth() for n in table.rows if n.label), default=0)
    head_rows = max(h.depth() for h in table.columns)
    top = FIRST_ROW
    if label_cols:
        lay.boxes.append(
            Box(top, 0, top + head_rows - 1, label_cols - 1, table.corner or "", "corner")
        )
    col = label_cols
    leaf_cols: dict[str, int] = {}
    for h in table.columns:
        col = _place_header(h, top, col, head_rows, lay, leaf_cols)
    last_value_col = col - 1
    row = top + head_rows
    for node in table.rows:
        row = _place_row(node, row, 0, label_cols, lay, leaf_cols)
    lay.header_rows = (top, top + head_rows - 1)
    lay.table_last_row, lay.table_last_col = row - 1, last_value_col
    # Checks: one row below the table per column-wise rule, one column right per row-wise rule.
    below: dict[str, int] = {}
    right: dict[str, int] = {}
    for inst in live:
        if _check_axis(inst, lay) == "column":
            if inst.rule.id not in below:
                below[inst.rule.id] = row
                lay.boxes.append(
                    Box(row, 0, row, max(label_cols - 1, 0), f"校验：{inst.rule.title}", "check")
                )
                row += 1
            lay.checks[inst.key] = (below[inst.rule.id], lay.cells[inst.refs[0]][1])
        else:
            if inst.rule.id not in right:
                right[inst.rule.id] = col
                lay.boxes.append(
                    Box(top, col, top + head_rows - 1, col, f"校验：{inst.rule.title}", "check")
                )
                col += 1
            lay.checks[inst.key] = (lay.cells[inst.refs[0]][0], right[inst.rule.id])
    lay.last_row = row - 1
    lay.last_col = max(col - 1, last_value_col)
    label_widths = {3: [7.0, 12.0, 36.0], 2: [14.0, 30.0], 1: [40.0], 0: []}[label_cols]
    lay.widths = label_widths + [10.0] * (last_value_col - label_cols + 1) + [14.0] * len(right)
    return lay


def _place_header(
    h: Header, row: int, col: int, depth: int, lay: SheetLayout, leaf_cols: dict[str, int]
) -> int:
    if not h.children:
        lay.boxes.append(Box(row, col, lay_row_end(row, depth), col, h.label, "header"))
        leaf_cols[h.id or ""] = col
        return col + 1
    start = col
    for child in h.children:
        col = _place_header(child, row + 1, col, depth - 1, lay, leaf_cols)
    lay.boxes.append(Box(row, start, row, col - 1, h.label, "header"))
    return col


def lay_row_end(row: int, depth: int) -> int:
    return row + depth - 1


def _place_row(
    node: RowNode,
    row: int,
    level: int,
    label_cols: int,
    lay: SheetLayout,
    leaf_cols: dict[str, int],
) -> int:
    if not node.children:
        if node.label and label_cols:
            lay.boxes.append(Box(row, level, row, label_cols - 1, node.label, "row"))
        for col_id, col in leaf_cols.items():
            lay.cells[f"{lay.table.id}.{node.id}.{col_id}"] = (row, col)
        return row + 1
    start = row
    for child in node.children:
        row = _place_row(child, row, level + 1, label_cols, lay, leaf_cols)
    lay.boxes.append(Box(start, level, row - 1, level, node.label or "", "row"))
    return row


def _blocks(form: Form, table: Table, live: list[Instance], year: int | None) -> SheetLayout:
    lay = SheetLayout(table)
    width = table.width
    row = FIRST_ROW
    head_rows: dict[tuple[int, int], int] = {}
    for block in table.blocks:
        if block.layout == "line":
            for r in block.rows:
                lay.boxes.append(Box(row, 0, row, width - 2, fill_year(r.label, year), "row"))
                lay.cells[f"{table.id}.{r.id}.value"] = (row, width - 1)
                row += 1
            continue
        lay.boxes.append(Box(row, 0, row, width - 1, block.title or "", "block"))
        row += 1
        lay.boxes.append(Box(row, 0, row, 0, block.head or "", "header"))
        last = len(block.columns) - 1
        for i, c in enumerate(block.columns):
            end = width - 1 if i == last else i + 1
            lay.boxes.append(Box(row, i + 1, row, end, c.label, "header"))
        row += 1
        for r in block.rows:
            lay.boxes.append(Box(row, 0, row, 0, r.label, "row"))
            for i, c in enumerate(block.columns):
                cid = f"{table.id}.{r.id}.{c.id}"
                lay.cells[cid] = (row, i + 1)
                head_rows[(row, i + 1)] = row - 1 - block.rows.index(r)
                if i == last and i + 1 < width - 1:
                    lay.spans[cid] = width - 1 - (i + 1)
            row += 1
    col = width
    right: dict[str, int] = {}
    heads: set[tuple[int, int]] = set()
    for inst in live:
        if len({r for r, _ in (lay.cells[x] for x in inst.refs)}) != 1:
            raise ValueError(f"{inst.key}: checks in table 二 must read one row")
        if inst.rule.id not in right:
            right[inst.rule.id] = col
            col += 1
        check_row = lay.cells[inst.refs[0]][0]
        lay.checks[inst.key] = (check_row, right[inst.rule.id])
        head_row = head_rows[lay.cells[inst.refs[0]]]
        if (head_row, right[inst.rule.id]) not in heads:
            heads.add((head_row, right[inst.rule.id]))
            lay.boxes.append(
                Box(
                    head_row,
                    right[inst.rule.id],
                    head_row,
                    right[inst.rule.id],
                    f"校验：{inst.rule.title}",
                    "check",
                )
            )
    lay.header_rows = (FIRST_ROW, FIRST_ROW)
    lay.table_last_row, lay.table_last_col = row - 1, width - 1
    lay.last_row = row - 1
    lay.last_col = col - 1
    lay.widths = [26.0] + [16.0] * (width - 1) + [18.0] * len(right)
    return lay
