"""The one typer app of the ``govxl`` command, and what every command group shares.

Exit codes: 0 all good, 1 findings or failures in the data, 2 usage errors or nothing readable.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from govxl.cli import console
from govxl.forms import Form, SpecError, form_ids, load_form
from govxl.paths import clash

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="政府信息公开工作年度报告：模板、收集审核、汇总、报告。",
)

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


def load_form_or_fail(form_id: str) -> Form:
    try:
        return load_form(form_id)
    except KeyError as e:
        raise fail(UsageError(e.args[0])) from None
    except SpecError as e:
        raise fail(e) from None


def report_year(year: int | None) -> int | None:
    """A ``--year`` that some form covers and that has begun; a usage error otherwise."""
    if year is None:
        return None
    first = min(load_form(f).first_year for f in form_ids())
    this = date.today().year
    if year < first or year > this or not any(load_form(f).covers(year) for f in form_ids()):
        raise fail(
            UsageError(
                f"--year {year} 不是可以填报的报告年度：govxl 支持 {first} 年度至 {this} 年度"
                "的政府信息公开工作年度报告。"
            )
        )
    return year


def apart(
    reads: Iterable[Path | None],
    *,
    files: Iterable[Path] = (),
    folders: Iterable[Path] = (),
    hint: str = "请把输出放到它们以外的地方。",
) -> None:
    """Refuse (exit 2) an output that is, is inside or holds something the command reads."""
    found = clash([p for p in reads if p is not None], files=files, folders=folders)
    if found is None:
        return
    src, out = found
    if src.resolve() == out.resolve():
        what = f"输出 {out} 就是要读取的 {src}。"
    else:
        what = f"输出 {out} 与要读取的 {src} 重叠（一个在另一个里面）。"
    raise fail(UsageError(f"{what}govxl 从不改动它读取的文件和文件夹：{hint}"))


def check_year(form: Form, year: int | None) -> int | None:
    year = report_year(year)
    if year is not None and not form.covers(year):
        right = [f for f in form_ids() if load_form(f).covers(year)]
        hint = f"，{year} 年度应使用 {'、'.join(right)}" if right else ""
        raise fail(UsageError(f"表单 {form.id} 不适用于 {year} 年度{hint}。"))
    return year
