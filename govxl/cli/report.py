"""``govxl report`` and ``govxl import``: the published report, written and read back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govxl.check.read import UnreadableReturn, read_return
from govxl.cli import console
from govxl.cli.app import UsageError, app, fail
from govxl.fileio import OutputError, atomic_write
from govxl.importer.run import UnreadableReport, findings_as_rows, import_report, result_as_dict
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
            help="已发布的年度报告：.txt、.html、.md 或 .docx。", exists=True, dir_okay=False
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出的工作簿（.xlsx）。")],
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出识别结果和问题清单。")
    ] = False,
) -> None:
    """导入已发布的年度报告：按表格标签识别格式和数字，写成工作簿，并列出导入中发现的问题。"""
    if output.suffix.lower() != ".xlsx":
        raise fail(UsageError(f"输出文件应以 .xlsx 结尾：{output}"))
    try:
        result = import_report(source)
        atomic_write(output, render(result.ret))
    except (UnreadableReport, OutputError) as e:
        raise fail(e) from None
    if as_json:
        console.print_json({**result_as_dict(result), "output": str(output)})
    else:
        ret = result.ret
        console.info(
            f"{result.form_reason}\n单位：{ret.unit_name or '（未知）'}；"
            f"年度：{ret.year or '（未知）'}；已写入 {output}"
        )
        if result.findings:
            console.table(
                f"导入 {source.name} 时发现的问题",
                ("类别", "位置", "单元格", "说明"),
                findings_as_rows(result),
            )
        else:
            console.info("✓ 未发现问题。")
    raise typer.Exit(0 if result.ok else 1)
