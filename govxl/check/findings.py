"""The findings catalogue: every kind of problem govxl reports, with a stable code.

Each kind has a code (stable: users filter on it, tests assert it), a Chinese title, a
description for the docs and the 规则说明 sheet, and a default severity. A few kinds are about
the office's inbox (whose file this is, which version counts): their advice is the office's
(rename, move, run again), and the unit that sent the file reads its own (``for_unit``: what to
send instead), on its page at the intake desk and in its 退回 copy. A ``Finding`` is one
occurrence: where it is (file, sheet, A1 cell, row × column label), what was there, what was
expected and what to do — in words a clerk understands, never an internal code alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govxl.forms import Severity


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    severity: Severity
    description: str
    for_unit: str = ""
    """What the unit that sent the file reads instead of the office's advice ("" when both
    read the same message)."""


def _k(code: str, title: str, severity: str, description: str, for_unit: str = "") -> Kind:
    return Kind(code, title, Severity(severity), description, for_unit)


CATALOGUE: dict[str, Kind] = {
    k.code: k
    for k in (
        # the file
        _k(
            "file-unreadable",
            "文件无法读取",
            "error",
            "文件为空、已损坏、加密、过大或不是 Excel 工作簿，无法读取其中的数字。",
        ),
        _k(
            "not-a-return",
            "不是填报模板",
            "error",
            "文件中没有下发模板的标识，可能不是下发的模板，或是自行制作的表格。",
        ),
        _k(
            "macro-present",
            "文件含有宏",
            "info",
            "文件中有宏代码（.xlsm）。审核时从不运行宏，只读取数字；建议另存为 .xlsx 报送。",
        ),
        _k(
            "formulas-unknown",
            "无法核对公式",
            "info",
            "文件是 .ods 或 .xls 格式，只能读取数值：各项合计已按校验规则逐项核对，"
            "但无法确认模板中的公式未被改动。",
        ),
        _k(
            "superseded",
            "已被更新的报送替代",
            "info",
            "同一单位报送了多份文件，以最新的一份为准，这一份不再使用。"
            "先后依次按文件名中的“更正”“初稿”等字样、文件的保存时间、收到时间和副本编号判断。",
        ),
        _k(
            "version-unclear",
            "无法确定哪一份最新",
            "warning",
            "同一单位报送了多份内容不同的文件，而文件名、保存时间和收到时间所示的先后不一致"
            "（或都无法分出先后）。暂采用其中一份，请向单位核实以哪一份为准。",
            "本单位报送了几份内容不同的文件，暂采用其中一份；如应以另一份为准，"
            "请在那一份的文件名中写上“更正”后重新报送，或告知办公室。",
        ),
        _k(
            "unit-mismatch",
            "文件名与文件中的单位不符",
            "error",
            "文件名（在收件台：上传所用的专用链接）表明是一个单位报送的，文件中的单位却是另一个"
            "（常见于用了别的单位的模板）。"
            "这份文件不计入任何单位，直到改名、移走或由办公室确定。",
            "这是另一个单位的报表文件，不计入本单位的报送；请用本单位的模板填写后重新报送。",
        ),
        _k("duplicate-file", "重复文件", "info", "与另一份文件内容完全相同，按一份处理。"),
        _k(
            "import-problem",
            "报告导入问题",
            "warning",
            "从已发布的报告（Word、网页或文本）导入数字时，有内容无法对应到表格中，或标签与官方格式不同。",
        ),
        _k(
            "imported",
            "由报告导入",
            "info",
            "该单位报送的是报告文本而非填报模板，数字是从报告表格中导入的，请核对。",
        ),
        # identity
        _k(
            "unknown-unit",
            "名册中没有该单位",
            "error",
            "文件中的单位代码不在本次名册中。",
            "文件中的单位不在本次报送的单位名单中，可能用错了模板；请用本单位的模板"
            "填写后重新报送。",
        ),
        _k("wrong-year", "报告年度不符", "error", "文件的报告年度与本次收集的年度不一致。"),
        _k("wrong-form", "表格格式不符", "error", "文件使用的表格格式不适用于本次收集的年度。"),
        _k(
            "outdated-template",
            "模板版本过旧",
            "error",
            "文件由旧版模板填写，模板中的表格定义与当前版本不同。",
        ),
        # tampering
        _k("sheet-missing", "工作表缺失或被改名", "error", "模板中的某个工作表找不到了。"),
        _k(
            "label-changed",
            "表格标签被改动或行被插入",
            "error",
            "表格中的行列标签与模板不一致，通常是插入、删除了行或列，或改动了文字。",
        ),
        _k(
            "formula-changed",
            "总计公式被改动",
            "error",
            "应自动计算的总计单元格被改写成数字或其他公式。",
        ),
        _k("check-changed", "校验公式被改动", "warning", "表格中的校验单元格被改动。"),
        _k(
            "id-sheet-visible",
            "模板标识表变为普通隐藏",
            "info",
            "文件经 LibreOffice 等程序保存后，隐藏的模板标识表变成了普通隐藏"
            "（可用“取消隐藏”看到）。不影响审核；请勿修改或删除这张表。",
        ),
        _k(
            "protection-removed",
            "工作表保护被取消",
            "warning",
            "模板的工作表保护或工作簿结构保护被取消。",
        ),
        # values (codes shared with govxl.values)
        _k("blank", "未填写", "error", "应填写数字的单元格是空的；没有的请填 0。"),
        _k(
            "blank-as-zero",
            "空白按 0 处理",
            "warning",
            "空白单元格已按 0 处理（使用了按 0 处理的选项）。",
        ),
        _k(
            "number-as-text",
            "文本形式的数字",
            "info",
            "导入的报告中，数字以文本形式书写（如“减59”“1,234”），已按数值读取。",
        ),
        _k("not-a-number", "不是数字", "error", "应填写数字的单元格中填写了文字。"),
        _k(
            "text-number",
            "数字存成了文本",
            "error",
            "数字单元格里是文本（以文本格式保存的数字，或“减59”“5万元”这样带字的数）：表格的"
            "总计和校验都不计入文本，与表内显示不一致。请重新输入为数字。",
        ),
        _k(
            "formula-in-input",
            "填写格中是公式",
            "error",
            "应填写数字的单元格里是公式，文件中没有保存计算结果，读不到数字。",
        ),
        _k("fraction", "件数不是整数", "error", "件数必须是整数。"),
        _k("negative", "负数", "error", "件数、金额不能为负数。"),
        _k("too-large", "数字过大", "error", "数字超出合理范围，可能多输入了位数。"),
        _k(
            "unit-converted",
            "金额单位已换算",
            "warning",
            "导入的报告中金额带有单位，已换算为表头规定的单位。",
        ),
        _k(
            "date-in-number-cell",
            "数字被当成了日期",
            "error",
            "在件数、金额或增减数单元格中填写的内容被 Excel 当成了日期或时间（例如“1-2”变成了"
            "1月2日，存下的是 46024），不是填写的数字。请把单元格格式改为“常规”后重新填写数字。",
        ),
        _k(
            "unit-unclear",
            "金额单位不明确",
            "warning",
            "导入的报告中金额带有单位而表格未规定单位，已按原数读取。",
        ),
        # rules
        _k(
            "rule-failed",
            "校验未通过",
            "error",
            "表格数字不满足年度报告格式的勾稽关系；严重程度由规则决定（强制、核实、提示）。",
        ),
        _k(
            "total-mismatch",
            "总计与各项之和不符",
            "error",
            "文件中填写的总计数与各项之和不一致（总计公式被改成了数字）。",
        ),
        # what an evaluator checks (国办公开办函〔2021〕30号; govxl.check.evaluate)
        _k(
            "text-vs-tables",
            "文字与表格不符",
            "error",
            "报告文字中写的数字（如“共受理申请859件”“予以公开258件”）或说法（如“复议均获维持”）"
            "与表格中的数字不一致。",
        ),
        _k(
            "section-empty",
            "报告部分内容空缺",
            "warning",
            "“五、存在的主要问题及改进情况”或“六、其他需要报告的事项”没有内容（五不能只写“无”）。",
        ),
        _k(
            "section-missing",
            "报告缺少部分",
            "warning",
            "导入的报告中找不到某一部分的标题（一至六），该部分的文字或表格可能缺失。",
        ),
        _k(
            "section-order",
            "报告部分顺序不对",
            "warning",
            "导入的报告中一至六部分的顺序与年度报告格式规定的顺序不同。",
        ),
        _k(
            "fees-not-reported",
            "未报告信息处理费",
            "info",
            "表三中有因逾期未缴纳费用而不再处理的申请（说明收取过信息处理费），"
            "但“六、其他需要报告的事项”没有说明信息处理费的收取情况。",
        ),
        _k(
            "outdated-layout",
            "表格格式过时",
            "warning",
            "报告年度使用的表格格式不适用于该年度，"
            "例如 2021 年以后的报告仍用 2019 年（试行）格式。",
        ),
        _k(
            "copied-text",
            "内容雷同",
            "warning",
            "报告某一部分的文字与上一年度报告的同一部分大部分相同（5 字片段重合 80% 以上）；"
            "审核时提供了上一年度的报告才检查。",
        ),
        _k(
            "yoy-jump",
            "与上年相比变化异常",
            "info",
            "与上一年度相比，数字增加到 5 倍以上或减少到五分之一以下，请核实。",
        ),
    )
}


@dataclass
class Finding:
    code: str
    message: str
    severity: Severity
    file: str = ""
    sha256: str = ""
    unit: str = ""
    sheet: str = ""
    cell: str = ""
    row_label: str = ""
    column_label: str = ""
    value: str = ""
    expected: str = ""
    rule: str = ""
    explained: bool = False
    """A 核实 warning the unit explained in its 说明 sheet."""
    detail: dict[str, Any] = field(default_factory=dict)
    for_unit: str = ""
    """The message as the unit that sent the file reads it, when the office's ``message``
    advises the office (rename the file, move it out of the inbox, run again)."""

    @property
    def unit_message(self) -> str:
        """What the unit reads: on its page at the desk, in its 退回 copy."""
        return self.for_unit or self.message

    @property
    def title(self) -> str:
        return CATALOGUE[self.code].title

    @property
    def where(self) -> str:
        """Sheet, cell and labels as a clerk reads them: ``三 依申请!D6（一、… × 自然人）``."""
        place = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet
        labels = " × ".join(x for x in (self.row_label, self.column_label) if x)
        return f"{place}（{labels}）" if labels and place else place or labels

    def to_dict(self) -> dict[str, Any]:
        # a shallow copy: dataclasses.asdict deep-copies, and collect writes tens of thousands
        d = {name: getattr(self, name) for name in _FIELDS}
        d["detail"] = dict(self.detail)
        d["severity"] = self.severity.value
        d["severity_zh"] = self.severity.zh
        d["title"] = self.title
        return d

    def to_unit_dict(self) -> dict[str, Any]:
        """The finding as the unit that sent the file is given it: its own wording only."""
        d = self.to_dict()
        d["message"] = d.pop("for_unit") or self.message
        return d


_FIELDS = tuple(Finding.__dataclass_fields__)


def finding(
    code: str, message: str, *, severity: Severity | str | None = None, **where: Any
) -> Finding:
    """Make a finding of a catalogued kind (unknown codes are a programming error)."""
    kind = CATALOGUE[code]
    sev = Severity(severity) if severity else kind.severity
    return Finding(code=code, message=message, severity=sev, **where)
