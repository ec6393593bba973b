"""The ``govxl`` command: a thin typer layer over the library.

Each command parses its options, calls one library function and renders the result through
``govxl.console``. Exit codes: 0 all good, 1 findings or failures in the data, 2 usage errors or
nothing readable.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import traceback
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from govxl import console
from govxl.roster import RosterError, read_roster
from govxl.spec import Form, SpecError, form_ids, load_form
from govxl.spec.cellmap import cell_map

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="政府信息公开工作年度报告：模板、收集审核、汇总、报告。",
)
forms_app = typer.Typer(help="列出表单格式，或显示一个格式的单元格清单。")
app.add_typer(forms_app, name="forms")

_debug = False


class UsageError(Exception):
    """A mistake in how the command was called: exit code 2, one red line."""


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示完整的调用栈。")] = False,
) -> None:
    global _debug
    _debug = debug


def fail(e: BaseException, code: int = 2) -> typer.Exit:
    if _debug:
        console.err.print(traceback.format_exc(), markup=False)
    console.error(str(e))
    return typer.Exit(code)


def _form(form_id: str) -> Form:
    try:
        return load_form(form_id)
    except KeyError as e:
        raise fail(UsageError(e.args[0])) from None
    except SpecError as e:
        raise fail(e) from None


def _year(form: Form, year: int | None) -> int | None:
    if year is not None and not form.covers(year):
        right = [f for f in form_ids() if load_form(f).covers(year)]
        hint = f"，{year} 年度应使用 {'、'.join(right)}" if right else ""
        raise fail(UsageError(f"表单 {form.id} 不适用于 {year} 年度{hint}。"))
    return year


@forms_app.callback(invoke_without_command=True)
def forms(ctx: typer.Context) -> None:
    """列出可用的表单格式。"""
    if ctx.invoked_subcommand:
        return
    rows = []
    for fid in form_ids():
        f = load_form(fid)
        years = f"{f.first_year}–{f.last_year or ''}"
        rows.append((f.id, f.title, f.basis, years, len(f.inputs()), len(f.computed())))
    console.table("表单格式", ("代码", "名称", "依据", "适用年度", "填报格", "计算格"), rows)


@forms_app.command("show")
def forms_show(
    form: Annotated[str, typer.Argument(help="表单代码，如 gb2021。")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出完整单元格清单。")] = False,
    year: Annotated[int | None, typer.Option(help="报告年度（影响含年份的标签）。")] = None,
) -> None:
    """显示一个表单的单元格清单：编号、工作表、单元格地址、行列标签、类型和公式。"""
    f = _form(form)
    data = cell_map(f, year)
    if as_json:
        console.print_json(data)
        return
    rows = [
        (
            c["id"],
            c["sheet"],
            c["a1"],
            c["row_label"],
            c["column_label"],
            c["type"],
            c.get("formula", ""),
        )
        for c in data["cells"]
    ]
    console.table(
        f"{f.id} {f.title}", ("编号", "工作表", "单元格", "行", "列", "类型", "公式"), rows
    )


@app.command()
def template(
    form: Annotated[str, typer.Option("--form", "-f", help="表单代码，如 gb2021。")],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="输出文件（.xlsx）；配合 --roster 时为输出文件夹。"),
    ],
    year: Annotated[int | None, typer.Option(help="报告年度，如 2025。")] = None,
    roster: Annotated[
        Path | None,
        typer.Option(
            help="单位名册（.csv 或 .xlsx），每个单位生成一份。", exists=True, dir_okay=False
        ),
    ] = None,
) -> None:
    """生成填报模板：空白模板，或按名册为每个单位生成一份。"""
    from govxl.template import write_roster_templates, write_template

    f = _form(form)
    year = _year(f, year)
    if roster is None:
        if output.suffix.lower() != ".xlsx":
            raise fail(UsageError(f"输出文件应以 .xlsx 结尾：{output}"))
        write_template(f, output, year=year)
        console.info(f"已生成空白模板：{output}")
        return
    try:
        units = read_roster(roster)
    except RosterError as e:
        raise fail(e) from None
    if year is None:
        year = max(f.first_year, min(date.today().year - 1, f.last_year or 9999))
    if output.exists() and not output.is_dir():
        raise fail(UsageError(f"配合 --roster 时 -o 应为文件夹：{output}"))
    written = write_roster_templates(f, units, output, year=year)
    console.info(f"已为 {len(written)} 个单位生成 {year} 年度模板（{f.id}），保存在 {output}")


# Commands that live in their own modules register themselves on ``app`` when imported.
from govxl import cli_check, cli_merge  # noqa: E402, F401


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
    from govxl.check.read import UnreadableReturn, read_return
    from govxl.fileio import OutputError, atomic_write
    from govxl.report.render import FORMATS, render_report

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
        typer.Argument(help="已发布的年度报告：.txt、.html、.md 或 .docx。", exists=True,
                       dir_okay=False),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出的工作簿（.xlsx）。")],
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出识别结果和问题清单。")
    ] = False,
) -> None:
    """导入已发布的年度报告：按表格标签识别格式和数字，写成工作簿，并列出导入中发现的问题。"""
    from govxl.fileio import OutputError, atomic_write
    from govxl.report.importer import (
        UnreadableReport,
        findings_as_rows,
        import_report,
        result_as_dict,
    )
    from govxl.template.writer import render

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
        console.info(f"{result.form_reason}\n单位：{ret.unit_name or '（未知）'}；"
                     f"年度：{ret.year or '（未知）'}；已写入 {output}")
        if result.findings:
            console.table(f"导入 {source.name} 时发现的问题", ("类别", "位置", "单元格", "说明"),
                          findings_as_rows(result))
        else:
            console.info("✓ 未发现问题。")
    raise typer.Exit(0 if result.ok else 1)


def run() -> None:
    """The ``govxl`` program: the typer app, then a quick exit.

    Why the quick exit: after the command has finished, Python would tear itself down, freeing
    every module and object one by one (some 0.03 s, more than the work of a small collect).
    Exit handlers still run, so process pools, temporary files and logs are closed as usual;
    only that teardown is skipped. Outputs are already written and synced by then. Where it
    cannot be done safely (another thread still running, an unusual exit value, a Python
    without the hook) the program exits the ordinary way.
    """
    try:
        app(prog_name="govxl")
        code: object = 0
    except SystemExit as e:
        code = e.code
    if code is None:
        code = 0
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if not isinstance(code, int) or run_exit_handlers is None or threading.active_count() > 1:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: let Python report it the usual way
        sys.exit(code)
    run_exit_handlers()
    os._exit(code)


from govxl import cli_rules  # noqa: E402, F401
