"""``govxl validate`` and ``govxl collect``: checking returns, as thin commands over the library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govxl.check.findings import Finding
from govxl.check.result import ReadResult
from govxl.cli import console
from govxl.cli.app import UsageError, apart, fail, report_year
from govxl.collect import collect as run_collect
from govxl.collect.imported import inspect_any
from govxl.collect.outputs import write_outputs
from govxl.collect.previous import load_previous
from govxl.collect.run import CollectError
from govxl.collect.status import Status
from govxl.desk.choices import store_decisions
from govxl.fileio import OutputError
from govxl.forms import Severity
from govxl.paths import shown
from govxl.roster import RosterError, read_roster


def _finding_rows(findings: list[Finding]) -> list[tuple[str, ...]]:
    return [
        (f.severity.zh + ("（已说明）" if f.explained else ""), f.where, f.message, f.title)
        for f in findings
    ]


def _styles(findings: list[Finding]) -> list[str | None]:
    return [{"error": "red", "warning": "yellow"}.get(f.severity.value) for f in findings]


def validate(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="要审核的工作簿（也可以是 .docx、.pdf、.html 等报告文本）。", metavar="文件..."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出审核结果。")] = False,
    blank_as_zero: Annotated[
        bool, typer.Option("--blank-as-zero", help="空白单元格按 0 处理（给出警告）。")
    ] = False,
) -> None:
    """审核一个或多个填好的工作簿，逐格指出问题。"""

    results = [inspect_any(p, blank_as_zero=blank_as_zero) for p in files]
    if as_json:
        console.print_json([r.to_dict() for r in results])
    else:
        for r in results:
            who = f"{r.ret.unit_name}（{r.ret.unit_code}）" if r.ret and r.ret.unit_code else ""
            name = shown(r.path.name)
            if not r.findings:
                console.info(f"✓ {name} {who}：审核通过。")
                continue
            console.table(
                f"{name} {who}",
                ("类别", "位置", "问题和处理意见", "问题"),
                _finding_rows(r.findings),
                _styles(r.findings),
            )
        console.info(verdict(results))
    if not any(r.readable for r in results):
        raise typer.Exit(2)
    raise typer.Exit(1 if any(r.errors for r in results) else 0)


def verdict(results: list[ReadResult]) -> str:
    """The one line every ``validate`` ends with: 通过, 需核实 (exit 0, but the unit must say
    why in its 说明 before the return is final) or 未通过."""
    failed = [r for r in results if r.errors or not r.readable]
    if failed:
        errors = sum(len(r.errors) for r in failed)
        return (
            f"未通过：{len(failed)} 个文件有 {errors} 处强制问题或无法读取，"
            "请按上面的处理意见改正后重新审核。"
        )
    open_ = sum(
        1 for r in results for f in r.findings if f.severity is Severity.WARNING and not f.explained
    )
    if open_:
        return f"有 {open_} 处需核实：请核对数字，确认无误的，在“说明”工作表中写明原因。"
    return "通过：没有强制问题，也没有未说明的核实问题。"


def collect(
    inbox: Annotated[
        Path,
        typer.Argument(
            help="收件文件夹（各单位报送的文件）。",
            metavar="收件文件夹",
            exists=True,
            file_okay=False,
        ),
    ],
    roster: Annotated[
        Path, typer.Option(help="单位名册（.csv 或 .xlsx）。", exists=True, dir_okay=False)
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件夹（审核结果、退回文件）。")],
    previous: Annotated[
        Path | None, typer.Option(help="上一年度的汇总表或报表文件夹。", exists=True)
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="收集的报告年度（默认取多数文件的年度）。")
    ] = None,
    feedback: Annotated[
        bool, typer.Option("--feedback", help="为有问题的单位生成标注了问题的退回文件。")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果。")] = False,
    blank_as_zero: Annotated[
        bool, typer.Option("--blank-as-zero", help="空白单元格按 0 处理（给出警告）。")
    ] = False,
    jobs: Annotated[int | None, typer.Option(help="并行进程数（默认为本机的处理器核数）。")] = None,
) -> None:
    """收集并审核收件文件夹中的全部报表，生成审核结果和退回文件。"""

    year = report_year(year)
    if jobs is not None and jobs < 1:
        raise fail(UsageError(f"--jobs 应为 1 或更大的整数（并行进程数），而不是 {jobs}。"))
    apart(
        [inbox, roster, previous],
        folders=[out],
        hint="请另选一个输出文件夹，例如与收件文件夹并列的“审核结果”。",
    )
    decisions = store_decisions(inbox)  # a desk's store: the versions its office chose
    try:
        units = read_roster(roster)
        prev = load_previous(previous) if previous else None
        with console.progress("正在读取和审核") as tick:
            report = run_collect(
                inbox,
                units,
                year=year,
                previous=prev.values if prev else None,
                previous_year=prev.year if prev else None,
                decisions=decisions,
                blank_as_zero=blank_as_zero,
                jobs=jobs,
                progress=tick,
            )
    except (RosterError, CollectError) as e:
        raise fail(e) from None
    try:
        written = write_outputs(report, out)
        returned: list[Path] = []
        skipped: list[tuple[str, str]] = []
        if feedback:
            from govxl.collect.feedback import write_all  # openpyxl: slow

            returned, skipped = write_all(report, out)
    except OutputError as e:
        raise fail(e) from None
    if as_json:
        console.print_json(report.to_dict())
    else:
        shown = report.units
        title = f"{report.year} 年度报送进度" if report.year else "报送进度"
        if len(shown) > console.MAX_ROWS:  # a city's thousand units: only those needing action
            shown = [u for u in shown if u.status != Status.PASSED][: console.MAX_ROWS]
            title += f"（只列出未通过或需处理的前 {len(shown)} 个单位，完整清单见审核结果.xlsx）"
        rows = [(u.code, u.name, u.status.zh, u.errors, u.warnings, u.file) for u in shown]
        styles = [
            {Status.PASSED: "green", Status.WARNED: "yellow", Status.MISSING: "dim"}.get(
                u.status, "red"
            )
            for u in shown
        ]
        console.table(
            title,
            ("代码", "单位", "状态", "强制", "核实", "文件"),
            rows,
            styles,
        )
        stats = "，".join(f"{k.zh} {v}" for k, v in report.stats().items())
        console.info(f"共 {len(report.units)} 个单位：{stats}。")
        if decisions:
            console.info(f"其中 {len(decisions)} 个单位采用收件台办公室选定的版本。")
        stray = [f.relative for f in report.files if not f.unit_code]
        if stray:
            more = f" 等 {len(stray)} 个文件" if len(stray) > 5 else ""
            console.warn(
                f"收件箱中有文件没有对应到名册中的单位：{'、'.join(stray[:5])}{more}。"
                "原因和处理办法见审核结果.xlsx 的“问题清单”。"
            )
        console.info(f"审核结果：{written[0]}；明细：{written[1]}")
        if feedback:
            console.info(f"退回文件 {len(returned)} 份：{out / '退回'}")
            if skipped:
                console.table(
                    f"{len(skipped)} 份文件无法生成标注了问题的退回文件，"
                    "请把问题清单中的问题另行告知",
                    ("文件", "原因"),
                    skipped,
                    full_list="审核结果.xlsx 的“问题清单”",
                )
    raise typer.Exit(0 if report.valid else 1)
