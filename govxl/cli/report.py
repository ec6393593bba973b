"""``govxl report`` and ``govxl import``: the published report, written and read back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govxl.check.evaluate import evaluate
from govxl.check.findings import Finding
from govxl.check.read import UnreadableReturn, read_return
from govxl.check.rules import check_previous
from govxl.cli import console
from govxl.cli.app import UsageError, app, fail
from govxl.fileio import OutputError, atomic_write
from govxl.forms.returns import Return
from govxl.importer.run import (
    ImportResult,
    UnreadableReport,
    explain_rows,
    findings_as_rows,
    import_report,
    result_as_dict,
)
from govxl.report.render import FORMATS, render_report
from govxl.template.writer import render


@app.command()
def report(
    workbook: Annotated[
        Path, typer.Argument(help="填好的工作簿（.xlsx）。", exists=True, dir_okay=False)
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="输出的报告：.docx、.html 或 .md。")
    ],
) -> None:
    """由填好的工作簿生成政府信息公开工作年度报告（Word、网页或 Markdown）。"""
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise fail(UsageError(f"输出文件应以 .docx、.html 或 .md 结尾：{output}"))
    try:
        ret = read_return(workbook)
    except UnreadableReturn as e:
        raise fail(e) from None
    try:
        atomic_write(output, render_report(ret, fmt))
    except OutputError as e:
        raise fail(e) from None
    console.info(f"已生成{ret.unit_name} {ret.year or ''} 年度报告：{output}")


@app.command("import")
def import_report_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="已发布的年度报告：.txt、.md、.html、.docx 或 .pdf。", exists=True, dir_okay=False
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出的工作簿（.xlsx）。")],
    previous: Annotated[
        Path | None,
        typer.Option(
            help="上一年度的报告（同样格式）或工作簿：核对上年结转、内容雷同。",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="逐个单元格列出数字取自报告中的哪段原文。")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出识别结果和问题清单。")
    ] = False,
) -> None:
    """导入已发布的年度报告：按表格标签识别格式和数字，写成工作簿，并按第三方评估的要求审核。"""
    if output.suffix.lower() != ".xlsx":
        raise fail(UsageError(f"输出文件应以 .xlsx 结尾：{output}"))
    try:
        result = import_report(source)
        before = _previous(previous) if previous else None
        atomic_write(output, render(result.ret))
    except (UnreadableReport, UnreadableReturn, OutputError) as e:
        raise fail(e) from None
    checked = evaluate(result.ret, previous=before, published=True, file=source.name)
    if before is not None:
        checked += check_previous(result.ret, before.all_values(), file=source.name)
    if as_json:
        data = {**result_as_dict(result), "output": str(output)}
        data["evaluation"] = [f.to_dict() for f in checked]
        console.print_json(data)
    else:
        _show(result, checked, source, output, explain)
    errors = not result.ok or any(f.severity.value == "error" for f in checked)
    raise typer.Exit(1 if errors else 0)


def _previous(path: Path) -> Return:
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        return read_return(path)
    return import_report(path).ret


def _show(
    result: ImportResult, checked: list[Finding], source: Path, output: Path, explain: bool
) -> None:
    ret = result.ret
    console.info(
        f"{result.form_reason}\n单位：{ret.unit_name or '（未知）'}；"
        f"年度：{ret.year or '（未知）'}；已写入 {output}"
    )
    if explain:
        console.table(
            f"{source.name} 中各单元格的来源",
            ("单元格", "标签", "数值", "位置", "原文"),
            explain_rows(result),
        )
    rows = findings_as_rows(result)
    rows += [(f.severity.zh, f.where, f.code, f.message) for f in checked]
    if rows:
        console.table(
            f"导入 {source.name} 时发现的问题", ("类别", "位置", "单元格/代码", "说明"), rows
        )
    else:
        console.info("✓ 未发现问题。")
