"""``govxl template``: blank and personalised workbooks for the units to fill in."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from govxl.cli import console
from govxl.cli.app import UsageError, apart, check_year, fail, load_form_or_fail
from govxl.roster import RosterError, read_roster, safe_filename
from govxl.template import money_unit_for, write_roster_templates, write_template


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
    money_unit: Annotated[
        str | None,
        typer.Option(
            "--money-unit",
            help="2019 年版格式“采购总金额”的单位：元（默认）或万元；写在表头说明和填写提示中，"
            "汇总时不同单位的报表不能相加。",
        ),
    ] = None,
) -> None:
    """生成填报模板：空白模板，或按名册为每个单位生成一份。"""
    f = load_form_or_fail(form)
    year = check_year(f, year)
    if money_unit is not None and not f.open_unit_cells():
        raise fail(
            UsageError(
                f"{f.short}的金额单位已由格式规定，--money-unit 只用于 2019 年版格式的采购总金额。"
            )
        )
    try:
        unit = money_unit_for(f, money_unit)
    except ValueError as e:
        raise fail(UsageError(str(e))) from None
    stated = f"；采购总金额以“{unit}”为单位" if unit else ""
    if roster is None:
        if output.suffix.lower() != ".xlsx":
            raise fail(UsageError(f"输出文件应以 .xlsx 结尾：{output}"))
        write_template(f, output, year=year, money_unit=unit)
        console.info(f"已生成空白模板：{output}{stated}")
        return
    try:
        units = read_roster(roster)
    except RosterError as e:
        raise fail(e) from None
    if year is None:
        year = max(f.first_year, min(date.today().year - 1, f.last_year or 9999))
    if output.exists() and not output.is_dir():
        raise fail(UsageError(f"配合 --roster 时 -o 应为文件夹：{output}"))
    apart([roster], files=[output / safe_filename(u.code, u.name) for u in units.units])
    written = write_roster_templates(f, units, output, year=year, money_unit=unit)
    console.info(
        f"已为 {len(written)} 个单位生成 {year} 年度模板（{f.short}），保存在 {output}{stated}"
    )
