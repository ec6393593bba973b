"""What the import itself can tell about a report: its totals and its layout against its year.

A printed total is checked against its parts by the form's ``define`` rule, and also by every
other way the form's totals add up to it: （七）总计 in the 总计 column is the sum of the
row's applicant columns (R2), and equally the sum of the 总计 column down the 办理结果 rows —
a report can balance the first and not the second. Those second ways are derived here from
the definitions (a set of totals of one rule that splits the same input cells), not written
down per form.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from govxl.forms import Form
from govxl.forms.compute import Value, is_number
from govxl.importer.source import ImportIssue
from govxl.importer.tokens import Doc, Token


def _expansion(form: Form) -> dict[str, frozenset[str]]:
    """Every computed cell → the input cells it adds up."""
    defs = {i.target: i for i in form.instances if i.target}
    out: dict[str, frozenset[str]] = {}

    def expand(cell: str) -> frozenset[str]:
        if cell not in defs:
            return frozenset({cell})
        if cell not in out:
            out[cell] = frozenset().union(*(expand(r) for r in defs[cell].refs))
        return out[cell]

    for target in defs:
        expand(target)
    return out


@cache
def totals(form: Form) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(total, parts) pairs to check printed figures by: each definition, then each other set
    of totals of one rule that splits exactly the same input cells."""
    exp = _expansion(form)
    by_rule: dict[str, list[str]] = {}
    out: list[tuple[str, tuple[str, ...]]] = []
    for inst in form.instances:
        if inst.target:
            out.append((inst.target, inst.refs))
            by_rule.setdefault(inst.rule.id, []).append(inst.target)
    for target, refs in list(out):
        whole = exp[target]
        for rule_targets in by_rule.values():
            parts = [u for u in rule_targets if u != target and exp[u] < whole]
            if not parts or set(parts) == set(refs):
                continue
            covered = [c for u in parts for c in exp[u]]
            if len(covered) == len(set(covered)) and set(covered) == whole:
                out.append((target, tuple(parts)))
    return tuple(out)


def sum_check(
    form: Form, target: str, parts: tuple[str, ...], printed: dict[str, Value]
) -> tuple[Value, Value] | None:
    """The printed total and the sum of the printed parts, when they differ."""
    total = printed.get(target)
    values = [printed.get(p) for p in parts]
    if not is_number(total) or not all(v is None or is_number(v) for v in values):
        return None
    summed: int | Decimal = sum((v for v in values if is_number(v)), 0)  # type: ignore[misc]
    return None if summed == total else (total, summed)


def identity(form: Form, year: int | None, foreign: list[Token], doc: Doc) -> list[ImportIssue]:
    """A form that does not fit the report's year, or tables in another form's layout."""
    out: list[ImportIssue] = []
    if year is not None and not form.covers(year):
        span = f"{form.first_year}–{form.last_year or ''}"
        out.append(
            ImportIssue(
                "warning",
                "form-year",
                f"{year} 年度的报告使用了“{form.title}”，"
                f"该格式适用于 {span} 年度（表格模板已过时）",
            )
        )
    labels = sorted({t.hit.label for t in foreign if t.hit is not None})
    if labels:
        shown = "".join(f"“{x}”" for x in labels[:3]) + ("等" if len(labels) > 3 else "")
        out.append(
            ImportIssue(
                "warning",
                "other-layout",
                f"报告中有{shown}，这些是其他版本表格格式的标签，不属于“{form.title}”；"
                "这部分表格可能沿用了旧模板，其中的数字未导入",
                doc.where(foreign[0].start),
            )
        )
    return out
