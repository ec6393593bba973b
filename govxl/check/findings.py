"""The findings catalogue: every kind of problem govxl reports, with a stable code.

Each kind has a code (stable: users filter on it, tests assert it), a Chinese title, a
description for the docs and the 规则说明 sheet, and a default severity. A ``Finding`` is one
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


def _k(code: str, title: str, severity: str, description: str) -> Kind:
    return Kind(code, title, Severity(severity), description)


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
            "warning",
            "文件是 .ods 或 .xls 格式，只能读取数值，无法核对总计公式是否被改动。",
        ),
        _k(
            "superseded",
            "已被更新的报送替代",
            "info",
            "同一单位报送了多份文件，以最新的一份为准，这一份不再使用。",
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
        _k("unknown-unit", "名册中没有该单位", "error", "文件中的单位代码不在本次名册中。"),
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


_FIELDS = tuple(Finding.__dataclass_fields__)


def finding(
    code: str, message: str, *, severity: Severity | str | None = None, **where: Any
) -> Finding:
    """Make a finding of a catalogued kind (unknown codes are a programming error)."""
    kind = CATALOGUE[code]
    sev = Severity(severity) if severity else kind.severity
    return Finding(code=code, message=message, severity=sev, **where)
