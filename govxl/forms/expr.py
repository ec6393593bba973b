"""The rule language: one small expression grammar, parsed once, compiled twice.

A rule in a form definition is written once, e.g. ``t3.r1.total + t3.r2.total == t3.r3_7.total``.
It is parsed into the tiny AST below when the form is loaded (so a typo fails at load time, not
while checking a return), and the same AST is then

* compiled to an Excel formula for the live check cell of the template, and
* evaluated in Python against the values read from a return,

so the workbook a clerk sees and the check govxl runs cannot disagree.

Grammar (whitespace is insignificant)::

    expr    := or
    or      := and ("or" and)*
    and     := cmp ("and" cmp)*
    cmp     := sum (("==" | "!=" | ">=" | "<=" | ">" | "<") sum)?
    sum     := term (("+" | "-") term)*
    term    := atom ("*" atom)*
    atom    := NUMBER | REF | "sum(" REF ".." REF ")" | "sum(" REF ("," REF)* ")"
             | "int(" sum ")" | "(" expr ")"
    REF     := ["prev."] table "." row "." column

A *define* rule is ``REF = sum-expression`` and names a computed cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

Number = int | Decimal


class ExprError(ValueError):
    """A rule's text cannot be parsed; the loader adds the file and the rule id."""


@dataclass(frozen=True)
class Ref:
    cell: str
    prev: bool = False

    def __str__(self) -> str:
        return ("prev." if self.prev else "") + self.cell


@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Range:
    """``sum(a .. b)``: the cells from a to b along one row or column, resolved by the loader."""

    start: Ref
    end: Ref


@dataclass(frozen=True)
class Sum:
    refs: tuple[Ref, ...]


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Int:
    """``int(x)``: the whole part of x (Excel's INT, rounding down)."""

    arg: Node


@dataclass(frozen=True)
class Cmp:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class BoolOp:
    op: str
    items: tuple[Node, ...]


Node = Ref | Num | Range | Sum | BinOp | Int | Cmp | BoolOp

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<ref>(?:prev\.)?[a-z]\w*\.\w+\.\w+)"
    r"|(?P<kw>sum|int|and|or)\b|(?P<op>==|!=|>=|<=|\.\.|[-+*<>(),=]))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError(f"cannot read {text[pos : pos + 20]!r} at character {pos + 1}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            want = repr(value) if value else "more"
            raise ExprError(f"expected {want} in {self.text!r}")
        self.i += 1
        return tok

    def done(self) -> None:
        if self.peek() is not None:
            raise ExprError(f"unexpected {self.peek()[1]!r} in {self.text!r}")  # type: ignore[index]

    def expr(self) -> Node:
        return self._bool("or", self._and)

    def _and(self) -> Node:
        return self._bool("and", self.cmp)

    def _bool(self, op: str, sub: Callable[[], Node]) -> Node:
        items = [sub()]
        while self.peek() == ("kw", op):
            self.take()
            items.append(sub())
        return items[0] if len(items) == 1 else BoolOp(op, tuple(items))

    def cmp(self) -> Node:
        left = self.sum()
        tok = self.peek()
        if tok and tok[1] in ("==", "!=", ">=", "<=", ">", "<"):
            self.take()
            return Cmp(tok[1], left, self.sum())
        return left

    def sum(self) -> Node:
        node = self.term()
        while (tok := self.peek()) and tok[1] in ("+", "-"):
            self.take()
            node = BinOp(tok[1], node, self.term())
        return node

    def term(self) -> Node:
        node = self.atom()
        while (tok := self.peek()) and tok[1] == "*":
            self.take()
            node = BinOp("*", node, self.atom())
        return node

    def ref(self) -> Ref:
        kind, value = self.take()
        if kind != "ref":
            raise ExprError(f"expected a cell id, got {value!r} in {self.text!r}")
        if value.startswith("prev."):
            return Ref(value[5:], prev=True)
        return Ref(value)

    def atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise ExprError(f"expression ends too early: {self.text!r}")
        if tok[0] == "num":
            self.take()
            return Num(Decimal(tok[1]))
        if tok[0] == "ref":
            return self.ref()
        if tok == ("kw", "sum"):
            self.take()
            self.take("(")
            first = self.ref()
            if self.peek() == ("op", ".."):
                self.take()
                node: Node = Range(first, self.ref())
            else:
                refs = [first]
                while self.peek() == ("op", ","):
                    self.take()
                    refs.append(self.ref())
                node = Sum(tuple(refs))
            self.take(")")
            return node
        if tok == ("kw", "int"):
            self.take()
            self.take("(")
            node = Int(self.sum())
            self.take(")")
            return node
        if tok[1] == "(":
            self.take()
            node = self.expr()
            self.take(")")
            return node
        raise ExprError(f"unexpected {tok[1]!r} in {self.text!r}")


def parse_check(text: str) -> Node:
    """Parse a check rule; it must be a comparison or a boolean of comparisons."""
    p = _Parser(text)
    node = p.expr()
    p.done()
    if not isinstance(node, Cmp | BoolOp):
        raise ExprError(f"a check must compare two sides (==, >=, …): {text!r}")
    return node


def parse_define(text: str) -> tuple[Ref, Node]:
    """Parse ``target = sum-expression``; a computed cell is always a plain sum of cells."""
    if text.count("=") != 1 or "==" in text:
        raise ExprError(f"a define rule is 'cell = sum(...)': {text!r}")
    left, right = text.split("=")
    p = _Parser(left)
    target = p.ref()
    p.done()
    p = _Parser(right)
    body = p.sum()
    p.done()
    if not isinstance(body, Range | Sum):
        raise ExprError(f"a computed cell must be sum(...) of cells: {text!r}")
    return target, body


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, BinOp | Cmp):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Int):
        yield from walk(node.arg)
    elif isinstance(node, BoolOp):
        for item in node.items:
            yield from walk(item)
    elif isinstance(node, Range):
        yield node.start
        yield node.end
    elif isinstance(node, Sum):
        yield from node.refs


def refs(node: Node) -> list[Ref]:
    """Every cell the expression reads, in order, without duplicates (ranges must be resolved)."""
    seen: dict[Ref, None] = {}
    for n in walk(node):
        if isinstance(n, Range):
            raise ExprError("unresolved range")
        if isinstance(n, Ref):
            seen.setdefault(n, None)
    return list(seen)


def resolve(node: Node, expand: Callable[[Ref, Ref], tuple[Ref, ...]]) -> Node:
    """Replace every ``Range`` by the ``Sum`` of the cells it covers (the loader knows the grid)."""
    if isinstance(node, Range):
        return Sum(expand(node.start, node.end))
    if isinstance(node, BinOp):
        return BinOp(node.op, resolve(node.left, expand), resolve(node.right, expand))
    if isinstance(node, Int):
        return Int(resolve(node.arg, expand))
    if isinstance(node, Cmp):
        return Cmp(node.op, resolve(node.left, expand), resolve(node.right, expand))
    if isinstance(node, BoolOp):
        return BoolOp(node.op, tuple(resolve(i, expand) for i in node.items))
    return node


# ---------------------------------------------------------------- Excel

_XL_CMP = {"==": "=", "!=": "<>", ">=": ">=", "<=": "<=", ">": ">", "<": "<"}


def to_excel(
    node: Node, addr: Callable[[str], str], sum_ref: Callable[[tuple[str, ...]], str]
) -> str:
    """Compile to Excel formula syntax (no leading ``=``).

    ``addr`` maps a cell id to its A1 address; ``sum_ref`` turns the cells of a sum into the
    argument list of SUM (a compact ``D5:I5`` range where the cells are contiguous).
    """
    if isinstance(node, Ref):
        if node.prev:
            raise ExprError("last year's figures have no cell in this workbook")
        return addr(node.cell)
    if isinstance(node, Num):
        return str(node.value)
    if isinstance(node, Sum):
        return f"SUM({sum_ref(tuple(r.cell for r in node.refs))})"
    if isinstance(node, BinOp):
        left, right = to_excel(node.left, addr, sum_ref), to_excel(node.right, addr, sum_ref)
        if isinstance(node.right, BinOp) and node.op in ("-", "*") and node.right.op != "*":
            right = f"({right})"
        if isinstance(node.left, BinOp) and node.op == "*" and node.left.op != "*":
            left = f"({left})"
        return f"{left}{node.op}{right}"
    if isinstance(node, Int):
        return f"INT({to_excel(node.arg, addr, sum_ref)})"
    if isinstance(node, Cmp):
        return (
            f"{to_excel(node.left, addr, sum_ref)}{_XL_CMP[node.op]}"
            f"{to_excel(node.right, addr, sum_ref)}"
        )
    if isinstance(node, BoolOp):
        inner = ",".join(to_excel(i, addr, sum_ref) for i in node.items)
        return f"{node.op.upper()}({inner})"
    raise ExprError(f"cannot compile {node!r}")


# ---------------------------------------------------------------- Python

Lookup = Callable[[Ref], Number | None]


def evaluate(node: Node, lookup: Lookup) -> Number | bool:
    """Evaluate with numbers only; the caller has made sure no operand is blank or text.

    Sums skip missing cells, as SUM does in a spreadsheet.
    """
    if isinstance(node, Ref):
        value = lookup(node)
        if value is None:
            raise ExprError(f"{node} has no value")
        return value
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Sum):
        total: Number = 0
        for ref in node.refs:
            value = lookup(ref)
            if value is not None:
                total += value
        return total
    if isinstance(node, BinOp):
        a, b = evaluate(node.left, lookup), evaluate(node.right, lookup)
        if node.op == "*":
            return a * b
        return a + b if node.op == "+" else a - b
    if isinstance(node, Int):
        v = evaluate(node.arg, lookup)
        return v if isinstance(v, int) else int(Decimal(v).to_integral_value(ROUND_FLOOR))
    if isinstance(node, Cmp):
        a, b = evaluate(node.left, lookup), evaluate(node.right, lookup)
        return _CMP[node.op](a, b)
    if isinstance(node, BoolOp):
        results = [bool(evaluate(i, lookup)) for i in node.items]
        return all(results) if node.op == "and" else any(results)
    raise ExprError(f"cannot evaluate {node!r}")


_CMP: Mapping[str, Callable[[Number, Number], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}


def sides(node: Node) -> tuple[Node, Node] | None:
    """The two sides of the first comparison, for the {lhs}/{rhs} of a rule's message."""
    for n in walk(node):
        if isinstance(n, Cmp):
            return n.left, n.right
    return None
