"""Realistic made-up returns, for the demo, the benchmark and the tests.

Figures are random but shaped like real ones: most units have few applications, the balance
rule holds unless a fault is asked for, and 2019 本年增/减 can be negative.
"""

from __future__ import annotations

import random
from decimal import Decimal

from govxl.forms import CellType, Form
from govxl.forms.compute import Value
from govxl.forms.returns import Return

SAMPLE_TEXTS = {
    "p1": "（示例数据）本年度，本单位认真贯彻落实《中华人民共和国政府信息公开条例》，"
    "明确分管领导和专人负责，及时通过政府网站、公开栏等渠道主动公开政府信息。",
    "p5": "（示例数据）存在的主要问题：公开内容还不够全面，更新不够及时。"
    "改进措施：加强培训，完善制度，提升公开质量。",
    "p6": "（示例数据）本年度依据《政府信息公开信息处理费管理办法》发出收费通知，"
    "未实际收取信息处理费。",
}


def _small(rng: random.Random, high: int = 12) -> int:
    """Mostly small numbers with an occasional larger one, like real units."""
    return rng.choice([0, 0, 0, rng.randint(0, 3), rng.randint(0, high)])


def random_values(form: Form, rng: random.Random, *, balanced: bool = True) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for cell in form.inputs():
        if cell.type is CellType.MONEY and cell.unit == "万元":
            # fees of a district's unit: up to a few thousand 万元, hardly ever a round sum
            fee = Decimal(rng.randint(0, 50_000_000)) / 10**4
            values[cell.id] = fee + Decimal("0.5") if fee >= 1000 and fee == int(fee) else fee
        elif cell.type is CellType.MONEY:
            values[cell.id] = Decimal(rng.randint(0, 10**6)) / (10 ** rng.choice([0, 2, 4]))
        elif cell.type is CellType.DELTA:
            values[cell.id] = rng.randint(-60, 60)
        else:
            values[cell.id] = _small(rng, 40 if cell.table == "t2" else 12)
    for cell in form.table_cells("t2"):
        if cell.column == "total_public":
            pub = values[cell.id.replace("total_public", "published")]
            values[cell.id] = int(pub or 0) + rng.randint(0, 50)
        if cell.column == "prev_items":
            values[cell.id] = rng.randint(60, 400)
        if cell.column == "decisions" and cell.id.replace("decisions", "prev_items") in values:
            values[cell.id] = rng.randint(1, 30)  # never the tell-tale prev_items + change
    if balanced:
        balance(form, values, rng)
    return values


def balance(form: Form, values: dict[str, Value], rng: random.Random) -> None:
    """Set 一 and 二 of table 三 so that 一 + 二 = （七） + 四 holds in every column."""
    results = [c for c in form.table_cells("t3") if not c.computed and c.row.startswith("r3_")]
    for col in {c.column for c in form.table_cells("t3") if not c.computed}:
        done = sum(int(values[c.id] or 0) for c in results if c.column == col)
        carried = int(values[f"t3.r4.{col}"] or 0)
        prev = rng.randint(0, done + carried)
        values[f"t3.r2.{col}"] = prev
        values[f"t3.r1.{col}"] = done + carried - prev


def random_return(
    form: Form,
    rng: random.Random,
    *,
    year: int,
    code: str = "",
    name: str = "",
    balanced: bool = True,
) -> Return:
    return Return(
        form,
        year=year,
        unit_code=code,
        unit_name=name,
        values=random_values(form, rng, balanced=balanced),
        texts=dict(SAMPLE_TEXTS),
        info={"contact": "张三", "phone": "0431-00000000", "signed": f"{year + 1}年1月15日"},
        money_unit="元" if form.open_unit_cells() else "",
    )
