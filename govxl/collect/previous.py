"""Last year's figures per unit, for the 上年结转 and continuity checks.

Their year is checked before they are used: a summary of *this* year given as ``--previous`` would
fail every unit's 上年结转 check without ever saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from govxl.check.summary import read_detail
from govxl.collect.run import CollectError, read_all
from govxl.collect.scan import scan
from govxl.forms.compute import Value


class PreviousError(CollectError):
    """``--previous`` could not be used; Chinese message."""


@dataclass
class Previous:
    values: dict[str, dict[str, Value]]
    """Unit code → all cell values (inputs and totals)."""
    year: int | None
    files: dict[int | None, list[str]] = field(default_factory=dict)
    """Year → the files of that year, for the message when they differ."""


def load_previous(path: Path) -> Previous:
    """Last year's returns or summary: every unit's values and the one year they are of."""
    if path.is_dir():
        entries, _ = scan(path)
    elif path.is_file():
        entries, _ = scan(path.parent)
        entries = [e for e in entries if e.path == path]
    else:
        raise PreviousError(f"找不到上年数据：{path}")
    out: dict[str, dict[str, Value]] = {}
    years: dict[int | None, list[str]] = {}
    for entry, res in zip(entries, read_all(entries), strict=True):
        ret = res.ret
        if ret is None:
            continue
        years.setdefault(ret.year, []).append(entry.relative)
        if ret.kind == "summary":
            out.update(read_detail(res.path))
        if ret.unit_code:
            out[ret.unit_code] = ret.all_values()
    if not out:
        raise PreviousError(f"{path} 中没有可读取的上年报表。")
    if len(years) > 1:
        listing = "；".join(
            f"{y or '未填年度'} 年：{'、'.join(names[:3])}{' 等' if len(names) > 3 else ''}"
            for y, names in sorted(years.items(), key=lambda kv: kv[0] or 0)
        )
        raise PreviousError(
            f"上年数据 {path} 中的文件不是同一年度的（{listing}）。请只放上一年度的汇总表或报表。"
        )
    return Previous(out, next(iter(years)), years)
