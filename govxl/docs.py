"""The findings catalogue and the rules of every form, described from the code.

``govxl rules`` prints these descriptions and ``docs/findings.md`` is generated from them, so the
documentation cannot drift from what ``govxl collect`` actually reports: a test fails when the
committed page differs from what the code generates. Regenerate with ``python -m govxl.docs``.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from govxl.check.findings import CATALOGUE
from govxl.forms import Form, form_ids, load_form
from govxl.forms.model import plain_message

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "findings.md"

WHERE = {
    "live": "表内实时校验，审核时复核",
    "cross-year": "跨年度，仅审核时检查（需 --previous）",
    "total": "总计公式，表内自动计算；审核时核对公式并重算",
    "cell": "表内逐格实时标红（另有数据有效性提示），审核时逐格检查",
}
"""How each kind of rule reaches the clerk: in the workbook while typing, or only at 审核."""


@dataclass(frozen=True)
class RuleInfo:
    id: str
    severity: str
    severity_zh: str
    title: str
    message: str
    instances: int
    """Columns, rows or groups the rule is applied to (input cells, for the type rule)."""
    where: str
    """A key of ``WHERE``."""
    where_zh: str


def catalogue() -> list[dict[str, str]]:
    return [
        {
            "code": k.code,
            "severity": k.severity.value,
            "severity_zh": k.severity.zh,
            "title": k.title,
            "description": k.description,
            "for_unit": k.for_unit,
        }
        for k in CATALOGUE.values()
    ]


def rules(form: Form) -> list[RuleInfo]:
    out = []
    for rule in form.rules:
        insts = [i for i in form.instances if i.rule.id == rule.id]
        if rule.kind == "types":
            where, count = "cell", len(form.inputs())
        elif rule.kind == "define":
            where, count = "total", len(insts)
        else:
            where = "cross-year" if any(i.uses_prev for i in insts) else "live"
            count = len(insts)
        out.append(
            RuleInfo(
                rule.id,
                rule.severity.value,
                rule.severity.zh,
                rule.title,
                plain_message(rule.message),
                count,
                where,
                WHERE[where] + ("；单个单位的数额，不适用于汇总表" if rule.per_unit else ""),
            )
        )
    return out


def describe(form_id: str | None = None) -> dict[str, Any]:
    """What ``govxl rules --json`` prints: the catalogue, and one form's rules when asked."""
    data: dict[str, Any] = {"catalogue": catalogue()}
    if form_id is not None:
        form = load_form(form_id)
        data["form"] = {
            "id": form.id,
            "title": form.title,
            "basis": form.basis,
            "rules": [asdict(r) for r in rules(form)],
        }
    return data


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(head: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def markdown() -> str:
    """The page ``docs/findings.md``: the catalogue, then the rules of every shipped form."""
    out = [
        "# 审核发现与校验规则",
        "",
        "<!-- 本页由 `python -m govxl.docs` 根据代码生成，请勿手工修改。 -->",
        "",
        "`govxl validate` 和 `govxl collect` 报告的每个问题都有一个固定的代码（可据此筛选），"
        "并带有工作表、单元格、行列标签和处理意见。类别沿用联网直报的审核分类："
        "强制（必须改正）、核实（确认无误的请在“说明”表中写明原因）、提示（仅作提醒）。",
        "",
        "填报单位在模板里看到的就是审核的结论：每张表第 1 行的校验状态、标红的单元格和表格旁的"
        "“校验”格，与审核用的是同一条规则。强制问题显示红色“×”（“未通过”），核实显示黄色“△”"
        "（“请核实并在说明中写明原因”，在“说明”表写明后变为“√ 已说明”），提示显示灰字"
        "“提示：”；“基本信息”表的校验结果与审核结论一致（未通过 / 有警告 / 已通过）。"
        "表内看不到、只在审核时检查的是：文件本身（能否读取、是否下发的模板、名册、年度）、"
        "模板是否被改动（标签、总计公式、校验公式、保护），"
        "以及与上一年度数据的衔接（需 --previous）。"
        "标明“单个单位”的规则（数额上限）不适用于汇总表，汇总时在汇总表的“说明”表中注明。",
        "",
        "## 问题代码",
        "",
        *_table(
            ("代码", "类别", "名称", "说明"),
            [
                (f"`{k['code']}`", k["severity_zh"], k["title"], k["description"])
                for k in catalogue()
            ],
        ),
        "",
        "## 单位看到的处理意见",
        "",
        "以下几类问题关系到办公室的收件箱（文件是谁的、以哪一份为准），上面的处理意见是给办公室的"
        "（改名、移出收件箱、重新运行）。报送的单位在收件台自己的页面上和退回文件的“审核意见”表中"
        "看到的是它自己该做的事：",
        "",
        *_table(
            ("代码", "名称", "单位看到的处理意见"),
            [(f"`{k['code']}`", k["title"], k["for_unit"]) for k in catalogue() if k["for_unit"]],
        ),
    ]
    for form_id in form_ids():
        form = load_form(form_id)
        years = f"{form.first_year}–{form.last_year or ''}"
        out += [
            "",
            f"## 表单 {form.id}：{form.title}",
            "",
            f"依据：{form.basis}；适用年度：{years}。",
            "",
            *_table(
                ("规则", "类别", "名称", "处理意见", "实例", "检查方式"),
                [
                    (r.id, r.severity_zh, r.title, r.message, r.instances, r.where_zh)
                    for r in rules(form)
                ],
            ),
        ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/findings.md``; with ``--check`` only report whether it is up to date."""
    args = sys.argv[1:] if argv is None else argv
    text = markdown()
    if "--check" in args:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.is_file() else ""
        if current != text:
            print(f"{DOC_PATH} 已过期：请运行 python -m govxl.docs", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(text, encoding="utf-8")
    print(f"已生成 {DOC_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
