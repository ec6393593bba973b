"""Place the cells of published tables on the form's cells, by their labels — never by position
in one particular report.

A table is recognised by the official labels it shows. In a grid (tables 三 and 四) the header
rows tell which column holds which figure and each data row is named by its row label; in table
二 each block has its title, its ``信息内容`` header row and its labelled rows. When the source
knows grid columns (.html, .docx, .md) a figure is taken from the column under its header; plain
text keeps only the order of the cells, so there the figures after a row label are matched to
the columns in the form's order, and only when their number is right. Whatever cannot be placed
this way is reported with where it was, not guessed.
"""

from __future__ import annotations

import re
from typing import Any

from govxl.forms import Form
from govxl.importer.catalog import LINE_COLUMN, BlockSpec, GridSpec, HeadNode, Spec, specs
from govxl.importer.labels import Match, norm
from govxl.importer.source import ImportIssue, RawCell, RawTable

HEADER_SPLIT = re.compile(r"[·•]")
LINE_SEP = re.compile(r"[：:]")


def _filled(cells: list[RawCell]) -> list[RawCell]:
    return [c for c in cells if c.text.strip()]


def _short(text: str, most: int = 24) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= most else flat[: most - 1] + "…"


class Mapper:
    """Collects the raw cell found for each form cell, and the findings on the way."""

    def __init__(self, form: Form) -> None:
        self.form = form
        self.specs = specs(form)
        self.placed: dict[str, RawCell] = {}
        self.issues: list[ImportIssue] = []
        self._single_done: set[str] = set()

    # ------------------------------------------------------------ common

    def issue(
        self, severity: str, code: str, message: str, where: str, cell: str | None = None
    ) -> None:
        self.issues.append(ImportIssue(severity, code, message, where, cell))

    def put(self, cell_id: str, raw: RawCell) -> None:
        if cell_id not in self.form.cells:
            self.issue(
                "error", "unplaced", f"“{_short(raw.text)}”无法对应到表格单元格，未导入", raw.where
            )
        elif cell_id in self.placed:
            self.issue(
                "warning",
                "duplicate",
                f"该单元格在报告中重复出现，已采用第一次出现的数值"
                f"（{self.placed[cell_id].where}），此处的“{_short(raw.text)}”未采用",
                raw.where,
                cell_id,
            )
        else:
            self.placed[cell_id] = raw

    def unplaced(self, cells: list[RawCell], why: str) -> None:
        for c in _filled(cells):
            self.issue("error", "unplaced", f"“{_short(c.text)}”{why}，未导入", c.where)

    def variant(self, m: Match[Any], raw: RawCell) -> None:
        if not m.exact:
            self.issue(
                "info",
                "label-variant",
                f"标签“{_short(raw.text, 40)}”与规定的“{m.label}”不一致，已按规定标签识别",
                raw.where,
            )

    # ------------------------------------------------------------ which table

    def identify(self, table: RawTable) -> str | None:
        """The form table whose labels this table shows most (at least two of them)."""
        best, best_n = None, 1
        for tid, spec in self.specs.items():
            n = sum(1 for row in table.rows for c in _filled(row) if _is_label(spec, c.text))
            if n > best_n:
                best, best_n = tid, n
        return best

    def place(self, table: RawTable, table_id: str) -> None:
        spec = self.specs[table_id]
        if isinstance(spec, BlockSpec):
            self._blocks(table, spec)
        else:
            self._grid(table, spec)

    def line(self, raw: RawCell) -> bool:
        """A ``label：value`` line of a line block (吉林's 发布总数量), in a table or paragraph."""
        for tid, spec in self.specs.items():
            if not isinstance(spec, BlockSpec):
                continue
            parts = LINE_SEP.split(raw.text.strip())
            if len(parts) < 2:
                continue
            m = spec.rows.match("：".join(parts[:-1]))
            if m is not None and m.key[0] in spec.lines:
                self.variant(m, raw)
                self.put(f"{tid}.{m.key[1]}.{LINE_COLUMN}", RawCell(parts[-1], raw.where))
                return True
        return False

    # ------------------------------------------------------------ table 二

    def _blocks(self, table: RawTable, spec: BlockSpec) -> None:
        block: str | None = None
        header: dict[str, int] | list[str] | None = None
        for row in table.rows:
            cells = _filled(row)
            if not cells:
                continue
            first = cells[0]
            if (m := spec.titles.match(first.text)) is not None:
                self.variant(m, first)
                block, header = m.key, None
                self.unplaced(cells[1:], "出现在项目标题行中")
            elif spec.heads.match_all(first.text):
                block, header = self._block_header(spec, block, row, first)
            elif self.line(first):
                self.unplaced(cells[1:], "出现在补充项的行中")
            elif (r := spec.rows.match(first.text)) is not None:
                self.variant(r, first)
                usable = header if block == r.key[0] else None
                self._block_row(spec, r.key, row, first, usable)
            else:
                self.issue(
                    "error",
                    "unknown-row",
                    f"无法识别的行“{_short(first.text)}”，本行数字未导入",
                    first.where,
                )
                self.unplaced(cells[1:], "所在的行无法识别")

    def _block_header(
        self, spec: BlockSpec, block: str | None, row: list[RawCell], first: RawCell
    ) -> tuple[str | None, dict[str, int] | list[str] | None]:
        rest = _filled(row[row.index(first) + 1 :])
        if block is None:  # no title above: the block whose column labels these are
            scores = {
                b: sum(1 for c in rest if index.match(c.text)) for b, index in spec.columns.items()
            }
            block = max(scores, key=lambda b: scores[b]) if any(scores.values()) else None
        if block is None:
            return None, None
        index = spec.columns[block]
        by_col: dict[str, int] = {}
        order: list[str] = []
        for c in rest:
            m = index.match(c.text)
            if m is None:
                self.issue(
                    "warning",
                    "unknown-header",
                    f"表头“{_short(c.text)}”无法识别，该项目按规定的列顺序读取",
                    c.where,
                )
                return block, None
            self.variant(m, c)
            order.append(m.key)
            if c.col is not None:
                by_col[m.key] = c.col
        if len(by_col) == len(order) and set(order) == set(spec.column_ids[block]):
            return block, by_col
        return block, order if order == spec.column_ids[block] else None

    def _block_row(
        self,
        spec: BlockSpec,
        key: tuple[str, str],
        row: list[RawCell],
        label: RawCell,
        header: dict[str, int] | list[str] | None,
    ) -> None:
        block, row_id = key
        col_ids = spec.column_ids[block]
        rest = row[row.index(label) + 1 :]
        tid = spec.table.id
        if block in spec.lines:  # one figure, wherever the copy put it on the line
            filled = _filled(rest)
            if len(filled) > 1:
                self.unplaced(filled, "所在的补充项只有一个数值，无法确定是哪一个")
            elif filled or rest:
                self.put(f"{tid}.{row_id}.{col_ids[0]}", (filled or rest)[-1])
            return
        if isinstance(header, dict):
            at = {c.col: c for c in rest}
            for col_id in col_ids:
                if (cell := at.pop(header[col_id], None)) is not None:
                    self.put(f"{tid}.{row_id}.{col_id}", cell)
            self.unplaced(list(at.values()), "不在任何表头之下")
            return
        values = _trim(rest, len(col_ids))
        if len(values) != len(col_ids):
            self.unplaced(
                values,
                f"所在行有 {len(values)} 个数值，而该项目有 {len(col_ids)} 列，无法确定对应关系",
            )
            return
        for col_id, cell in zip(col_ids, values, strict=True):
            self.put(f"{tid}.{row_id}.{col_id}", cell)

    # ------------------------------------------------------------ tables 三 and 四

    def _grid(self, table: RawTable, spec: GridSpec) -> None:
        header: list[list[RawCell]] = []
        cols: dict[str, int] | None = None
        data = False
        for row in table.rows:
            cells = _filled(row)
            if not cells:
                continue
            is_data = any(
                spec.rows.match_all(c.text) or spec.groups.match_all(c.text) for c in cells
            )
            is_head = any(
                spec.heads.match_all(_last(c.text)) or spec.corner.match_all(c.text) for c in cells
            )
            if is_head and not is_data:
                if not data:
                    header.append(row)
                continue  # a header repeated after a page break in a copied table
            if not data:
                cols = self._grid_header(spec, header)
                data = True
            self._grid_row(spec, row, cols)

    def _grid_header(self, spec: GridSpec, header: list[list[RawCell]]) -> dict[str, int] | None:
        known = all(c.col is not None for row in header for c in row)
        cols: dict[str, int] = {}
        above: list[tuple[RawCell, HeadNode]] = []
        for row in header:
            for c in _filled(row):
                if spec.corner.match_all(c.text):
                    self.variant(spec.corner.match_all(c.text)[0], c)
                    continue
                node = self._head(spec, c, above) if known else self._head_label(spec, c)
                if node is None:
                    continue
                above.append((c, node))
                if node.leaf and known and c.col is not None:
                    cols[node.leaf] = c.col
        if not known:
            return None
        missing = [leaf for leaf in spec.leaves if leaf not in cols]
        if missing:
            where = header[0][0].where if header and header[0] else ""
            self.issue(
                "warning",
                "unknown-header",
                f"表头中没有找到 {len(missing)} 列（如“{spec.leaf_labels[missing[0]]}”），"
                "全表按规定的列顺序读取",
                where,
            )
            return None
        return cols

    def _head_label(self, spec: GridSpec, c: RawCell) -> HeadNode | None:
        """Without grid columns only the label is checked; the columns go in the form's order."""
        found = spec.heads.match_all(_last(c.text))
        if not found:
            self.issue("warning", "unknown-header", f"表头“{_short(c.text)}”无法识别", c.where)
            return None
        self.variant(found[0], c)
        return found[0].key

    def _head(
        self, spec: GridSpec, c: RawCell, above: list[tuple[RawCell, HeadNode]]
    ) -> HeadNode | None:
        segments = HEADER_SPLIT.split(c.text)
        found = spec.heads.match_all(segments[-1])
        if not found:
            self.issue("warning", "unknown-header", f"表头“{_short(c.text)}”无法识别", c.where)
            return None
        context = {norm(s) for s in segments[:-1]}
        for cell, node in above:
            if (
                cell.col is not None
                and c.col is not None
                and cell.col <= c.col < cell.col + cell.colspan
            ):
                context.add(norm(node.label))
        ranked = sorted(found, key=lambda m: len(m.key.ancestors & context), reverse=True)
        if len(ranked) > 1 and len(ranked[0].key.ancestors & context) == len(
            ranked[1].key.ancestors & context
        ):
            self.issue(
                "warning",
                "unknown-header",
                f"表头“{_short(c.text)}”出现在多个分组下，无法确定属于哪一组",
                c.where,
            )
            return None
        self.variant(ranked[0], c)
        return ranked[0].key

    def _grid_row(self, spec: GridSpec, row: list[RawCell], cols: dict[str, int] | None) -> None:
        if cols is not None:
            first = min(cols.values())
            labels = [c for c in row if c.col is not None and c.col < first]
            values = [c for c in row if c.col is None or c.col >= first]
        else:
            labels, values = _split_labels(spec, row)
        row_id = self._row_id(spec, labels, values)
        if row_id is None:
            return
        tid = spec.table.id
        if cols is not None:
            at = {c.col: c for c in values}
            for leaf in spec.leaves:
                if (cell := at.pop(cols[leaf], None)) is not None:
                    self.put(f"{tid}.{row_id}.{leaf}", cell)
            self.unplaced(list(at.values()), "不在任何表头之下")
            return
        values = _trim(values, len(spec.leaves))
        if len(values) != len(spec.leaves):
            self.unplaced(
                values,
                f"所在行有 {len(values)} 个数值，而表头有 {len(spec.leaves)} 列，无法确定对应关系",
            )
            return
        for leaf, cell in zip(spec.leaves, values, strict=True):
            self.put(f"{tid}.{row_id}.{leaf}", cell)

    def _row_id(self, spec: GridSpec, labels: list[RawCell], values: list[RawCell]) -> str | None:
        named = _filled(labels)
        if spec.single_row is not None and not named:
            if spec.single_row in self._single_done:
                self.unplaced(values, "出现在多余的数据行中")
                return None
            self._single_done.add(spec.single_row)
            return spec.single_row
        if not named:
            self.unplaced(values, "所在行没有行标签")
            return None
        last = named[-1]
        m = spec.rows.match(last.text)
        if m is None:
            what = "是分组标签，不是数据行" if spec.groups.match_all(last.text) else "无法识别"
            self.issue(
                "error",
                "unknown-row",
                f"行标签“{_short(last.text)}”{what}，本行数字未导入",
                last.where,
            )
            self.unplaced(values, "所在的行无法识别")
            return None
        self.variant(m, last)
        return m.key


def _last(text: str) -> str:
    return HEADER_SPLIT.split(text)[-1]


def _is_label(spec: Spec, text: str) -> bool:
    if isinstance(spec, GridSpec):
        return (
            text in spec.rows
            or text in spec.groups
            or text in spec.corner
            or _last(text) in spec.heads
        )
    return (
        text in spec.titles
        or text in spec.heads
        or text in spec.rows
        or any(text in cols for cols in spec.columns.values())
    )


def _split_labels(spec: GridSpec, row: list[RawCell]) -> tuple[list[RawCell], list[RawCell]]:
    """Plain text: the labels run up to the last cell that is a row or group label."""
    end = 0
    for i, c in enumerate(row):
        if c.text.strip() and (spec.rows.match_all(c.text) or spec.groups.match_all(c.text)):
            end = i + 1
    return row[:end], row[end:]


def _trim(values: list[RawCell], want: int) -> list[RawCell]:
    """Drop empty cells beyond ``want``, at the end, then at the start: merged cells leave them
    in copied text and in flattened tables."""
    out = list(values)
    while len(out) > want and not out[-1].text.strip():
        out.pop()
    while len(out) > want and not out[0].text.strip():
        out.pop(0)
    return out
