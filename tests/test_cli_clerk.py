"""The command line as a clerk meets it, run as the real program: every output that cannot be
written ends in one Chinese line and exit 2, ``govxl --help`` follows the yearly work and fits an
80-column window, help and usage errors speak Chinese, and ``validate`` always ends with a
verdict — on a workbook or on a report sent as a Word document."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from govxl.forms import load_form
from govxl.report.render import render_report
from govxl.samples import random_return
from govxl.template.writer import render


def govxl(cwd: Path, *args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    """``govxl …`` as the clerk types it, in ``cwd``, in a window ``columns`` wide."""
    env = {"COLUMNS": str(columns), "PATH": "/usr/bin:/bin"}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        [sys.executable, "-m", "govxl", *args],
        cwd=cwd, capture_output=True, text=True, encoding="utf-8", env=env,
    )  # fmt: skip


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """A clerk's folder: a roster, a file where a folder is expected, a folder named like a
    workbook."""
    (tmp_path / "名册.csv").write_text("单位代码,单位名称\nU1,单位U1\n", encoding="utf-8")
    (tmp_path / "说明.txt").write_text("下发模板前的说明", encoding="utf-8")
    (tmp_path / "模板.xlsx").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    "args, path",
    [
        (["template", "-f", "gb2021", "-o", "名册.csv/x.xlsx"], "名册.csv"),
        (["template", "-f", "gb2021", "-o", "模板.xlsx"], "模板.xlsx"),
        (["template", "-f", "gb2021", "--roster", "名册.csv", "-o", "说明.txt/模板"], "说明.txt"),
        (["demo", "--out", "名册.csv/演示"], "名册.csv"),
        (["serve", "名册.csv/收件台", "--roster", "名册.csv"], "名册.csv"),
    ],
    ids=["parent-is-a-file", "a-folder-of-that-name", "roster-into-a-file", "demo", "serve"],
)
def test_an_output_that_cannot_be_written_says_where_and_what_to_do(desk, args, path):
    done = govxl(desk, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and path in lines[0], done.stderr
    assert "请" in lines[0], "the line says what to do"


YEARLY_ORDER = [
    "template", "validate", "collect", "merge", "report", "import", "serve", "links",
    "forms", "rules", "demo",
]  # fmt: skip


def test_help_lists_the_commands_in_the_order_of_the_yearly_work_whole_at_80_columns(tmp_path):
    done = govxl(tmp_path, "--help", columns=80)
    assert done.returncode == 0
    listed = re.findall(r"^│ ([a-z]+) +(\S.*?) *│$", done.stdout, flags=re.M)
    assert [name for name, _ in listed] == YEARLY_ORDER
    assert "…" not in done.stdout
    for name, help_line in listed:  # one line each, ending where the sentence ends
        assert help_line.endswith("。"), (name, help_line)


ALLOWED = {"govxl", "Excel", "WPS", "LibreOffice", "Word", "Markdown", "JSON", "Ctrl", "HTTPS",
           "nginx", *YEARLY_ORDER, "show"}  # fmt: skip
"""Program names, and the commands as the clerk types them."""


def english(text: str) -> set[str]:
    """The English words in ``text``, besides option names, file types, form codes and the
    names of programs."""
    text = re.sub(r"(?<![\w.])--?[a-z][a-z-]*", " ", text)  # --output, -o
    text = re.sub(r"\.(?:xlsx|xls|csv|docx|pdf|html|htm|md|txt|parquet)\b", " ", text)
    text = re.sub(r"\bgb\d{4}\b", " ", text)
    text = re.sub(r"'[^'\n]*'", " ", text)  # what the clerk typed, quoted back
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED


@pytest.mark.parametrize(
    "args",
    [["--help"], ["template", "--help"], ["template", "-f", "gb2021"], ["nosuch"],
     ["validate", "--jsn", "x.xlsx"],
     ["template", "-f", "gb2021", "--year", "去年", "-o", "a.xlsx"],
     ["collect", "无此文件夹", "--roster", "名册.csv", "-o", "结果"],
     *([c, "--help"] for c in YEARLY_ORDER)],
)  # fmt: skip
def test_help_and_usage_errors_speak_chinese(desk, args):
    done = govxl(desk, *args, columns=100)
    assert done.returncode in (0, 2)
    assert english(done.stdout + done.stderr) == set(), done.stdout + done.stderr


@pytest.fixture
def returns(tmp_path: Path) -> Path:
    """A clean return, one with an unexplained 核实 (收费 over 1 亿元), one that is not a workbook
    at all, and the clean one published as a Word report."""
    ret = random_return(load_form("gb2021"), random.Random(1), year=2025, code="U1", name="单位U1")
    (tmp_path / "好.xlsx").write_bytes(render(ret))
    (tmp_path / "年度报告.docx").write_bytes(render_report(ret, "docx"))
    ret.values["t2.fees.fee_amount"] = 20000
    (tmp_path / "待核实.xlsx").write_bytes(render(ret))
    (tmp_path / "坏.xlsx").write_text("不是工作簿", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "name, code, verdict",
    [("好.xlsx", 0, "通过"), ("待核实.xlsx", 0, "有 1 处需核实"), ("坏.xlsx", 2, "未通过")],
)
def test_validate_always_ends_with_a_verdict(returns, name, code, verdict):
    done = govxl(returns, "validate", name, columns=100)
    assert done.returncode == code, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith(verdict), done.stdout


def test_validate_reads_a_report_sent_as_a_word_document_like_collect(returns):
    done = govxl(returns, "validate", "年度报告.docx", columns=100)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "不是有效的 Excel" not in done.stdout
    assert "由报告导入" in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("通过")


def test_a_clerk_reads_problem_names_and_scripts_read_codes(returns):
    shown = govxl(returns, "validate", "待核实.xlsx", columns=120).stdout
    assert "rule-failed" not in shown and "校验未通过" in shown.replace("\n", "")
    data = json.loads(govxl(returns, "validate", "--json", "待核实.xlsx").stdout)
    assert [f["code"] for f in data[0]["findings"]] == ["rule-failed"]


@pytest.mark.parametrize("args", [["rules"], ["forms", "show", "gb2021"]])
def test_reference_tables_name_things_in_chinese(tmp_path, args):
    out = govxl(tmp_path, *args, columns=200).stdout
    assert not re.search(r"\b(?:rule-failed|file-unreadable|count|money|delta)\b", out), out[:2000]
