"""What one workbook says: the figures, texts and identity of one unit's return (or a summary).

The template writer renders a ``Return``, the reader produces one, the importer builds one from a
published report, and the merge adds them up — one shape for all four.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from govxl.forms import Form, load_form
from govxl.forms.compute import Value, compute

INFO_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("unit_name", "单位名称", True),
    ("unit_code", "单位代码", True),
    ("year", "报告年度", True),
    ("form", "报表格式", True),
    ("contact", "联系人", False),
    ("phone", "联系电话", False),
    ("signed", "落款日期", False),
)
"""The 基本信息 sheet, top to bottom: key, label, and whether a personalised copy fixes it."""


@dataclass(frozen=True)
class Member:
    """A unit counted in a summary: its code, name and the file it came from."""

    code: str
    name: str
    sha256: str = ""
    file: str = ""
    via: str = ""
    """The code of the summary it arrived in, when it came through one."""


@dataclass
class Return:
    form: Form
    year: int | None = None
    unit_code: str = ""
    unit_name: str = ""
    values: dict[str, Value] = field(default_factory=dict)
    """Input cells only (cell id → value); computed cells are derived with ``all_values()``."""
    texts: dict[str, str] = field(default_factory=dict)
    """Parts 一、五、六 by part id (p1, p5, p6)."""
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(rule or cell, explanation) rows of the 说明 sheet."""
    info: dict[str, str] = field(default_factory=dict)
    """contact, phone, signed (落款日期)."""
    kind: str = "return"
    """``return`` for a unit, ``summary`` for a merge of several."""
    level: str = ""
    members: list[Member] = field(default_factory=list)
    generated: datetime | None = None
    money_unit: str = ""
    """The unit the district fixed, when making the templates, for the money cells the form
    leaves without one (2019 （九）采购总金额): 元 or 万元; "" where the form fixes every unit
    (or for a return made before govxl recorded it)."""

    def all_values(self) -> dict[str, Value]:
        return compute(self.form, self.values)

    def get(self, cell_id: str) -> Value:
        return self.all_values()[cell_id]


def pack_values(form: Form, values: dict[str, Value]) -> tuple[Value, ...]:
    """Values in the form's input order: a tenth of the memory of a dict keyed by cell id."""
    return tuple(map(values.get, form.input_index()))


def unpack_values(form: Form, packed: tuple[Value, ...] | list[Value]) -> dict[str, Value]:
    """Back to a dict whose keys are the form's own id strings, shared by every return."""
    return dict(zip(form.input_index(), packed, strict=True))


def _return_getstate(self: Return) -> dict[str, object]:
    """Pickle a form by its id and values by position: workers send thousands of returns."""
    state = dict(self.__dict__)
    state["form"] = self.form.id
    state["values"] = pack_values(self.form, self.values)
    return state


def _return_setstate(self: Return, state: dict[str, object]) -> None:
    state = dict(state)
    form = load_form(str(state["form"]))
    state["form"] = form
    state["values"] = unpack_values(form, state["values"])  # type: ignore[arg-type]
    self.__dict__.update(state)


setattr(Return, "__getstate__", _return_getstate)  # noqa: B010  # defined after Return
setattr(Return, "__setstate__", _return_setstate)  # noqa: B010
