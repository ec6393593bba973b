"""The one typer app of the ``govxl`` command, and what every command group shares.

Exit codes: 0 all good, 1 findings or failures in the data, 2 usage errors or nothing readable.
"""

from __future__ import annotations

import traceback
from typing import Annotated

import typer

from govxl.cli import console
from govxl.forms import Form, SpecError, form_ids, load_form

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


def check_year(form: Form, year: int | None) -> int | None:
    if year is not None and not form.covers(year):
        right = [f for f in form_ids() if load_form(f).covers(year)]
        hint = f"，{year} 年度应使用 {'、'.join(right)}" if right else ""
        raise fail(UsageError(f"表单 {form.id} 不适用于 {year} 年度{hint}。"))
    return year
