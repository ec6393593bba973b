"""Import a published yearly report (.txt, .md, .html, .docx, .pdf) into a ``Return``.

One path for every format: the file becomes lines (``extract``), the lines one token stream
(``tokens``), the stream is aligned with the form the labels show (``align``, ``solve``) and
the frame — title, part texts, closing — is read around it (``sections``). Figures are read
with ``govxl.values.parse_value`` as the form's cell types require.

Nothing is guessed. Every value placed keeps the piece of source it came from
(``ImportResult.sources``, what ``govxl import --explain`` prints); every figure not placed is a
finding with where it was; a cell the report does not show stays blank. Published totals are
compared with the sum of their parts by the form's own rules, never copied over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from govxl.forms import Cell, Form, form_ids, load_form
from govxl.forms.compute import Value
from govxl.forms.returns import Return
from govxl.importer import checks
from govxl.importer.align import Aligner, Alignment
from govxl.importer.extract import extract, wrapped
from govxl.importer.sections import find_layout
from govxl.importer.solve import without_note
from govxl.importer.source import MAX_BYTES, ImportIssue, UnreadableReport
from govxl.importer.tokens import Doc, Token, drop_furniture, scan
from govxl.values import Kind, parse_value

PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
"""A figure written as published reports write figures: not worth a finding when read as text."""


@dataclass(frozen=True)
class Source:
    """Where one cell's value was read: the place, the text read, and its line."""

    where: str
    text: str
    line: str


@dataclass
class ImportResult:
    ret: Return
    findings: list[ImportIssue]
    form_reason: str
    sources: dict[str, Source] = field(default_factory=dict)
    printed: dict[str, Value] = field(default_factory=dict)
    """Every cell as the report prints it, totals included (the inputs are in ``ret``)."""

    @property
    def ok(self) -> bool:
        return all(f.severity != "error" for f in self.findings)


def import_report(path: Path) -> ImportResult:
    """Read the report at ``path``; raises ``UnreadableReport`` if it is no report at all."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES * 3:
            raise UnreadableReport(f"文件过大，不像一份年度报告：{path}")
        data = path.read_bytes()
    except OSError as e:
        raise UnreadableReport(f"无法读取 {path}：{e.strerror or e}") from e
    return import_bytes(data, path.name)


def import_bytes(data: bytes, name: str) -> ImportResult:
    lines, kind = extract(data, name)
    lines, _furniture = drop_furniture(lines)
    doc = Doc(lines)
    tokens = scan(doc)
    form, reason = recognise(tokens)
    al = Aligner(form, doc, tokens).run()
    lay = find_layout(form, doc, al.parts, joined=wrapped(kind, data))
    issues = list(lay.issues)
    issues += _alignment_issues(form, doc, al)
    printed, sources = _read(form, doc, al, lay.year, issues)
    issues += _missing(form, lay.year, al)
    issues += _totals(form, lay.year, printed, sources)
    issues += checks.identity(form, lay.year, al.foreign, doc)
    ret = Return(
        form,
        year=lay.year,
        unit_name=lay.unit,
        values={c.id: printed.get(c.id) for c in form.inputs()},
        texts={k: v for k, v in lay.texts.items() if v},
        info={"signed": lay.signed} if lay.signed else {},
    )
    return ImportResult(ret, issues, reason, sources, printed)


def recognise(tokens: list[Token]) -> tuple[Form, str]:
    """The form whose table labels the report shows most, and why (in Chinese)."""
    forms = [load_form(f) for f in form_ids()]
    seen: dict[str, set[str]] = {f.id: set() for f in forms}
    for t in tokens:
        if t.hit is None:
            continue
        for fid, keys in t.hit.entries.items():
            if any(k.kind != "part" for k in keys):
                seen[fid].add(t.hit.label)
    ranked = sorted(forms, key=lambda f: (len(seen[f.id]), -len(f.cells)), reverse=True)
    best = ranked[0]
    if not seen[best.id]:
        latest = max((f for f in forms if not f.extends), key=lambda f: f.first_year)
        return latest, f"报告中没有可识别的表格标签，选用最新的{latest.short}。"
    reason = f"按表格标签识别为{best.short}"
    runner = ranked[1] if len(ranked) > 1 else None
    if runner is not None:
        mine = sorted(seen[best.id] - seen[runner.id])
        if mine:
            reason += f"：含{_quote(mine)}，{runner.short}没有这些标签"
    return best, reason + "。"


def _quote(labels: list[str], most: int = 3) -> str:
    return "".join(f"“{x}”" for x in labels[:most]) + ("等" if len(labels) > most else "")


def cell_name(form: Form, cell: Cell, year: int | None) -> str:
    """How a finding names a cell: 表三“（七）总计”行“总计”列."""
    table = form.table(cell.table)
    num = table.title.split("、", 1)[0]
    row, col = cell.labels(year)
    if not row:
        return f"表{num}“{'·'.join(cell.column_path)}”"
    if not col:
        return f"表{num}“{row}”"
    return f"表{num}“{row}”行“{col}”列"


def _alignment_issues(form: Form, doc: Doc, al: Alignment) -> list[ImportIssue]:
    out = [
        ImportIssue(
            "error", "unplaced", f"“{u.token.text[:30]}”{u.why}，未导入", doc.where(u.token.start)
        )
        for u in al.unplaced
    ]
    for code, message, tok in al.notes:
        sev = "error" if code == "ambiguous" else "warning"
        out.append(ImportIssue(sev, code, message, doc.where(tok.start) if tok else ""))
    for tok in al.labels:
        if tok.hit is not None and tok.hit.differs:
            out.append(
                ImportIssue(
                    "info",
                    "label-variant",
                    f"标签“{' '.join(tok.text.split())[:40]}”与规定的“{tok.hit.label}”不一致，"
                    "已按规定标签识别",
                    doc.where(tok.start),
                )
            )
    return out


def _read(
    form: Form, doc: Doc, al: Alignment, year: int | None, issues: list[ImportIssue]
) -> tuple[dict[str, Value], dict[str, Source]]:
    printed: dict[str, Value] = {}
    sources: dict[str, Source] = {}
    for cid, tok in al.blank.items():
        sources[cid] = Source(doc.where(tok.start), "", doc.source(tok))
        printed[cid] = None
        cell = form.cells[cid]
        for prob in parse_value("", Kind(cell.type.value), unit=cell.unit).problems:
            message = f"{cell_name(form, cell, year)}：报告中该单元格为空，{prob.message}"
            issues.append(ImportIssue(prob.severity, prob.code, message, doc.where(tok.start), cid))
    for cid, p in al.placed.items():
        cell = form.cells[cid]
        where = doc.where(p.start)
        sources[cid] = Source(where, p.text, doc.source(p.token))
        name = cell_name(form, cell, year)
        if p.token.dash:
            issues.append(
                ImportIssue(
                    "warning",
                    "dash-as-blank",
                    f"{name}：报告中写作“{p.text}”，按空白导入（如表示 0，请核实）",
                    where,
                    cid,
                )
            )
            printed[cid] = None
            continue
        core = without_note(p.text)
        if core != p.text:
            issues.append(
                ImportIssue(
                    "info",
                    "value-note",
                    f"{name}：单元格“{p.text}”带有说明，取其中的数字 {core}",
                    where,
                    cid,
                )
            )
        parsed = parse_value(core, Kind(cell.type.value), unit=cell.unit)
        for prob in parsed.problems:
            if prob.code == "number-as-text" and PLAIN_NUMBER.fullmatch(core.strip()):
                continue
            issues.append(
                ImportIssue(prob.severity, prob.code, f"{name}：{prob.message}", where, cid)
            )
        printed[cid] = parsed.value
    return printed, sources


def _missing(form: Form, year: int | None, al: Alignment) -> list[ImportIssue]:
    out: list[ImportIssue] = []
    shown = set(al.placed) | set(al.blank)
    for table in form.tables:
        cells = [c for c in form.table_cells(table.id) if not c.computed]
        absent = [c for c in cells if c.id not in shown]
        if absent and len(absent) == len(cells):
            out.append(
                ImportIssue(
                    "error", "missing-table", f"报告中没有找到表格“{table.title}”，其中的数字未导入"
                )
            )
            continue
        out += [
            ImportIssue(
                "error", "missing", f"报告中没有找到{cell_name(form, c, year)}，未导入", cell=c.id
            )
            for c in absent
        ]
    return out


def _totals(
    form: Form, year: int | None, printed: dict[str, Value], sources: dict[str, Source]
) -> list[ImportIssue]:
    """Printed totals against the sum of their parts: by each ``define`` rule, and by the
    other way the form adds up to the same total (the 总计 column down the 办理结果 rows)."""
    out: list[ImportIssue] = []
    for target, refs in checks.totals(form):
        if target not in printed or not all(r in printed for r in refs):
            continue
        outcome = checks.sum_check(form, target, refs, printed)
        if outcome is None:
            continue
        lhs, rhs = outcome
        name = cell_name(form, form.cells[target], year)
        out.append(
            ImportIssue(
                "error",
                "total-mismatch",
                f"{name}：报告中为 {lhs}，各项之和为 {rhs}，两者不一致。"
                "导入的工作簿按各项重新计算总计，请核实报告中的数字",
                sources[target].where if target in sources else "",
                target,
            )
        )
    return out


def findings_as_rows(result: ImportResult) -> list[tuple[str, str, str, str]]:
    """Rows for the CLI table: 级别, 位置, 单元格, 说明."""
    return [(f.zh, f.where, f.cell or "", f.message) for f in result.findings]


def explain_rows(result: ImportResult) -> list[tuple[str, str, str, str, str]]:
    """Rows for ``--explain``: 单元格, 标签, 数值, 位置, 原文 — one per cell of the form."""
    ret = result.ret
    rows = []
    for cell in ret.form.cells.values():
        src = result.sources.get(cell.id)
        value = result.printed.get(cell.id)
        shown = "" if value is None else str(value)
        rows.append(
            (
                cell.id,
                cell_name(ret.form, cell, ret.year),
                shown,
                src.where if src else "（报告中没有）",
                (f"“{src.text}” ← {src.line[:60]}" if src and src.text else src.line[:60])
                if src
                else "",
            )
        )
    return rows


def result_as_dict(result: ImportResult) -> dict[str, object]:
    ret = result.ret
    return {
        "form": ret.form.id,
        "form_reason": result.form_reason,
        "year": ret.year,
        "unit_name": ret.unit_name,
        "signed": ret.info.get("signed", ""),
        "ok": result.ok,
        "findings": [f.to_dict() for f in result.findings],
        "sources": {
            cid: {"where": s.where, "text": s.text, "line": s.line}
            for cid, s in result.sources.items()
        },
    }


__all__ = ["ImportIssue", "ImportResult", "UnreadableReport", "import_bytes", "import_report"]
