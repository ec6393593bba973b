"""Last year's figures per unit, for the 上年结转 and continuity checks."""

from __future__ import annotations

from pathlib import Path

from govxl.check.summary import read_detail
from govxl.collect.run import read_all
from govxl.collect.scan import scan
from govxl.forms.compute import Value


class PreviousError(ValueError):
    """``--previous`` could not be used; Chinese message."""


def load_previous(path: Path) -> dict[str, dict[str, Value]]:
    """Unit code → all cell values (inputs and totals) of last year's returns or summary."""
    if path.is_dir():
        entries, _ = scan(path)
    elif path.is_file():
        entries, _ = scan(path.parent)
        entries = [e for e in entries if e.path == path]
    else:
        raise PreviousError(f"找不到上年数据：{path}")
    out: dict[str, dict[str, Value]] = {}
    for res in read_all(entries):
        ret = res.ret
        if ret is None:
            continue
        if ret.kind == "summary":
            out.update(read_detail(res.path))
        if ret.unit_code:
            out[ret.unit_code] = ret.all_values()
    if not out:
        raise PreviousError(f"{path} 中没有可读取的上年报表。")
    return out
