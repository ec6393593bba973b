"""Every label the forms print, in one trie, and where each one stands in its form.

Derived from the form definitions alone: the part headings (with the numbering and the renamed
titles units use), the block titles and column headers of table 二, the header tree and row
labels of tables 三 and 四, and which cells follow each row label, in printed order. The matcher
walks the source itself, skipping white space and line breaks (a header broken over two lines
is still one label), and accepts a cut-off label when what was read can only be one label: PDF
text wraps long row labels around the figures, and copies mistype the end of a label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from govxl.forms import Form, form_ids, load_form
from govxl.forms.model import Header, RowNode
from govxl.importer.normal import BARS, SPACE, fold, norm

YEAR = "\x00"
"""Stands for ``{year}`` in a label: four digits (or ____) in the source."""
PREFIX_MIN = 6
"""A cut-off label counts when this many characters can only begin one label."""
NUMERALS = "一二三四五六七八九十"
HEADING_VARIANTS = {
    "政府信息公开行政复议、行政诉讼情况": (
        "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
        "因政府信息公开工作被申请行政复议提起行政诉讼情况",
        "政府信息公开行政复议和行政诉讼情况",
    ),
    "存在的主要问题及改进情况": (
        "政府信息公开工作存在的主要问题及改进情况",
        "存在问题及改进情况",
        "存在的主要问题和改进情况",
        "存在的主要问题及改进措施",
    ),
    "收到和处理政府信息公开申请情况": ("收到和处理政府信息公开申请的情况",),
    "主动公开政府信息情况": ("主动公开政府信息的情况",),
}
"""Renamed part titles seen in published reports (format reference §1.1)."""


@dataclass(frozen=True)
class Key:
    """What a label is in one form."""

    kind: str
    """``row`` (figures follow it), ``group`` (a group of rows, no figures of its own), ``head``
    (a column header, block title, 信息内容 or the corner note) or ``part`` (a part heading)."""
    table: str | None = None
    ident: str | None = None
    """The row id of a ``row``, the part id of a ``part``."""
    numbered: bool = False
    """A part heading written with its number (“三、”): found anywhere, not only at a line start."""


@dataclass
class Node:
    children: dict[str, Node] = field(default_factory=dict)
    entries: dict[str, set[Key]] = field(default_factory=dict)
    """form id → what the label ending here is in that form."""
    label: str = ""
    count: int = 0
    """Distinct labels ending in this node's subtree: 1 means a prefix names one label."""
    partial: bool = False
    """A cut-off copy of this label counts: table labels and numbered headings, not a bare
    heading title (“政府信息公开工作…” begins many sentences)."""


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    label: str
    """The label as the form prints it."""
    entries: dict[str, set[Key]]
    full: bool
    """The whole label was read; otherwise a prefix that can only be this label."""
    differs: bool
    """The source went on with a character the label does not have (a variant, or a typo)."""

    def keys(self, form_id: str) -> set[Key]:
        return self.entries.get(form_id, set())


@dataclass(frozen=True)
class FormLexicon:
    """Where each labelled thing stands in one form."""

    form: Form
    cells: dict[tuple[str, str], tuple[str, ...]]
    """(table, row) → its cells in printed order."""
    order: dict[str, tuple[str, ...]]
    """table → its rows, top to bottom."""
    unlabelled: dict[str, str]
    """table → its single row without a label (table 四)."""
    part_table: dict[str, str]
    labels: dict[Key, str]


def _heads(nodes: tuple[Header, ...]) -> list[str]:
    return [x for h in nodes for x in (h.label, *_heads(h.children))]


def _rows(nodes: tuple[RowNode, ...]) -> tuple[list[tuple[str, str]], list[str]]:
    leaves: list[tuple[str, str]] = []
    groups: list[str] = []
    for n in nodes:
        if n.children:
            groups.append(n.label or "")
            sub, subgroups = _rows(n.children)
            leaves += sub
            groups += subgroups
        elif n.label:
            leaves.append((n.label, n.id or ""))
    return leaves, groups


def _entries(form: Form) -> list[tuple[str, Key]]:
    out: list[tuple[str, Key]] = []
    for part in form.parts:
        number, _, title = part.title.partition("、")
        for name in (title, *HEADING_VARIANTS.get(title, ())):
            out.append((name, Key("part", part.table, part.id)))
            out += [(f"{n}、{name}", Key("part", part.table, part.id, True)) for n in NUMERALS]
    for t in form.tables:
        heads = [t.corner or "", *_heads(t.columns)]
        for b in t.blocks:
            heads += [b.title or "", b.head or "", *(c.label for c in b.columns)]
            out += [(r.label, Key("row", t.id, r.id)) for r in b.rows]
        out += [(h, Key("head", t.id)) for h in heads if h]
        leaves, groups = _rows(t.rows)
        out += [(label, Key("row", t.id, rid)) for label, rid in leaves]
        out += [(g, Key("group", t.id)) for g in groups if g]
    return out


@cache
def form_lexicon(form: Form) -> FormLexicon:
    cells: dict[tuple[str, str], tuple[str, ...]] = {}
    order: dict[str, tuple[str, ...]] = {}
    unlabelled: dict[str, str] = {}
    for t in form.tables:
        rows: list[str] = []
        for b in t.blocks:
            cols = [c.id for c in b.columns] or ["value"]
            for r in b.rows:
                cells[(t.id, r.id)] = tuple(f"{t.id}.{r.id}.{c}" for c in cols)
                rows.append(r.id)
        leaves = [h.id or "" for top in t.columns for h in top.leaves()]
        for node in t.rows:
            for leaf, _path in node.leaves():
                if leaf.id:
                    cells[(t.id, leaf.id)] = tuple(f"{t.id}.{leaf.id}.{c}" for c in leaves)
                    rows.append(leaf.id)
                    if not leaf.label:
                        unlabelled[t.id] = leaf.id
        order[t.id] = tuple(rows)
    labels = {key: label.replace("{year}", "××××") for label, key in _entries(form)}
    part_table = {p.id: p.table for p in form.parts if p.table}
    return FormLexicon(form, cells, order, unlabelled, part_table, labels)


class Trie:
    """The labels of every form; ``match`` reads the longest label at a position of a text."""

    def __init__(self, forms: list[Form]) -> None:
        self.root = Node()
        for form in forms:
            for label, key in _entries(form):
                self._add(label, form.id, key)
        self._count(self.root)

    def _add(self, label: str, form_id: str, key: Key) -> None:
        node = self.root
        for ch in norm(label.replace("{year}", YEAR)):
            node = node.children.setdefault(ch, Node())
        node.entries.setdefault(form_id, set()).add(key)
        node.label = label.replace("{year}", "××××")
        node.partial = node.partial or key.kind != "part" or key.numbered

    def _count(self, node: Node) -> int:
        node.count = (1 if node.entries else 0) + sum(map(self._count, node.children.values()))
        return node.count

    def match(self, text: str, i: int) -> Hit | None:
        """The label that starts at ``text[i]``, or None."""
        node, j, end, depth = self.root, i, i, 0
        best: tuple[Node, int] | None = None
        differs = False
        gap = False
        while j < len(text):
            ch = text[j]
            if ch in SPACE:
                j, gap = j + 1, True
                continue
            if ch in BARS:
                break
            if YEAR in node.children and _year_at(text, j):
                node, j = node.children[YEAR], j + 4
            else:
                nxt = _step(node, fold(ch), text, j)
                if nxt is None:
                    differs = not gap and not (ch.isdigit() or ch in "|：:")
                    break
                node, j, gap = nxt, j + 1, False
            end, depth = j, depth + 1
            if node.entries:
                best = (node, end)
        if best is not None and (best[0] is node or node.count != 1 or depth - _depth(best) < 3):
            return Hit(i, best[1], best[0].label, best[0].entries, True, False)
        if node.count == 1 and depth >= PREFIX_MIN:
            leaf = _only_leaf(node)
            if leaf.partial:
                return Hit(i, end, leaf.label, leaf.entries, False, differs)
        return None


def _depth(best: tuple[Node, int]) -> int:
    return len(norm(best[0].label))


def _step(node: Node, folded: str, text: str, j: int) -> Node | None:
    if not folded:
        return node
    for c in folded:
        nxt = node.children.get(c)
        if nxt is None and c == "、" and j > 0 and text[j - 1].isdigit():
            nxt = node.children.get(".")  # “1、属于国家秘密” for “1.属于国家秘密”
        if nxt is None:
            return None
        node = nxt
    return node


def _year_at(text: str, j: int) -> bool:
    four = text[j : j + 4]
    return len(four) == 4 and (four.isdigit() or set(four) <= {"_", "×"})


def _only_leaf(node: Node) -> Node:
    while not node.entries:
        node = next(iter(node.children.values()))
    return node


@cache
def trie() -> Trie:
    return Trie([load_form(f) for f in form_ids()])
