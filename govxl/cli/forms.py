"""``govxl forms``: the shipped form definitions and their cell maps."""

from __future__ import annotations

from typing import Annotated

import typer

from govxl.cli import console
from govxl.cli.app import Command, Commands, load_form_or_fail
from govxl.forms import CellType, form_ids, load_form
from govxl.forms.cellmap import cell_map

forms_app = typer.Typer(
    cls=Commands,
    options_metavar="[选项]",
    subcommand_metavar="命令 [参数]...",
    help="列出表单格式，或显示一个格式的单元格清单。",
)


@forms_app.callback(invoke_without_command=True, options_metavar="[选项]")
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


@forms_app.command("show", cls=Command, options_metavar="[选项]")
def forms_show(
    form: Annotated[str, typer.Argument(help="表单代码，如 gb2021。", metavar="表单代码")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出完整单元格清单。")] = False,
    year: Annotated[int | None, typer.Option(help="报告年度（影响含年份的标签）。")] = None,
) -> None:
    """显示一个表单的单元格清单：编号、工作表、单元格地址、行列标签、类型和公式。"""
    f = load_form_or_fail(form)
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
            CellType(c["type"]).zh,
            c.get("formula", ""),
        )
        for c in data["cells"]
    ]
    console.table(
        f"{f.id} {f.title}", ("编号", "工作表", "单元格", "行", "列", "类型", "公式"), rows
    )
