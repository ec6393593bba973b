"""Published reports in an inbox (.docx, .pdf, .html, .txt, .md): imported, then checked like a
workbook.

Some units still send last year's way — a Word document or a web page — instead of the workbook.
The importer places what it can by the table labels; everything it could not place becomes a
finding, and the imported figures go through the same rules as a return, marked as imported.
"""

from __future__ import annotations

from pathlib import Path

from govxl.check.evaluate import evaluate
from govxl.check.findings import finding
from govxl.check.read import ReadResult, inspect_file, sha256_of
from govxl.check.rules import check_rules
from govxl.collect.scan import REPORT_SUFFIXES
from govxl.forms.layout import layout
from govxl.importer.run import import_report
from govxl.importer.source import UnreadableReport
from govxl.paths import shown

PASSED_ON = {"section-missing", "section-order"}
"""Import findings that are evaluator findings of their own."""
ADVICE = "请核对报告原文，或请该单位用下发的填报模板重新报送。"
VALUE_CODES = {
    "blank",
    "blank-as-zero",
    "number-as-text",
    "not-a-number",
    "fraction",
    "negative",
    "too-large",
    "unit-converted",
    "unit-unclear",
    "total-mismatch",
}


def inspect_any(path: Path, *, blank_as_zero: bool = False, label: str | None = None) -> ReadResult:
    """Read and check one returned file as ``collect`` does: a workbook through the reader, a
    published report (.docx, .pdf, .html …) through the importer."""
    if Path(path).suffix.lower() in REPORT_SUFFIXES:
        return inspect_report(path, label=label)
    return inspect_file(path, blank_as_zero=blank_as_zero, label=label)


def inspect_report(path: Path, *, label: str | None = None) -> ReadResult:
    name = label or shown(path.name)
    res = ReadResult(path)
    try:
        res.sha256 = sha256_of(path)
        result = import_report(path)
    except (UnreadableReport, OSError) as e:
        res.findings.append(
            finding("file-unreadable", f"{name}：{e}", file=name, detail={"reason": "report"})
        )
        return res
    ret = result.ret
    res.ret = ret
    res.findings.append(
        finding(
            "imported",
            f"{name} 是报告文本（{result.form_reason}），数字由报告表格导入；"
            "建议该单位改用下发的填报模板。",
            file=name,
        )
    )
    for issue in result.findings:
        code = issue.code if issue.code in VALUE_CODES | PASSED_ON else "import-problem"
        where: dict[str, str] = {}
        if issue.cell and issue.cell in ret.form.cells:
            cell = ret.form.cells[issue.cell]
            lay = layout(ret.form, cell.table, ret.year)
            row_label, col_label = cell.labels(ret.year)
            where = {
                "sheet": lay.table.sheet,
                "cell": lay.a1(cell.id),
                "row_label": row_label,
                "column_label": col_label,
            }
        message = f"{issue.message}" + (f"（{issue.where}）" if issue.where else "")
        if code == "import-problem":
            message = message.rstrip("。") + f"。{ADVICE}"
        res.findings.append(
            finding(
                code,
                message,
                severity=issue.severity,
                file=name,
                detail={"import_code": issue.code, "where": issue.where},
                **where,
            )
        )
    trusted = {t.id for t in ret.form.tables}
    res.findings.extend(check_rules(ret, trusted, {}, file=name))
    res.findings.extend(evaluate(ret, published=True, file=name))
    return res
