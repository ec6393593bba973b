"""``govxl demo``: the whole yearly loop on the bundled sample district."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govxl.cli import console


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件夹。")] = Path("govxl-demo"),
    serve: Annotated[
        bool, typer.Option("--serve", help="演示之后在本机启动收件台（已有若干单位上传）。")
    ] = False,
    port: Annotated[int, typer.Option(help="收件台的端口（与 --serve 一起使用）。")] = 8765,
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
    if serve:
        _serve(out / "收件台", port)


def _serve(folder: Path, port: int) -> None:
    """The sample district on the desk, with eight days of uploads, on this machine only."""
    from govxl.desk.sample import seed
    from govxl.desk.server import base_url, run

    desk = seed(folder)
    url = base_url("127.0.0.1", port)
    desk.archive.set_setting("url", url)
    first = desk.settings.roster.units[2]
    console.info(f"5. 收件台：{folder}")
    console.info(f"   办公室：{url}/o/{desk.office_token}")
    console.info(f"   单位“{first.name}”的页面：{url}/u/{desk.links[first.code]}")
    console.info(f"   其他单位的链接：govxl links {folder}　按 Ctrl-C 停止。")
    run(desk, "127.0.0.1", port)


FORM_NOTE = "2025 年度，gb2021 格式（国办公开办函〔2021〕30号）"
