"""The labels of each official table, indexed for lookup, and recognising the form from them.

Everything here is derived from the form definitions: a new form (or a provincial variant with
an extra line) is recognised and imported without touching this code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from govxl.forms import Form, Table, form_ids, load_form
from govxl.forms.model import Header, RowNode
from govxl.importer.labels import LabelIndex, norm


@dataclass(frozen=True)
class HeadNode:
    """A column header of a grid: a leaf holds figures, a group only spans other headers."""

    label: str
    leaf: str | None
    ancestors: frozenset[str]
    """Normalised labels of the groups above it: tells 行政复议's 结果维持 from 复议后起诉's."""


@dataclass
class GridSpec:
    table: Table
    leaves: list[str] = field(default_factory=list)
    leaf_labels: dict[str, str] = field(default_factory=dict)
    heads: LabelIndex[HeadNode] = field(default_factory=lambda: LabelIndex([]))
    rows: LabelIndex[str] = field(default_factory=lambda: LabelIndex([]))
    groups: LabelIndex[str] = field(default_factory=lambda: LabelIndex([]))
    corner: LabelIndex[str] = field(default_factory=lambda: LabelIndex([]))
    single_row: str | None = None
    """The row id of a table without row labels (table 四)."""


@dataclass
class BlockSpec:
    table: Table
    titles: LabelIndex[str]
    heads: LabelIndex[str]
    columns: dict[str, LabelIndex[str]]
    column_ids: dict[str, list[str]]
    rows: LabelIndex[tuple[str, str]]
    lines: set[str]
    """Blocks that are a single labelled line (吉林's 发布总数量)."""


Spec = GridSpec | BlockSpec
LINE_COLUMN = "value"
"""The column id of a line block's single cell (``govxl.forms`` names it so)."""


def _head_nodes(nodes: tuple[Header, ...], above: frozenset[str]) -> list[HeadNode]:
    out: list[HeadNode] = []
    for h in nodes:
        out.append(HeadNode(h.label, h.id if not h.children else None, above))
        out += _head_nodes(h.children, above | {norm(h.label)})
    return out


def _row_nodes(nodes: tuple[RowNode, ...]) -> tuple[list[tuple[str, str]], list[str]]:
    leaves: list[tuple[str, str]] = []
    groups: list[str] = []
    for n in nodes:
        if n.children:
            groups.append(n.label or "")
            sub_leaves, sub_groups = _row_nodes(n.children)
            leaves += sub_leaves
            groups += sub_groups
        elif n.label:
            leaves.append((n.label, n.id or ""))
    return leaves, groups


def _grid(table: Table) -> GridSpec:
    heads = _head_nodes(table.columns, frozenset())
    leaves, groups = _row_nodes(table.rows)
    spec = GridSpec(
        table,
        leaves=[h.id or "" for top in table.columns for h in top.leaves()],
        leaf_labels={h.id or "": h.label for top in table.columns for h in top.leaves()},
        heads=LabelIndex([(h.label, h) for h in heads]),
        rows=LabelIndex(leaves),
        groups=LabelIndex([(g, g) for g in groups]),
        corner=LabelIndex([(table.corner, "corner")] if table.corner else []),
    )
    if not leaves and len(table.rows) == 1:
        spec.single_row = table.rows[0].id
    return spec


def _blocks(table: Table) -> BlockSpec:
    grids = [b for b in table.blocks if b.layout != "line"]
    return BlockSpec(
        table,
        titles=LabelIndex([(b.title or "", b.id) for b in grids]),
        heads=LabelIndex([(b.head or "", b.id) for b in grids]),
        columns={b.id: LabelIndex([(c.label, c.id) for c in b.columns]) for b in grids},
        column_ids={b.id: [c.id for c in b.columns] or [LINE_COLUMN] for b in table.blocks},
        rows=LabelIndex([(r.label, (b.id, r.id)) for b in table.blocks for r in b.rows]),
        lines={b.id for b in table.blocks if b.layout == "line"},
    )


@cache
def specs(form: Form) -> dict[str, Spec]:
    return {t.id: (_blocks(t) if t.layout == "blocks" else _grid(t)) for t in form.tables}


@cache
def form_labels(form: Form) -> dict[str, str]:
    """Every label the form prints in its tables: normalised → as printed (year left open)."""
    out: set[str] = set()
    for t in form.tables:
        if t.corner:
            out.add(t.corner)
        for b in t.blocks:
            out.update(x for x in (b.title, b.head) if x)
            out.update(c.label for c in b.columns)
            out.update(r.label for r in b.rows)
        out.update(h.label for h in _head_nodes(t.columns, frozenset()))
        leaves, groups = _row_nodes(t.rows)
        out.update(label for label, _ in leaves)
        out.update(groups)
    return {norm(x): x.replace("{year}", "××××") for x in out}


def doc_labels(texts: list[str]) -> set[str]:
    """The normalised texts of a report, plus each ``label：value`` line without its value."""
    out: set[str] = set()
    for t in texts:
        out.add(norm(t))
        for sep in ("：", ":"):
            if sep in t:
                out.add(norm(t.rsplit(sep, 1)[0]))
    return out


def recognise(texts: list[str], year: int | None) -> tuple[Form, str]:
    """The form whose labels the report shows best, and why (in Chinese)."""
    forms = [load_form(f) for f in form_ids()]
    found = doc_labels(texts)
    labels = {f.id: set(form_labels(f)) for f in forms}

    def score(f: Form) -> tuple[int, int]:
        own = labels[f.id] & found
        foreign = {x for g in forms if g is not f for x in labels[g.id]} - labels[f.id]
        return len(own) - len(foreign & found), -len(labels[f.id])

    ranked = sorted(forms, key=score, reverse=True)
    best = ranked[0]
    if not labels[best.id] & found:
        return _by_year(forms, year)
    runner = ranked[1] if len(ranked) > 1 else None
    reason = f"按表格标签识别为{best.short}"
    if runner is not None:
        mine = sorted((labels[best.id] - labels[runner.id]) & found)
        theirs = sorted(labels[runner.id] - labels[best.id])
        shown = form_labels(best) | form_labels(runner)
        if mine:
            reason += f"：含{_quote([shown[x] for x in mine])}，{runner.short}没有这些标签"
        elif theirs:
            reason += f"：未见{runner.short}特有的{_quote([shown[x] for x in theirs])}"
    return best, reason + "。"


def _quote(labels: list[str], most: int = 3) -> str:
    shown = "".join(f"“{x}”" for x in labels[:most])
    return shown + ("等" if len(labels) > most else "")


def _by_year(forms: list[Form], year: int | None) -> tuple[Form, str]:
    fits = [f for f in forms if year is not None and f.covers(year) and not f.extends]
    if fits:
        return fits[0], f"报告中没有可识别的表格标签，按报告年度 {year} 选用{fits[0].short}。"
    latest = max((f for f in forms if not f.extends), key=lambda f: f.first_year)
    return latest, f"报告中没有可识别的表格标签，也没有报告年度，选用最新的{latest.short}。"
