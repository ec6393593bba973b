"""The token stream aligned with the form: which figures follow which row label.

The walk keeps three things: the part it is in (a part heading, found by its title whatever
its number), the table whose labels it is among, and the row whose label it read last. Figures
and empty cells after a row label are that row's, in order, until the next label; the headers,
group labels and the pieces of labels that PDF text wraps around the figures are passed over.
A table without row labels (四) takes the figures after its headers. Figures in a table that
follow no row label, a row printed twice, more figures than a row has cells: each is kept with
the reason, to be listed — a figure is placed only where the form leaves one place for it.

Rows that lost their label (Markdown from OCR) are placed by the form's row order when whole
lines of figures follow a labelled row and the rows between it and the next label are exactly
that many; the rules must then confirm them, or they are listed instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govxl.forms import Form
from govxl.forms.compute import Value
from govxl.importer import solve
from govxl.importer.lexicon import Key, form_lexicon
from govxl.importer.solve import Open, Piece, Reading
from govxl.importer.tokens import Doc, Token

SENTENCE = re.compile(r"[。；;，,].*\S|\S.*[。；;]")
SENTENCE_MIN = 15
SWITCH_MIN = 4


@dataclass
class RowRead:
    table: str
    row: str
    label: Token | None
    slots: list[Token] = field(default_factory=list)
    inferred: bool = False
    noise: bool = False
    """Text with digits among the figures: when cells ran together, a reading is not safe."""


@dataclass
class Unplaced:
    token: Token
    why: str
    text: str = ""


@dataclass
class Alignment:
    placed: dict[str, Piece] = field(default_factory=dict)
    """Cell id → the source piece it was read from."""
    blank: dict[str, Token] = field(default_factory=dict)
    """Cells the source shows empty."""
    unplaced: list[Unplaced] = field(default_factory=list)
    notes: list[tuple[str, str, Token | None]] = field(default_factory=list)
    """(code, message, token) for everything else worth saying."""
    parts: list[tuple[str, Token]] = field(default_factory=list)
    """Part headings found: (part id, token)."""
    labels: list[Token] = field(default_factory=list)
    foreign: list[Token] = field(default_factory=list)
    """Labels that this form does not print but another one does."""


class Aligner:
    def __init__(self, form: Form, doc: Doc, tokens: list[Token]) -> None:
        self.form = form
        self.lex = form_lexicon(form)
        self.doc = doc
        self.tokens = tokens
        self.out = Alignment()
        self.reads: list[RowRead] = []
        self.part: str | None = None
        self.table: str | None = None
        self.row: RowRead | None = None
        self.unknown = ""
        """Text read in a table since the last label: the label of a row no form knows."""
        self.before: list[Token] = []
        """Empty cells on the line before any figure: a row without a label starts there."""

    # ------------------------------------------------------------ the walk

    def run(self) -> Alignment:
        for k, tok in enumerate(self.tokens):
            if tok.kind == "label" and tok.hit is not None:
                self._label(tok, k)
            elif tok.kind in ("value", "blank"):
                self._value(tok)
            elif tok.kind == "cell" and self.row is not None:
                self.row.slots.append(tok)
            elif tok.kind in ("text", "cell") and self.row is None and self.table is not None:
                self.unknown = tok.text  # a row label the forms do not know
            elif tok.kind == "text" and self.row is not None and _digits(tok.text):
                self.row.noise = True
            elif tok.kind == "text" and self._sentence(tok):
                self._close()
                self.table = None if self.part not in self.lex.part_table else self.table
        self._close()
        self._place()
        return self.out

    def _keys(self, tok: Token) -> set[Key]:
        assert tok.hit is not None
        return tok.hit.keys(self.form.id)

    def _label(self, tok: Token, k: int) -> None:
        self.unknown, self.before = "", []
        keys = self._keys(tok)
        if not keys:
            self.out.foreign.append(tok)
            self._close()
            return
        part = next((key for key in keys if key.kind == "part"), None)
        if part is not None and (part.numbered or self._starts_line(k)):
            self._close()
            self.part = part.ident
            self.table = part.table
            self.out.parts.append((part.ident or "", tok))
            return
        self.out.labels.append(tok)
        row = self._pick(keys, ("row",))
        if row is not None and self._accepts(row):
            self._close()
            self.table = row.table
            self.row = RowRead(row.table or "", row.ident or "", tok)
            return
        head = self._pick(keys, ("head", "group"))
        if head is None or (self.table != head.table and not self._switches(tok)):
            return
        if self.row is not None and self.row.slots:
            self._close()
        if self.table != head.table:
            self._close()
        self.table = head.table

    def _pick(self, keys: set[Key], kinds: tuple[str, ...]) -> Key | None:
        """Of the things a label is (总计 heads tables 三 and 四), the one in this table."""
        fitting = sorted((k for k in keys if k.kind in kinds), key=lambda k: str(k.table))
        here = [k for k in fitting if k.table == self.table]
        return (here or fitting)[0] if fitting else None

    def _switches(self, tok: Token) -> bool:
        """Another table's header starts that table, unless it is a short word (其他, 总计)
        that the table at hand can hold as text."""
        if self.table is None:
            return self.part is None or self.part in self.lex.part_table
        return tok.hit is not None and len(tok.hit.label) >= SWITCH_MIN

    def _accepts(self, key: Key) -> bool:
        """A row label counts in a table part or among that table's headers, not in the text."""
        if self.table is not None:
            return True
        return self.part is None or self.part in self.lex.part_table

    def _starts_line(self, k: int) -> bool:
        return k == 0 or self.tokens[k - 1].line != self.tokens[k].line

    def _value(self, tok: Token) -> None:
        if self.row is not None:
            self.row.slots.append(tok)
        elif tok.kind == "blank":
            self.before = [t for t in self.before if t.line == tok.line] + [tok]
        elif tok.kind == "value" and self.table in self.lex.unlabelled:
            table = self.table or ""
            ahead = [t for t in self.before if t.line == tok.line]  # its empty first cells
            self.row = RowRead(table, self.lex.unlabelled[table], None, [*ahead, tok])
        elif self.table is not None and tok.kind == "value":
            why = f"所在的行“{self.unknown[:30]}”无法识别" if self.unknown else "不在任何行标签之后"
            self.out.unplaced.append(Unplaced(tok, why))

    def _sentence(self, tok: Token) -> bool:
        return len(tok.text) >= SENTENCE_MIN and SENTENCE.search(tok.text) is not None

    def _close(self) -> None:
        if self.row is not None and self.row.slots:
            self.reads.append(self.row)
        self.row = None

    # ------------------------------------------------------------ placing

    def _place(self) -> None:
        reads = self._unlabelled_rows(self._dedupe(self.reads))
        fixed: dict[str, Value] = {}
        open_rows: list[tuple[RowRead, Open]] = []
        for read in reads:
            cells = self.lex.cells[(read.table, read.row)]
            options = solve.readings(read.slots, len(cells))
            if read.noise and options and len(options) > 1:
                self._unplace(read, "数字与文字连在一起，无法确定各列的数字")
                continue
            if options is None:
                self._unplace(read, f"可能的读法超过 {solve.MAX_READINGS} 种，无法确定")
                continue
            if len(options) > 1:
                options = solve.within_row(self.form, cells, options)
            if not options:
                self._unplace(read, self._why_none(read, len(cells)))
            elif len(options) == 1 and not read.inferred:
                self._commit(read, cells, dict(zip(cells, options[0], strict=True)))
                fixed.update(solve.row_values(self.form, cells, options[0]))
            else:
                open_rows.append((read, Open((read.table, read.row), cells, options)))
        self._settle(open_rows, fixed)

    def _why_none(self, read: RowRead, n: int) -> str:
        values = [t for t in read.slots if t.kind == "value"]
        if len(values) > n:
            return f"所在行有 {len(values)} 个数值，而该行只有 {n} 列，无法确定对应关系"
        return "按表格的勾稽关系，这些数字没有一种读法成立"

    def _settle(self, rows: list[tuple[RowRead, Open]], fixed: dict[str, Value]) -> None:
        if not rows:
            return
        if self._broken(fixed):  # the report's own figures do not add up: no rule can choose
            feasible = {k: set(range(len(o.options))) for k, (_, o) in enumerate(rows)}
        else:
            feasible = solve.across_rows(self.form, [o for _, o in rows], fixed)
        for k, (read, o) in enumerate(rows):
            options = [o.options[j] for j in sorted(feasible[k])]
            if read.inferred:
                if options and self._confirmed(o.cells, options[0], fixed):
                    self._commit(read, o.cells, dict(zip(o.cells, options[0], strict=True)))
                else:
                    self._unplace(read, "所在行没有行标签，按行序推定的位置未得到勾稽关系的印证")
                continue
            if not options:
                self._unplace(read, "按表格的勾稽关系，这些数字没有一种读法成立")
                continue
            sure = solve.agreed(o.cells, options)
            self._commit(read, o.cells, sure)
            if len(sure) < len(o.cells):
                self._ambiguous(read, o.cells, sure, len(options))

    def _broken(self, fixed: dict[str, Value]) -> bool:
        return any(solve.fits(i, fixed) is False for i in self.form.instances if not i.uses_prev)

    def _confirmed(self, cells: tuple[str, ...], r: Reading, fixed: dict[str, Value]) -> bool:
        values = {**fixed, **solve.row_values(self.form, cells, r)}
        own = set(cells)
        verdicts = [
            solve.fits(i, values, own)
            for i in self.form.instances
            if not i.uses_prev and not solve.cells_of(i) <= own
        ]
        return True in verdicts and False not in verdicts

    def _commit(
        self, read: RowRead, cells: tuple[str, ...], chosen: dict[str, Piece | None]
    ) -> None:
        used: set[int] = set()
        for cell in cells:
            if cell not in chosen:
                continue
            p = chosen[cell]
            if p is None:
                continue
            used.add(id(p.token))
            if p.token.kind == "blank":
                self.out.blank[cell] = p.token
            else:
                self.out.placed[cell] = p
        for t in read.slots:
            if (
                t.kind in ("value", "cell")
                and id(t) not in used
                and not self._split_used(t, chosen)
            ):
                self.out.unplaced.append(Unplaced(t, self._row_name(read) + "中无法确定其位置"))
        if read.inferred:
            self.out.notes.append(
                ("row-by-order", f"一行没有行标签的数字按行序放在{self._row_name(read)}", None)
            )

    def _split_used(self, t: Token, chosen: dict[str, Piece | None]) -> bool:
        return any(p is not None and p.token is t for p in chosen.values())

    def _ambiguous(
        self, read: RowRead, cells: tuple[str, ...], sure: dict[str, Piece | None], n: int
    ) -> None:
        label = read.label or read.slots[0]
        text = " ".join(t.text for t in read.slots if t.kind == "value")
        self.out.notes.append(
            (
                "ambiguous",
                f"{self._row_name(read)}的数字“{text[:40]}”有 {n} 种读法都符合勾稽关系，"
                f"其中 {len(cells) - len(sure)} 个单元格无法确定，未导入，请对照报告原文填写",
                label,
            )
        )

    def _unplace(self, read: RowRead, why: str) -> None:
        for t in read.slots:
            if t.kind in ("value", "cell"):
                self.out.unplaced.append(Unplaced(t, f"{self._row_name(read)}：{why}"))

    def _row_name(self, read: RowRead) -> str:
        key = Key("row", read.table, read.row)
        label = self.lex.labels.get(key, "")
        num = self.form.table(read.table).title.split("、", 1)[0]
        return f"表{num}“{label}”行" if label else f"表{num}"

    def _dedupe(self, reads: list[RowRead]) -> list[RowRead]:
        seen: dict[tuple[str, str], RowRead] = {}
        out: list[RowRead] = []
        for r in reads:
            key = (r.table, r.row)
            if key in seen:
                for t in r.slots:
                    if t.kind == "value":
                        first = self.doc.where(seen[key].slots[0].start)
                        self.out.unplaced.append(
                            Unplaced(
                                t,
                                f"{self._row_name(r)}在报告中重复出现，已采用第一次出现"
                                f"（{first}）的数字",
                            )
                        )
                continue
            seen[key] = r
            out.append(r)
        return out

    def _unlabelled_rows(self, reads: list[RowRead]) -> list[RowRead]:
        """Whole lines of figures after a labelled row: the rows between, by the form's order."""
        out: list[RowRead] = []
        for k, read in enumerate(reads):
            n = len(self.lex.cells[(read.table, read.row)])
            order = self.lex.order[read.table]
            groups = [solve.trim(g, n) for g in _lines(read.slots) if _has_value(g)]
            if read.label is None or len(groups) < 2 or any(len(g) != n for g in groups):
                out.append(read)
                continue
            lines = groups[1:]
            nxt = next((r for r in reads[k + 1 :] if r.table == read.table), None)
            here = order.index(read.row)
            stop = order.index(nxt.row) if nxt is not None else len(order)
            between = order[here + 1 : stop]
            if len(between) != len(lines) or any(
                len(self.lex.cells[(read.table, r)]) != n for r in between
            ):
                out.append(read)
                continue
            out.append(RowRead(read.table, read.row, read.label, groups[0]))
            pairs = zip(between, lines, strict=True)
            out += [RowRead(read.table, r, None, line, True) for r, line in pairs]
        return out


def _lines(slots: list[Token]) -> list[list[Token]]:
    groups: dict[int, list[Token]] = {}
    for t in slots:
        groups.setdefault(t.line, []).append(t)
    return list(groups.values())


def _has_value(slots: list[Token]) -> bool:
    return any(t.kind != "blank" for t in slots)


def _digits(text: str) -> bool:
    return any(c.isdigit() for c in text)
