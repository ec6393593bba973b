"""``govxl report`` and ``govxl import``: the published report, written and read back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govxl.check.evaluate import evaluate
from govxl.check.findings import Finding
from govxl.check.read import UnreadableReturn, inspect_file, read_return
from govxl.check.rules import check_previous
from govxl.cli import console
from govxl.cli.app import UsageError, apart, fail
from govxl.fileio import OutputError, atomic_write
from govxl.forms import Severity
from govxl.forms.returns import Return
from govxl.importer.run import (
    ImportResult,
    UnreadableReport,
    explain_rows,
    findings_as_rows,
    import_report,
    result_as_dict,
)
from govxl.paths import shown
from govxl.report.render import FORMATS, build_document, render_report, unfinished
from govxl.template.writer import render


def report(
    workbook: Annotated[
        Path,
        typer.Argument(
            help="填好的工作簿（.xlsx）。", metavar="工作簿", exists=True, dir_okay=False
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="输出的报告：.docx、.html 或 .md。")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="工作簿未通过审核时也生成报告（数字可能有误）。")
    ] = False,
) -> None:
    """由填好的工作簿生成年度报告（Word、网页或 Markdown）。

    未通过审核的工作簿不生成报告（退出码 1），除非加 --force：报告是要发布的。"""
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise fail(UsageError(f"输出文件应以 .docx、.html 或 .md 结尾：{output}"))
    apart([workbook], files=[output])
    name = shown(workbook.name)
    res = inspect_file(workbook, label=name)
    if res.ret is None:
        raise fail(UnreadableReturn("；".join(f.message for f in res.findings)))
    ret = res.ret
    errors = [f for f in res.findings if f.severity is Severity.ERROR]
    if errors and not force:
        console.table(
            f"{name} 未通过审核，没有生成报告",
            ("位置", "问题和处理意见"),
            [(f.where, f.message) for f in errors],
        )
        console.error(
            f"{name} 有 {len(errors)} 个强制问题，生成的报告会公布错误的数字。请先改正"
            "（govxl validate 可逐格查看）；确需照此生成时，请加 --force。"
        )
        raise typer.Exit(1)
    try:
        atomic_write(output, render_report(ret, fmt))
    except OutputError as e:
        raise fail(e) from None
    console.info(f"已生成{ret.unit_name} {ret.year or ''} 年度报告：{output}")
    gaps = unfinished(build_document(ret))
    if gaps:
        console.warn(
            f"这份报告还不能发布：{'；'.join(gaps)}。请在工作簿的“文字部分”"
            "（落款日期在“基本信息”）填写后重新生成，或在生成的文件中补写。"
        )
    if errors:
        console.warn(
            f"按 --force 生成：{name} 有 {len(errors)} 个强制问题未改正，"
            "报告中的数字可能有误，发布前务必核对。"
        )


def import_report_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="已发布的年度报告：.txt、.md、.html、.docx 或 .pdf。",
            metavar="报告",
            exists=True,
            dir_okay=False,
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
    """导入已发布的年度报告：识别格式和数字，写成工作簿并审核。

    按表格标签识别格式和数字，并按第三方评估的要求审核。"""
    if output.suffix.lower() != ".xlsx":
        raise fail(UsageError(f"输出文件应以 .xlsx 结尾：{output}"))
    apart([source, *([previous] if previous else [])], files=[output])
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
    errors = not result.ok or any(f.severity is Severity.ERROR for f in checked)
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
    rows += [(f.severity.zh, f.where, f.title, f.message) for f in checked]
    if rows:
        console.table(
            f"导入 {source.name} 时发现的问题", ("类别", "位置", "单元格/问题", "说明"), rows
        )
    else:
        console.info("✓ 未发现问题。")
