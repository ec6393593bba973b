"""``govxl serve`` and ``govxl links``: the intake desk in a browser, as thin commands."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from govxl.cli import console
from govxl.cli.app import UsageError, check_year, fail, load_form_or_fail
from govxl.desk.exports import links_book, links_csv
from govxl.desk.intake import Desk
from govxl.desk.reading import default_jobs
from govxl.desk.server import LOCAL_ONLY, is_public, port_taken, run
from govxl.desk.server import base_url as default_url
from govxl.desk.server import links as read_links
from govxl.desk.settings import SetupError
from govxl.fileio import OutputError, atomic_write
from govxl.roster import RosterError


def serve(
    folder: Annotated[
        Path, typer.Argument(help="收件台工作目录（第一次启动时创建）。", metavar="工作目录")
    ],
    roster: Annotated[
        Path | None,
        typer.Option(help="单位名册（.csv 或 .xlsx），第一次启动时必填。", dir_okay=False),
    ] = None,
    form: Annotated[str | None, typer.Option(help="表格格式，如 gb2021。")] = None,
    year: Annotated[int | None, typer.Option(help="报告年度，如 2025。")] = None,
    deadline: Annotated[
        str | None, typer.Option(help="报送截止日期，如 2026-01-20；过期未报的单位标为逾期。")
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(help="上一年度的收件台工作目录、汇总表或报表文件夹。", exists=True),
    ] = None,
    host: Annotated[str, typer.Option(help="监听地址；默认只允许本机访问。")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口。")] = 8765,
    base_url: Annotated[
        str, typer.Option("--base-url", help="对外的网址（在 nginx 等之后运行时），用于生成链接。")
    ] = "",
    jobs: Annotated[
        int | None,
        typer.Option(
            help="审核新上传文件的进程数（默认 2，单核电脑为 1）；1 表示在收件台进程内审核。"
        ),
    ] = None,
) -> None:
    """启动收件台：各单位在浏览器中上传报表，办公室实时查看进度。

    各单位上传后立即看到审核结果，办公室实时查看报送进度。"""
    if form is not None:
        check_year(load_form_or_fail(form), year)
    try:
        due = date.fromisoformat(deadline) if deadline else None
    except ValueError:
        raise fail(UsageError(f"截止日期应写成 2026-01-20 的样子：{deadline}")) from None
    if jobs is not None and jobs < 1:
        raise fail(UsageError(f"--jobs 应为 1 或更大的整数（审核进程数），而不是 {jobs}。"))
    if roster is not None and not roster.is_file():
        raise fail(UsageError(f"找不到名册文件：{roster}"))
    if is_public(host):  # said first: it is about the command line, whatever happens next
        console.warn(
            f"收件台在 {host} 上对其他计算机开放。请在前面放置启用 HTTPS 的 nginx 等反向代理"
            "（见 docs/deploy.md），不要让链接以明文在网络上传输。"
        )
    try:
        desk = Desk.open(
            folder,
            roster=roster,
            form=form,
            year=year,
            deadline=due,
            previous=previous,
            jobs=jobs,
            readers=default_jobs() if jobs is None else jobs,
        )
    except (SetupError, RosterError) as e:
        raise fail(e) from None
    busy = port_taken(host, port)  # after what the command line itself gets wrong
    if busy:
        desk.close()
        raise fail(UsageError(busy))
    url = (base_url or default_url(host, port)).rstrip("/")
    desk.archive.set_setting("url", url)
    s = desk.settings
    console.info(
        f"收件台：{s.year} 年度，{s.form.id}，{len(s.roster.units)} 个单位，工作目录 {folder}"
    )
    console.info(f"办公室的地址（请勿外传）：{url}/o/{desk.office_token}")
    console.info(f"各单位的专用链接：govxl links {folder} -o 链接.xlsx")
    if not is_public(host) and not base_url:
        console.info(
            "这些地址只能在本机打开；要让其他电脑访问，请用 --host 启动（见 docs/deploy.md）。"
        )
    console.info("按 Ctrl-C 停止。")
    try:
        run(desk, host, port)
    finally:
        desk.close()  # the reading processes stop with the desk


def links(
    folder: Annotated[
        Path,
        typer.Argument(help="收件台工作目录。", metavar="工作目录", exists=True, file_okay=False),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="保存为 .xlsx 或 .csv（用于邮件合并）。")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="对外的网址（默认为上次启动时的地址）。")
    ] = None,
) -> None:
    """列出各单位的专用链接和办公室的链接。"""
    try:
        found = read_links(folder, base_url)
    except (SetupError, RosterError) as e:
        raise fail(e) from None
    if out is not None:
        suffix = out.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise fail(UsageError(f"链接只能保存为 .xlsx 或 .csv：{out}"))
        data = (
            links_book(found.office, found.units) if suffix == ".xlsx" else links_csv(found.units)
        )
        try:
            atomic_write(out, data)
        except OutputError as e:
            raise fail(e) from None
    if as_json:
        body = {
            "office": {"url": found.office},
            "units": [{"code": c, "name": n, "url": u} for c, n, u in found.units],
        }
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        # each address on a line of its own, never wrapped by a table: copied whole into a mail
        console.info(f"各单位的专用链接（{len(found.units)} 个）：")
        for code, name, url in found.units:
            console.info(f"\n{code} {name}\n{url}")
        console.info(f"\n办公室的链接（请勿外传）：\n{found.office}")
        if out is not None:
            console.info(f"\n已保存：{out}")
    if found.local:
        console.warn(LOCAL_ONLY.format(host=found.host))
