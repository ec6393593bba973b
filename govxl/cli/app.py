"""The one typer app of the ``govxl`` command, and what every command group shares.

Exit codes: 0 all good, 1 findings or failures in the data, 2 usage errors or nothing readable.
"""

from __future__ import annotations

import copy
import re
import traceback
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

try:  # typer 0.28 carries its own copy of click
    from typer._click.core import Context as ClickContext
    from typer._click.exceptions import ClickException
    from typer._click.exceptions import UsageError as UsageErrors
    from typer._click.formatting import HelpFormatter
except ImportError:  # older typer uses click itself
    from click.core import Context as ClickContext  # type: ignore[assignment]
    from click.exceptions import ClickException  # type: ignore[assignment]
    from click.exceptions import UsageError as UsageErrors  # type: ignore[assignment]
    from click.formatting import HelpFormatter  # type: ignore[assignment]

from govxl.cli import console
from govxl.fileio import OutputError
from govxl.forms import Form, SpecError, form_ids, load_form
from govxl.paths import clash

WORKFLOW = (
    "template", "validate", "collect", "merge", "report", "import", "serve", "links",
    "forms", "rules", "demo",
)  # fmt: skip
"""The commands in the order of the yearly work, the order ``govxl --help`` lists them in:
send the templates out, check what comes back, sum it up, publish (and read published reports
back), the desk that does the middle in a browser; then the reference commands and the demo."""


_TYPES = {"str": "文字", "text": "文字", "int": "整数", "integer": "整数", "float": "数字",
          "path": "路径", "file": "文件", "directory": "文件夹", "filename": "文件"}  # fmt: skip
"""Chinese names for the kinds of value, shown in help (``<整数>``) and in errors."""

_ERRORS = [
    (r"Missing (?:option|parameter) (.+)\.", r"缺少选项 \1（必填）。"),
    (r"Missing argument (.+)\.", r"缺少参数 \1（必填）。"),
    (r"No such command (.+)\.", r"没有 \1 这个命令。"),
    (r"No such option:? (.+?)\.?", r"没有 \1 这个选项。"),
    (r"Option (.+) requires (?:an argument|\d+ arguments)\.", r"选项 \1 后面要写上值。"),
    (r"Option (.+) does not take a value\.", r"选项 \1 后面不用写值。"),
    (r"Got unexpected extra arguments? \((.+)\)", r"多出了参数（\1）。"),
    (r"Missing command\.", "缺少命令。"),
    (r"Invalid value for (.+?): (.+) is not a valid .+\.", r"\1 的值 \2 不是有效的数字。"),
    (r"Invalid value for (.+?): (\S+) (.+) does not exist\.", r"找不到\2 \3（\1）。"),
    (r"Invalid value for (.+?): (\S+) (.+) is a file\.", r"\1 应为文件夹，而 \3 是文件。"),
    (r"Invalid value for (.+?): (\S+) (.+) is a directory\.", r"\1 应为文件，而 \3 是文件夹。"),
    (r"Invalid value for (.+?): (\S+) (.+) is not readable\.", r"无法读取 \3（\1）。"),
    (r"Invalid value for (.+?): (.+)", r"\1 的值有误：\2"),
]
"""The parser's messages (typer carries its own copy of click, in English only) in Chinese."""


def chinese(message: str) -> str:
    """A parser message in Chinese; one not foreseen is left as it is."""
    message, hint = message.strip(), ""
    m = re.fullmatch(
        r"(.+?)\s*\(?(?:Possible options|Did you mean(?: one of)?):? (.+?)\??\)?", message
    )
    if m:
        message, hint = m[1], f"（是不是要用 {m[2]}？）"
    for pattern, zh in _ERRORS:
        m = re.fullmatch(pattern, message, flags=re.S)
        if m:
            return m.expand(zh) + hint
    return message + hint


class _Formatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)


class _Context(typer.Context):
    formatter_class = _Formatter


class _Chinese:
    """What every govxl command and group shares: help, usage and errors in Chinese."""

    context_class: type[ClickContext] = _Context

    def _name_types(self) -> None:
        for p in getattr(self, "params", []):
            zh = _TYPES.get(p.type.name)
            if zh:  # a copy: typer's types for int, str … are shared by every program
                p.type = copy.copy(p.type)
                p.type.name = zh

    def get_help_option(self, ctx: ClickContext) -> Any:
        opt = super().get_help_option(ctx)  # type: ignore[misc]
        if opt is not None:
            opt.help = "显示本说明并退出。"
        return opt

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:  # fmt: skip
        try:
            return super().make_context(info_name, args, parent, **extra)  # type: ignore[misc]
        except UsageErrors as e:
            chinese_panels()
            raise UsageErrors(chinese(e.format_message()), e.ctx) from None
        except (ClickException, typer.Abort):
            chinese_panels()
            raise

    def format_help(self, ctx: ClickContext, formatter: HelpFormatter) -> None:
        chinese_panels()
        super().format_help(ctx, formatter)  # type: ignore[misc]


class Command(_Chinese, TyperCommand):
    """A govxl command (``app.command(cls=Command)``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._name_types()


class Commands(_Chinese, TyperGroup):
    """The ``govxl`` group: its commands listed in :data:`WORKFLOW` order; an output that
    cannot be written ends any command the same way, whichever command wrote it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._name_types()

    def list_commands(self, ctx: ClickContext) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: WORKFLOW.index(n) if n in WORKFLOW else len(WORKFLOW))

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except OutputError as e:  # one Chinese line that names the path and what to do, exit 2
            raise fail(e) from None
        except UsageErrors as e:
            chinese_panels()
            if e.format_message() == chinese(e.format_message()):
                raise
            raise UsageErrors(chinese(e.format_message()), e.ctx) from None
        except (ClickException, typer.Abort):
            chinese_panels()
            raise


app = typer.Typer(
    cls=Commands,
    add_completion=False,
    no_args_is_help=True,
    options_metavar="[选项]",
    subcommand_metavar="命令 [参数]...",
    help="政府信息公开工作年度报告：模板、收集审核、汇总、报告。",
)


def chinese_panels() -> None:
    """typer's help and error panels in Chinese: typer reads these module constants when it
    draws one. Set just before the first is drawn (help, a usage error, an abort), not at
    start: typer's rich help loads a Markdown parser, 0.05 s that a command that runs and
    succeeds does not need (tests/test_cli_exit.py holds it unloaded)."""
    import typer.rich_utils as panels

    panels.ARGUMENTS_PANEL_TITLE = "参数"
    panels.OPTIONS_PANEL_TITLE = "选项"
    panels.COMMANDS_PANEL_TITLE = "命令"
    panels.ERRORS_PANEL_TITLE = "错误"
    panels.ABORTED_TEXT = "已中止。"
    panels.DEFAULT_STRING = "[默认：{}]"
    panels.REQUIRED_LONG_STRING = "[必填]"
    panels.DEPRECATED_STRING = "（已停用）"
    panels.RICH_HELP = "输入 [blue]'{command_path} {help_option}'[/] 查看说明。"


_debug = False


class UsageError(Exception):
    """A mistake in how the command was called: exit code 2, one red line."""


@app.callback(options_metavar="[选项]")
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
