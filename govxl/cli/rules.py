"""``govxl rules``: the findings catalogue and a form's rules, as a clerk or a developer reads them.

A thin command over ``govxl.docs``, which also generates ``docs/findings.md``: the terminal, the
JSON and the documentation page say the same thing.
"""

from __future__ import annotations

from typing import Annotated

import typer

from govxl.cli import console
from govxl.cli.app import load_form_or_fail
from govxl.docs import describe

_STYLE = {"error": "red", "warning": "yellow"}


def rules(
    form: Annotated[
        str | None,
        typer.Option("--form", "-f", help="同时列出该表单（如 gb2021）的校验规则。"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """列出审核问题的种类（类别、名称、说明），以及一个表单的校验规则。

    加 --json 时列出供脚本使用的问题代码。"""
    if form is not None:
        load_form_or_fail(form)  # an unknown form is a usage error (exit 2) with the list of forms
    data = describe(form)
    if as_json:
        console.print_json(data)
        return
    kinds = data["catalogue"]
    console.table(
        "审核问题的种类",
        ("类别", "名称", "说明"),
        [(k["severity_zh"], k["title"], k["description"]) for k in kinds],
        [_STYLE.get(k["severity"]) for k in kinds],
    )
    if form is None:
        return
    f = data["form"]
    console.table(
        f"{f['id']} {f['title']} 的校验规则",
        ("规则", "类别", "名称", "处理意见", "实例", "检查方式"),
        [
            (r["id"], r["severity_zh"], r["title"], r["message"], r["instances"], r["where_zh"])
            for r in f["rules"]
        ],
        [_STYLE.get(r["severity"]) for r in f["rules"]],
    )
