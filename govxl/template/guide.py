"""The 填报说明 sheet: how to fill the workbook and what each check means, in plain Chinese.

The list of checks is generated from the form's rules, so the guide cannot drift from the checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from govxl.forms import Form
from govxl.forms.model import plain_message
from govxl.forms.workbook import open_unit_note
from govxl.template.sheetxml import lines_needed

if TYPE_CHECKING:
    from govxl.forms.returns import Return
    from govxl.template.formats import Formats

STEPS = (
    "只在浅黄色的单元格里填写。灰色的“总计”会自动计算，其他单元格已锁定，不能也不需要修改。",
    "每个数字单元格都要填写：没有发生的填 0，不要留空，也不要填“无”“/”等文字。",
    "件数只填整数，不带单位；金额只填数字，不要写“元”“万元”（单位以表头为准）。",
    "“本年增/减”（如有）增加填正数，减少填负数，如减少 59 项填 -59。",
    "每张表第 1 行显示本表校验结果，“基本信息”表汇总全部表格的结果。标红的单元格和红色“×”必须"
    "修改（强制）。",
    "标黄的“△”为“核实”：数字可能有误，请核实；确认无误的，请在“说明”表中写明涉及的规则或单元格"
    "及原因，提示即变为“√ 已说明”。“提示：”开头的灰字仅作提醒，不影响报送。",
    "表格右侧或下方的“校验”格不会打印；打印时只印出官方表格和填报单位、填报人等信息。",
    "在“文字部分”填写报告正文的第一、五、六部分；文字中提到的数字应与表格一致，五、六部分"
    "不要空着（这些在审核时检查，表内不显示）。",
    "请不要插入或删除行、列，不要改动表名；保存为 .xlsx 格式后报送（文件名可保持不变）。",
)


def write_guide(ws: Worksheet, fmt: Formats, form: Form, ret: Return) -> None:
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 62)
    year = f"{ret.year}年" if ret.year else ""
    title = f"{ret.unit_name}{year}政府信息公开工作年度报告数据填报说明"
    ws.merge_range(0, 0, 0, 2, title, fmt["title"])
    ws.set_row(0, 28)
    ws.merge_range(1, 0, 1, 2, f"表格格式：{form.title}（{form.basis}）", fmt["guide"])
    ws.set_row(1, 30)
    row = 3
    unit = open_unit_note(ret)
    if unit:
        ws.merge_range(
            2, 0, 2, 2, f"金额单位：本模板的{unit}（由汇总单位统一规定）。", fmt["guide"]
        )
    ws.merge_range(row, 0, row, 2, "一、怎样填写", fmt["guide_head"])
    row += 1
    for i, step in enumerate(STEPS, 1):
        ws.write_string(row, 0, f"{i}.", fmt["guide"])
        ws.merge_range(row, 1, row, 2, step, fmt["guide"])
        ws.set_row(row, 15 * lines_needed(step, 84) + 4)
        row += 1
    row += 1
    ws.merge_range(row, 0, row, 2, "二、自动校验的规则", fmt["guide_head"])
    row += 1
    for col, head in enumerate(("类别", "规则", "含义和处理")):
        ws.write_string(row, col, head, fmt["header"])
    row += 1
    for rule in form.rules:
        ws.write_string(row, 0, rule.severity.zh, fmt["fixed"])
        ws.write_string(row, 1, f"{rule.id} {rule.title}", fmt["fixed"])
        meaning = plain_message(rule.message)
        if any("prev." in r for i in form.instances if i.rule is rule for r in i.refs):
            meaning += "（与上一年度数据比对，由汇总单位审核时检查。）"
        ws.write_string(row, 2, meaning, fmt["fixed"])
        ws.set_row(row, 15 * max(lines_needed(meaning, 62), lines_needed(rule.title, 22)) + 4)
        row += 1
    row += 1
    ws.merge_range(row, 0, row, 2, "三、类别说明", fmt["guide_head"])
    row += 1
    for sev, text in (
        ("强制", "必须改正，否则不能通过审核。"),
        ("核实", "请核实；数字无误的，在“说明”表中写明原因即可通过。"),
        ("提示", "仅作提醒，不影响审核。"),
    ):
        ws.write_string(row, 0, sev, fmt["fixed"])
        ws.merge_range(row, 1, row, 2, text, fmt["fixed"])
        row += 1
    ws.repeat_rows(0)
