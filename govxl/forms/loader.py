"""Load form definitions from YAML, validate them, and resolve rules into instances.

A malformed definition must fail when it is loaded, with the file, the place in the file and the
reason — never later as a wrong check on somebody's return. So every key is checked against the
few it may be, ids must be unique, and every cell a rule names must exist.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from govxl.forms import expr
from govxl.forms.model import (
    Block,
    BlockColumn,
    BlockRow,
    Cell,
    CellType,
    Form,
    Header,
    Instance,
    Part,
    RowNode,
    Rule,
    Severity,
    Table,
)


class SpecError(ValueError):
    """A form definition is malformed: names the file, the place in it and the reason."""

    def __init__(self, source: str, where: str, reason: str) -> None:
        self.source, self.where, self.reason = source, where, reason
        super().__init__(f"{source}: {where}: {reason}")


_FORM_KEYS = {"id", "title", "basis", "years", "parts", "tables", "rules", "extends", "add_blocks"}
_TABLE_KEYS = {
    "id",
    "sheet",
    "title",
    "layout",
    "corner",
    "width",
    "blocks",
    "columns",
    "rows",
    "type",
}
_BLOCK_KEYS = {"id", "title", "head", "columns", "rows", "layout"}
_RULE_KEYS = {
    "id",
    "title",
    "short",
    "severity",
    "for",
    "check",
    "define",
    "types",
    "message",
    "per_unit",
}
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


class _Ctx:
    """Carries the file name so every error can say where it is."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, reason: str) -> SpecError:
        return SpecError(self.source, where, reason)

    def keys(self, obj: Any, allowed: set[str], where: str, required: tuple[str, ...] = ()) -> None:
        if not isinstance(obj, Mapping):
            raise self.fail(where, f"expected a mapping, got {type(obj).__name__}")
        unknown = sorted(set(obj) - allowed)
        if unknown:
            raise self.fail(
                where, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
            )
        for key in required:
            if key not in obj:
                raise self.fail(where, f"missing key {key!r}")

    def ident(self, value: Any, where: str) -> str:
        if (
            not isinstance(value, str)
            or not value
            or not set(value) <= _ID_CHARS
            or value[0].isdigit()
        ):
            raise self.fail(where, f"id must be lower-case letters, digits and _, got {value!r}")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected non-empty text, got {value!r}")
        return value

    def ctype(self, value: Any, where: str) -> CellType:
        try:
            return CellType(value)
        except ValueError:
            allowed = ", ".join(t.value for t in CellType)
            raise self.fail(where, f"bad type {value!r} (allowed: {allowed})") from None

    def unique(self, ids: list[str], where: str, what: str) -> None:
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                raise self.fail(where, f"duplicate {what} id {i!r}")
            seen.add(i)


# ---------------------------------------------------------------- files


@cache
def definitions_dir() -> Path:
    """The shipped definitions, ``govxl/forms/definitions/*.yaml`` (package data)."""
    return Path(str(resources.files("govxl.forms") / "definitions"))


@cache
def form_ids() -> tuple[str, ...]:
    """The shipped forms' ids; listed once per process (every return read asks which form)."""
    return tuple(sorted(p.stem for p in definitions_dir().glob("*.yaml")))


@cache
def load_form(form_id: str) -> Form:
    """The shipped form with this id (cached: forms are immutable)."""
    path = definitions_dir() / f"{form_id}.yaml"
    if not path.is_file():
        raise KeyError(f"未知的表单“{form_id}”，可用：{'、'.join(form_ids())}")
    return load_file(path)


def load_file(path: Path) -> Form:
    raw = _read_yaml(path)
    base_id = raw.get("extends") if isinstance(raw, Mapping) else None
    if base_id:
        base_path = path.with_name(f"{base_id}.yaml")
        if not base_path.is_file():
            raise SpecError(path.name, "extends", f"base form {base_id!r} not found")
        raw = _extend(_read_yaml(base_path), raw, _Ctx(path.name))
    return build(raw, path.name, source=path)


def _read_yaml(path: Path) -> dict[str, Any]:
    data = _parse_yaml(path, path.read_bytes())
    if not isinstance(data, dict):
        raise SpecError(path.name, "top", "expected a mapping")
    return data


def _parse_yaml(path: Path, text: bytes) -> Any:
    # libyaml's loader parses ten times faster than the pure-Python one; both are safe loaders
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text.decode("utf-8"), Loader=loader)
    except UnicodeDecodeError as e:
        raise SpecError(path.name, "yaml", f"not UTF-8: {e}") from None
    except yaml.YAMLError as e:
        raise SpecError(path.name, "yaml", str(e)) from None


def _extend(base: dict[str, Any], child: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """A local variant: the base form plus blocks appended to its tables; own id and title."""
    ctx.keys(child, _FORM_KEYS, "top", ("id", "extends"))
    out = copy.deepcopy(base)
    for key in ("id", "title", "basis", "years"):
        if key in child:
            out[key] = child[key]
    out["extends"] = child["extends"]
    for table_id, blocks in (child.get("add_blocks") or {}).items():
        tables = [t for t in out["tables"] if t.get("id") == table_id]
        if not tables or tables[0].get("layout") != "blocks":
            raise ctx.fail(
                f"add_blocks.{table_id}", "no table with blocks of that id in the base form"
            )
        tables[0]["blocks"] = list(tables[0]["blocks"]) + list(blocks)
    out["rules"] = list(out.get("rules", [])) + list(child.get("rules", []))
    return out


def digest(raw: Mapping[str, Any]) -> str:
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- build


def build(raw: dict[str, Any], name: str, *, source: Path | None = None) -> Form:
    """Turn a resolved definition dict into a validated ``Form``; ``name`` is used in errors."""
    ctx = _Ctx(name)
    ctx.keys(raw, _FORM_KEYS, "top", ("id", "title", "basis", "years", "tables", "rules"))
    form_id = ctx.ident(raw["id"], "id")
    years = raw["years"]
    ctx.keys(years, {"first", "last"}, "years", ("first",))
    parts = tuple(_part(p, ctx, f"parts[{i}]") for i, p in enumerate(raw.get("parts") or []))
    tables = tuple(_table(t, ctx, f"tables[{i}]") for i, t in enumerate(raw["tables"]))
    ctx.unique([t.id for t in tables], "tables", "table")
    cells = dict(_cells(tables))
    rules = tuple(_rule(r, ctx, f"rules[{i}]") for i, r in enumerate(raw["rules"]))
    ctx.unique([r.id for r in rules], "rules", "rule")
    # Computed cells first: a rule looping over a table's input cells must know which they are.
    defined: list[Instance] = []
    for i, (rule, rdef) in enumerate(zip(rules, raw["rules"], strict=True)):
        if rule.kind == "define":
            defined.extend(_instances(rule, rdef, tables, cells, ctx, f"rules[{i}] ({rule.id})"))
    cells = _mark_computed(cells, defined, ctx)
    instances: list[Instance] = []
    for i, (rule, rdef) in enumerate(zip(rules, raw["rules"], strict=True)):
        instances.extend(_instances(rule, rdef, tables, cells, ctx, f"rules[{i}] ({rule.id})"))
    instances = _with_operands(instances)
    return Form(
        id=form_id,
        title=ctx.text(raw["title"], "title"),
        basis=ctx.text(raw["basis"], "basis"),
        first_year=int(years["first"]),
        last_year=years.get("last"),
        parts=parts,
        tables=tables,
        rules=rules,
        cells=cells,
        instances=tuple(instances),
        digest=digest(raw),
        extends=raw.get("extends"),
        source=source,
    )


def _part(p: Any, ctx: _Ctx, where: str) -> Part:
    ctx.keys(p, {"id", "title", "kind", "table"}, where, ("id", "title", "kind"))
    if p["kind"] not in ("text", "table"):
        raise ctx.fail(where, f"kind must be text or table, got {p['kind']!r}")
    return Part(ctx.ident(p["id"], where), ctx.text(p["title"], where), p["kind"], p.get("table"))


def _table(t: Any, ctx: _Ctx, where: str) -> Table:
    ctx.keys(t, _TABLE_KEYS, where, ("id", "sheet", "title", "layout"))
    tid = ctx.ident(t["id"], f"{where}.id")
    where = f"{where} ({tid})"
    if t["layout"] == "blocks":
        blocks = tuple(_block(b, ctx, f"{where}.blocks[{i}]") for i, b in enumerate(t["blocks"]))
        ctx.unique([b.id for b in blocks], where, "block")
        ctx.unique([r.id for b in blocks for r in b.rows], where, "row")
        width = int(t.get("width") or 4)
        for b in blocks:
            if len(b.columns) > width - 1:
                raise ctx.fail(
                    f"{where}.{b.id}", f"{len(b.columns)} columns do not fit width {width}"
                )
        return Table(
            tid,
            ctx.text(t["sheet"], where),
            ctx.text(t["title"], where),
            "blocks",
            width=width,
            blocks=blocks,
        )
    if t["layout"] != "grid":
        raise ctx.fail(where, f"layout must be grid or blocks, got {t['layout']!r}")
    columns = tuple(_header(h, ctx, f"{where}.columns[{i}]") for i, h in enumerate(t["columns"]))
    rows = tuple(_rownode(r, ctx, f"{where}.rows[{i}]") for i, r in enumerate(t["rows"]))
    ctx.unique([h.id or "" for c in columns for h in c.leaves()], where, "column")
    ctx.unique([r.id or "" for n in rows for r, _ in n.leaves()], where, "row")
    return Table(
        tid,
        ctx.text(t["sheet"], where),
        ctx.text(t["title"], where),
        "grid",
        corner=t.get("corner"),
        columns=columns,
        rows=rows,
        type=ctx.ctype(t.get("type", "count"), f"{where}.type"),
    )


def _tree(node: Any, ctx: _Ctx, where: str) -> tuple[Any, tuple[Any, ...]]:
    """What header and row trees share: keys, children, and an id on every leaf."""
    ctx.keys(node, {"id", "label", "children"}, where, ("label",))
    children = tuple(
        (node, f"{where}.children[{i}]") for i, node in enumerate(node.get("children") or [])
    )
    if not children:
        ctx.ident(node.get("id"), f"{where}.id")
    return node, children


def _header(h: Any, ctx: _Ctx, where: str) -> Header:
    h, children = _tree(h, ctx, where)
    return Header(
        ctx.text(h["label"], where), h.get("id"), tuple(_header(c, ctx, w) for c, w in children)
    )


def _rownode(r: Any, ctx: _Ctx, where: str) -> RowNode:
    r, children = _tree(r, ctx, where)
    label = r["label"]
    if label is not None:  # table 四's single row has no label
        ctx.text(label, where)
    return RowNode(label, r.get("id"), tuple(_rownode(c, ctx, w) for c, w in children))


def _block(b: Any, ctx: _Ctx, where: str) -> Block:
    ctx.keys(b, _BLOCK_KEYS, where, ("id", "rows"))
    layout = b.get("layout", "block")
    if layout not in ("block", "line"):
        raise ctx.fail(where, f"block layout must be block or line, got {layout!r}")
    cols = []
    for i, c in enumerate(b.get("columns") or []):
        w = f"{where}.columns[{i}]"
        ctx.keys(c, {"id", "label", "type", "unit"}, w, ("id", "label", "type"))
        cols.append(
            BlockColumn(
                ctx.ident(c["id"], w),
                ctx.text(c["label"], w),
                ctx.ctype(c["type"], f"{w}.type"),
                c.get("unit"),
            )
        )
    rows = []
    for i, r in enumerate(b["rows"]):
        w = f"{where}.rows[{i}]"
        ctx.keys(r, {"id", "label", "type"}, w, ("id", "label"))
        rtype = ctx.ctype(r["type"], f"{w}.type") if "type" in r else None
        if layout == "line" and rtype is None:
            raise ctx.fail(w, "a row of a line block needs a type")
        rows.append(BlockRow(ctx.ident(r["id"], w), ctx.text(r["label"], w), rtype))
    if layout == "block" and not cols:
        raise ctx.fail(where, "a block needs columns")
    ctx.unique([c.id for c in cols], where, "column")
    return Block(
        ctx.ident(b["id"], f"{where}.id"),
        layout,
        b.get("title"),
        b.get("head"),
        tuple(cols),
        tuple(rows),
    )


def _cells(tables: tuple[Table, ...]) -> Iterator[tuple[str, Cell]]:
    for t in tables:
        if t.layout == "blocks":
            for b in t.blocks:
                for r in b.rows:
                    if b.layout == "line":
                        cid = f"{t.id}.{r.id}.value"
                        yield (
                            cid,
                            Cell(
                                cid,
                                t.id,
                                r.id,
                                "value",
                                (r.label,),
                                (),
                                r.type or CellType.COUNT,
                                block=b.id,
                            ),
                        )
                        continue
                    for c in b.columns:
                        cid = f"{t.id}.{r.id}.{c.id}"
                        yield (
                            cid,
                            Cell(
                                cid,
                                t.id,
                                r.id,
                                c.id,
                                (r.label,),
                                (c.label,),
                                c.type,
                                c.unit,
                                block=b.id,
                            ),
                        )
            continue
        col_paths = [(leaf, path) for h in t.columns for leaf, path in _header_paths(h, ())]
        for node in t.rows:
            for row, row_path in node.leaves():
                for col, col_path in col_paths:
                    cid = f"{t.id}.{row.id}.{col.id}"
                    yield (
                        cid,
                        Cell(cid, t.id, row.id or "", col.id or "", row_path, col_path, t.type),
                    )


def _header_paths(h: Header, path: tuple[str, ...]) -> Iterator[tuple[Header, tuple[str, ...]]]:
    here = path + (h.label,)
    if not h.children:
        yield h, here
    for c in h.children:
        yield from _header_paths(c, here)


def _rule(r: Any, ctx: _Ctx, where: str) -> Rule:
    ctx.keys(r, _RULE_KEYS, where, ("id", "title", "severity", "message"))
    kinds = [k for k in ("check", "define", "types") if k in r]
    if len(kinds) != 1:
        raise ctx.fail(where, "a rule has exactly one of check, define, types")
    try:
        severity = Severity(r["severity"])
    except ValueError:
        raise ctx.fail(
            where, f"severity must be error, warning or info, got {r['severity']!r}"
        ) from None
    if not isinstance(r["id"], str) or not r["id"]:
        raise ctx.fail(where, "rule id must be text")
    text = r.get(kinds[0]) if kinds[0] != "types" else ""
    return Rule(
        r["id"],
        ctx.text(r["title"], where),
        severity,
        kinds[0],
        ctx.text(r["message"], where),
        str(text or ""),
        r.get("short"),
        bool(r.get("per_unit", False)),
    )


def _for_values(
    spec: Any, tables: tuple[Table, ...], cells: dict[str, Cell], ctx: _Ctx, where: str
) -> list[str]:
    """The values a loop variable takes: a list, a grid's rows or columns, or the ids of the
    input cells of some tables (``cells: [t2, t3], type: count``)."""
    if isinstance(spec, list):
        return [str(v) for v in spec]
    ctx.keys(spec, {"rows", "columns", "except", "cells", "type"}, where)
    by_id = {t.id: t for t in tables}
    if "cells" in spec:
        wanted = spec["cells"]
        if not isinstance(wanted, list) or not set(wanted) <= set(by_id):
            raise ctx.fail(where, f"cells: expected a list of table ids, got {wanted!r}")
        ctype = ctx.ctype(spec["type"], f"{where}.type") if "type" in spec else None
        return [
            c.id
            for c in cells.values()
            if c.table in wanted and not c.computed and (ctype is None or c.type is ctype)
        ]
    tid = spec.get("rows") or spec.get("columns")
    if tid not in by_id or by_id[tid].layout != "grid":
        raise ctx.fail(where, f"no grid table {tid!r}")
    t = by_id[tid]
    if "rows" in spec:
        values = [r.id or "" for n in t.rows for r, _ in n.leaves()]
    else:
        values = [h.id or "" for c in t.columns for h in c.leaves()]
    return [v for v in values if v not in set(spec.get("except") or [])]


def _instances(
    rule: Rule,
    rdef: Mapping[str, Any],
    tables: tuple[Table, ...],
    cells: dict[str, Cell],
    ctx: _Ctx,
    where: str,
) -> Iterator[Instance]:
    if rule.kind == "types":
        return
    loops = rdef.get("for") or {}
    names = list(loops)
    values = [_for_values(loops[n], tables, cells, ctx, f"{where}.for.{n}") for n in names]
    for combo in itertools.product(*values) if names else [()]:
        text = rule.text
        for name, value in zip(names, combo, strict=True):
            text = text.replace("{" + name + "}", value)
        key = f"{rule.id}[{','.join(combo)}]" if combo else rule.id
        try:
            if rule.kind == "check":
                target, node = None, expr.parse_check(text)
            else:
                tref, node = expr.parse_define(text)
                target = tref.cell
            node = expr.resolve(node, lambda a, b: _expand(a, b, tables, cells))
            refs = expr.refs(node)
        except expr.ExprError as e:
            raise ctx.fail(f"{where} {key}", str(e)) from None
        for ref in refs + ([expr.Ref(target)] if target else []):
            if ref.cell not in cells:
                raise ctx.fail(f"{where} {key}", f"unknown cell id {ref.cell!r}")
        used_tables = {cells[r.cell].table for r in refs}
        yield Instance(
            key,
            rule,
            node,
            tuple(str(r) for r in refs),
            target,
            any(r.prev for r in refs),
            next(iter(used_tables)) if len(used_tables) == 1 else None,
        )


def _expand(
    a: expr.Ref, b: expr.Ref, tables: tuple[Table, ...], cells: dict[str, Cell]
) -> tuple[expr.Ref, ...]:
    """``a .. b``: the cells between a and b along their shared row or column, in form order."""
    if a.prev != b.prev:
        raise expr.ExprError(f"range {a}..{b} mixes this year and last year")
    for ref in (a, b):
        if ref.cell not in cells:
            raise expr.ExprError(f"unknown cell id {ref.cell!r}")
    ca, cb = cells[a.cell], cells[b.cell]
    if ca.table != cb.table:
        raise expr.ExprError(f"range {a}..{b} spans two tables")
    order = [c for c in cells.values() if c.table == ca.table]
    if ca.column == cb.column:
        line = [c for c in order if c.column == ca.column]
    elif ca.row == cb.row:
        line = [c for c in order if c.row == ca.row]
    else:
        raise expr.ExprError(f"range {a}..{b} is neither one row nor one column")
    i, j = line.index(ca), line.index(cb)
    if i > j:
        raise expr.ExprError(f"range {a}..{b} runs backwards")
    return tuple(expr.Ref(c.id, a.prev) for c in line[i : j + 1])


def _with_operands(instances: list[Instance]) -> list[Instance]:
    parts = {i.target: i.refs for i in instances if i.target}

    def expand(ref: str) -> list[str]:
        if ref in parts:
            return [x for r in parts[ref] for x in expand(r)]
        return [ref]

    out = []
    for inst in instances:
        ops = dict.fromkeys(x for r in inst.refs for x in expand(r))
        out.append(dataclasses.replace(inst, operands=tuple(ops)))
    return out


def _mark_computed(cells: dict[str, Cell], instances: list[Instance], ctx: _Ctx) -> dict[str, Cell]:
    targets: dict[str, str] = {}
    for inst in instances:
        if inst.target is None:
            continue
        if inst.target in targets:
            raise ctx.fail(
                inst.key, f"cell {inst.target!r} is already defined by {targets[inst.target]}"
            )
        targets[inst.target] = inst.key
    deps = {i.target: [r for r in i.refs if r in targets] for i in instances if i.target}
    state: dict[str, int] = {}

    def visit(cid: str, trail: tuple[str, ...]) -> None:
        if state.get(cid) == 2:
            return
        if state.get(cid) == 1:
            raise ctx.fail(
                targets[cid], f"computed cells depend on each other: {' -> '.join(trail)}"
            )
        state[cid] = 1
        for dep in deps.get(cid, []):
            visit(dep, trail + (dep,))
        state[cid] = 2

    for cid in deps:
        visit(cid, (cid,))
    out = {}
    for cid, cell in cells.items():
        if cid in targets:
            cell = Cell(**{**cell.__dict__, "computed": True})
        out[cid] = cell
    return out
