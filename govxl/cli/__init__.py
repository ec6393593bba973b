"""The ``govxl`` command: a thin typer layer over the library.

One ``app`` (:mod:`govxl.cli.app`); each command group lives in its own module, and this one
registers the commands on the app explicitly, in the order of the yearly work (the order of
``govxl --help``, :data:`govxl.cli.app.WORKFLOW`). Each command parses its options, calls the
library and renders the result through :mod:`govxl.cli.console`, the one module that imports rich.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from govxl import fileio
from govxl.cli import check, console, demo, desk, forms, merge, report, rules, template
from govxl.cli.app import WORKFLOW, Command, app

COMMANDS: dict[str, Callable[..., None] | typer.Typer] = {
    "template": template.template,
    "validate": check.validate,
    "collect": check.collect,
    "merge": merge.merge,
    "report": report.report,
    "import": report.import_report_command,
    "serve": desk.serve,
    "links": desk.links,
    "forms": forms.forms_app,
    "rules": rules.rules,
    "demo": demo.demo,
}
"""Every command, registered here explicitly in the order of the yearly work (WORKFLOW)."""

for _name in WORKFLOW:
    _command = COMMANDS[_name]
    if isinstance(_command, typer.Typer):
        app.add_typer(_command, name=_name)
    else:
        app.command(_name, cls=Command, options_metavar="[选项]")(_command)

__all__ = ["app", "check", "demo", "desk", "forms", "merge", "report", "rules", "run", "template"]


def run() -> None:
    """The ``govxl`` program. Ctrl-C ends it with exit code 130 and one line that says what was
    kept: every output is written whole or not at all (:mod:`govxl.fileio`), and no input is
    ever changed."""
    try:
        app(prog_name="govxl")
    except SystemExit as e:
        if _interrupted(e):
            console.warn(interrupted_message(fileio.written))
        raise


def _interrupted(e: BaseException) -> bool:
    """typer turns Ctrl-C (KeyboardInterrupt) into exit code 130; tell that from a 130 of ours."""
    seen: BaseException | None = e
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def interrupted_message(kept: list[Path]) -> str:
    """One line: what an interrupted command left behind."""
    if not kept:
        return (
            "已中断（Ctrl-C）：没有写出任何文件，输出文件夹中原有的文件保持原样，输入文件未被改动。"
        )
    names = "、".join(p.name for p in kept[:5])
    if len(kept) > 5:
        names += f" 等 {len(kept)} 个文件"
    return (
        f"已中断（Ctrl-C）：已完整写出 {names}；其余输出没有写出（不会留下写了一半的文件），"
        "输入文件未被改动。请重新运行以得到全部输出。"
    )
