"""Import a published yearly report (.txt, .html, .md, .docx) into a ``Return``.

The report is read for its structure: the title gives the unit and year, the part headings
(with the variants units use) divide the text, the tables are located by their official labels
and the form (2019, 2021, or a provincial variant) is recognised from which labels appear.
Figures are read with ``govxl.values.parse_value`` as the form's cell types require.

Nothing is guessed silently. A figure that cannot be placed, a cell that cannot be read, a label
that differs from the official one, a table cell the report lacks and a published total that is
not the sum of its parts each become an ``ImportIssue`` saying where it was. Published totals
are compared, never copied over: the workbook recomputes them, the finding keeps both numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from govxl.forms import Cell, Form
from govxl.forms.compute import Value, run
from govxl.forms.returns import Return
from govxl.importer.catalog import form_labels, recognise
from govxl.importer.labels import norm
from govxl.importer.parse_html import parse_html
from govxl.importer.parse_md import parse_md
from govxl.importer.parse_text import parse_text
from govxl.importer.sections import Layout, find_layout, find_title
from govxl.importer.source import (
    MAX_BYTES,
    ImportIssue,
    Para,
    RawCell,
    RawTable,
    Source,
    UnreadableReport,
    decode_text,
)
from govxl.importer.tablemap import Mapper
from govxl.values import Kind, parse_value

PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
"""A figure written as published reports write figures: not worth a finding when read as text."""


@dataclass
class ImportResult:
    ret: Return
    findings: list[ImportIssue]
    form_reason: str

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
    return build(parse_source(data, name))


def parse_source(data: bytes, name: str) -> Source:
    suffix = Path(name).suffix.lower()
    if suffix in (".doc", ".wps"):
        raise UnreadableReport("不支持旧版 Word（.doc/.wps）文件，请另存为 .docx 后再导入")
    if suffix == ".pdf":
        raise UnreadableReport("不支持 PDF，请导入报告的 .docx、.html 或纯文本版本")
    if suffix == ".docx" or (suffix not in (".txt", ".html", ".htm", ".md") and data[:2] == b"PK"):
        from govxl.importer.parse_docx import parse_docx

        return parse_docx(data)
    text = decode_text(data)
    if suffix in (".html", ".htm", ".xhtml") or (
        suffix not in (".txt", ".md") and re.search(r"<(?:html|table)\b", text, re.I)
    ):
        return parse_html(text)
    if suffix in (".md", ".markdown"):
        return parse_md(text)
    return parse_text(text)


def build(src: Source) -> ImportResult:
    issues = list(src.issues)
    title = find_title(src.paras())
    texts = [c.text for t in src.tables() for row in t.rows for c in row if c.text.strip()]
    texts += [p.text for p in src.paras() if len(p.text) <= 120]
    form, reason = recognise(texts, title.year)
    lay = find_layout(src.paras(), form, title)
    mapper = Mapper(form)
    _place(src, lay, mapper, form)
    issues += lay.issues + mapper.issues
    inputs, reported = _read_values(form, lay.year, mapper.placed, issues)
    issues += _missing(form, lay.year, mapper.placed)
    issues += _totals(form, lay.year, inputs, reported, mapper.placed)
    issues += _identity(form, lay)
    ret = Return(
        form,
        year=lay.year,
        unit_name=lay.unit,
        values={c.id: inputs.get(c.id) for c in form.inputs()},
        texts={k: v for k, v in lay.texts.items() if k in _text_parts(form)},
        info={"signed": lay.signed} if lay.signed else {},
    )
    return ImportResult(ret, issues, reason)


def _text_parts(form: Form) -> set[str]:
    return {p.id for p in form.parts if p.kind == "text"}


def _place(src: Source, lay: Layout, mapper: Mapper, form: Form) -> None:
    labels = form_labels(form)
    for item in src.items:
        if isinstance(item, RawTable):
            table_id = mapper.identify(item)
            if table_id is None:
                mapper.issue(
                    "warning", "unknown-table", "该表格中没有年度报告表格的标签，未导入", item.where
                )
            else:
                mapper.place(item, table_id)
        elif lay.part_of.get(id(item)) in lay.table_parts:
            if mapper.line(RawCell(item.text, item.where)) or norm(item.text) in labels:
                continue
            mapper.issue(
                "info",
                "text-skipped",
                f"表格部分中的文字“{item.text[:30]}”不属于表格，未导入",
                item.where,
            )
        elif ("：" in item.text or ":" in item.text) and len(item.text) < 120:
            mapper.line(RawCell(item.text, item.where))


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


def _read_values(
    form: Form, year: int | None, placed: dict[str, RawCell], issues: list[ImportIssue]
) -> tuple[dict[str, Value], dict[str, Value]]:
    inputs: dict[str, Value] = {}
    reported: dict[str, Value] = {}
    for cid, raw in placed.items():
        cell = form.cells[cid]
        parsed = parse_value(raw.text, Kind(cell.type.value), unit=cell.unit)
        for p in parsed.problems:
            if p.code == "number-as-text" and PLAIN_NUMBER.fullmatch(raw.text.strip()):
                continue
            message = f"{cell_name(form, cell, year)}：{p.message}"
            issues.append(ImportIssue(p.severity, p.code, message, raw.where, cid))
        (reported if cell.computed else inputs)[cid] = parsed.value
    return inputs, reported


def _missing(form: Form, year: int | None, placed: dict[str, RawCell]) -> list[ImportIssue]:
    out: list[ImportIssue] = []
    for table in form.tables:
        cells = [c for c in form.table_cells(table.id) if not c.computed]
        absent = [c for c in cells if c.id not in placed]
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
    form: Form,
    year: int | None,
    inputs: dict[str, Value],
    reported: dict[str, Value],
    placed: dict[str, RawCell],
) -> list[ImportIssue]:
    """Published totals against the sum of their parts, by the form's own ``define`` rules."""
    combined = {**inputs, **reported}
    out: list[ImportIssue] = []
    for inst in form.instances:
        if inst.target is None or inst.target not in reported:
            continue
        outcome = run(inst, combined)
        if outcome.status == "fail":
            name = cell_name(form, form.cells[inst.target], year)
            out.append(
                ImportIssue(
                    inst.rule.severity.value,
                    "total-mismatch",
                    f"{name}：报告中为 {outcome.lhs}，各项之和为 {outcome.rhs}，两者不一致。"
                    "导入的工作簿按各项重新计算总计，请核实报告中的数字",
                    placed[inst.target].where,
                    inst.target,
                )
            )
    return out


def _identity(form: Form, lay: Layout) -> list[ImportIssue]:
    out: list[ImportIssue] = []
    if lay.year is not None and not form.covers(lay.year):
        span = f"{form.first_year}–{form.last_year or ''}"
        out.append(
            ImportIssue(
                "warning",
                "form-year",
                f"{lay.year} 年度的报告使用了“{form.title}”，该格式适用于 {span} 年度",
            )
        )
    return out


def findings_as_rows(result: ImportResult) -> list[tuple[str, str, str, str]]:
    """Rows for the CLI table: 级别, 位置, 单元格, 说明."""
    return [(f.zh, f.where, f.cell or "", f.message) for f in result.findings]


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
    }


__all__ = ["ImportIssue", "ImportResult", "Para", "UnreadableReport", "import_report"]
