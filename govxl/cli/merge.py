"""``govxl merge`` and ``govxl demo``: summaries, as thin commands over the library."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer

from govxl.cli import console
from govxl.cli.app import UsageError, apart, fail
from govxl.collect import collect as run_collect
from govxl.desk.choices import store_decisions
from govxl.fileio import OutputError
from govxl.merge import MergeError, write_summary
from govxl.merge import merge as run_merge
from govxl.merge.tidy import rows, write_tidy
from govxl.merge.write import STATUS_SHEET
from govxl.roster import RosterError, read_roster


def merge(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="收件文件夹、govxl collect 的输出文件夹、单位报表或下级汇总表。",
            metavar="来源...",
            exists=True,
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="汇总表文件（.xlsx）。")],
    roster: Annotated[
        Path | None,
        typer.Option(help="单位名册，用于列出未报送的单位。", exists=True, dir_okay=False),
    ] = None,
    include_errors: Annotated[
        bool, typer.Option("--include-errors", help="也汇总未通过审核的报表（汇总表上会注明）。")
    ] = False,
    tidy: Annotated[Path | None, typer.Option(help="另存明细数据（.csv 或 .parquet）。")] = None,
    level: Annotated[str, typer.Option(help="汇总层级名称，如“区”“市”。")] = "",
    code: Annotated[str, typer.Option(help="汇总单位的代码（供上一级汇总使用）。")] = "",
    name: Annotated[
        str, typer.Option(help="汇总单位的名称（默认取名册中各单位名称共同的区县名）。")
    ] = "",
) -> None:
    """把通过审核的报表（或下级汇总表）汇总成一张汇总表。

    汇总表上的每个数字都可追溯到单位。"""

    if output.suffix.lower() != ".xlsx":
        raise fail(UsageError(f"汇总表应以 .xlsx 结尾：{output}"))
    apart(
        [*sources, *_inboxes(sources), roster],
        files=[output, *([tidy] if tidy else [])],
        hint="请把汇总表保存到要汇总的文件夹以外（放在里面，下次汇总时它会被当作报表再读一遍）。",
    )
    # a desk's store (工作目录/收件箱): the versions its office chose count, as in collect
    chosen = {src: d for src in sources if roster and (d := store_decisions(src))}
    try:
        units = read_roster(roster) if roster else None
        with console.progress("正在读取") as tick:
            decided = [
                run_collect(src, units, decisions=d, progress=tick)
                for src, d in chosen.items()
                if units
            ]
            result = run_merge(
                [src for src in sources if src not in chosen],
                roster=units,
                include_errors=include_errors,
                level=level,
                code=code,
                name=name,
                progress=tick,
                reports=decided,
            )
        write_summary(result, output)
        if tidy:
            s = result.summary
            write_tidy(rows(s.form, s.year, result.rows), tidy)
    except (RosterError, MergeError, OutputError, ValueError) as e:
        raise fail(e) from None
    s = result.summary
    console.info(f"已汇总 {len(result.rows)} 个单位（{s.form.id}，{s.year} 年度）：{output}")
    if result.left_out:
        console.table(
            "未汇总",
            ("代码", "单位", "文件", "原因"),
            [(x.code, x.name, x.file, x.reason) for x in result.left_out],
            full_list=f"汇总表的“{STATUS_SHEET}”工作表",
        )
    if result.missing:
        listed = "、".join(f"{u.code} {u.name}" for u in result.missing[: console.MAX_ROWS])
        more = len(result.missing) - console.MAX_ROWS
        if more > 0:
            listed += f" 等，另有 {more} 个单位，完整清单见汇总表的“{STATUS_SHEET}”工作表"
        console.info(f"未报送 {len(result.missing)} 个单位：{listed}")
    if result.unchecked:
        console.warn("汇总中包含未通过审核的报表数据。")


def _inboxes(sources: list[Path]) -> list[Path]:
    """The inboxes that ``govxl collect`` output folders among the sources point at: merge
    reads the returns there too. findings.json begins with it (a province's file is large:
    only its head is read)."""
    found = []
    for src in sources:
        if not (src / "findings.json").is_file():  # never open a pipe: it would block
            continue
        try:
            with open(src / "findings.json", "rb") as fh:
                head = fh.read(1 << 16).decode("utf-8", "replace")
        except OSError:
            continue
        m = re.match(r'\{"inbox": ("(?:[^"\\]|\\.)*")', head)
        if m:
            found.append(Path(json.loads(m[1])))
    return found
