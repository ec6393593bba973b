"""``govxl demo``: the whole yearly loop on the bundled sample district."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govxl.cli import console
from govxl.cli.app import app


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件夹。")] = Path("govxl-demo"),
) -> None:
    """用内置的样例数据完整演示一遍：生成模板、收件、审核、退回、汇总。"""
    from govxl.demo import run_demo

    r = run_demo(out)
    console.info(f"样例数据（虚构）：{len(r.report.units)} 个单位，{FORM_NOTE}")
    console.table(
        "收件箱里放了什么",
        ("代码", "单位", "情形", "审核结果"),
        [(u.code, u.name, r.cases.get(u.code, ""), u.status.zh) for u in r.report.units],
    )
    console.info(f"1. 模板：{r.templates}（每个单位一份）")
    console.info(f"2. 收件箱：{r.inbox}")
    console.info(f"3. 审核结果：{r.audit / '审核结果.xlsx'}，退回文件：{r.audit / '退回'}")
    console.info(f"4. 汇总表：{r.summary}（{len(r.merged.rows)} 个单位），明细数据：{r.tidy}")


FORM_NOTE = "2025 年度，gb2021 格式（国办公开办函〔2021〕30号）"
