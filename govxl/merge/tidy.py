"""Tidy data for analysts: one row per unit × cell, the shape pandas and SQL want.

Labels travel with the ids so a table is readable without the form definition, and values stay
exact (money as Decimal in Python; CSV keeps the digits as written).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govxl.fileio import atomic_write
from govxl.forms import Form

if TYPE_CHECKING:
    import pandas as pd

    from govxl.check.summary import Contribution

COLUMNS = (
    "unit_code",
    "unit",
    "year",
    "form",
    "table",
    "row",
    "row_label",
    "column",
    "column_label",
    "cell",
    "value",
)


def rows(
    form: Form, year: int | None, contributions: Iterable[Contribution]
) -> Iterator[dict[str, Any]]:
    titles = {t.id: t.title for t in form.tables}
    for c in contributions:
        for cell in form.inputs():
            row_label, col_label = cell.labels(year)
            yield {
                "unit_code": c.member.code,
                "unit": c.member.name,
                "year": year,
                "form": form.id,
                "table": titles[cell.table],
                "row": cell.row,
                "row_label": row_label,
                "column": cell.column,
                "column_label": col_label,
                "cell": cell.id,
                "value": c.values.get(cell.id),
            }


def to_frame(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame.from_records(list(records), columns=list(COLUMNS))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")


def csv_text(value: object) -> str:
    """A CSV field Excel will not run: text that starts like a formula gets a leading ``'``.

    Excel evaluates ``=``, ``+``, ``-`` and ``@`` at the start of a CSV field, so a unit name or
    a text typed into a number cell such as ``=cmd|' /C calc'!A0`` would run on the analyst's
    machine. Numbers (``-59``) are left as they are.
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_tidy(records: Iterable[dict[str, Any]], path: Path) -> Path:
    """``.csv`` (UTF-8 with BOM, so Excel on Chinese Windows opens it right) or ``.parquet``."""
    records = list(records)
    frame = to_frame(records)
    # values from the records, not the frame: pandas turns [1, None] into 1.0 and NaN
    values = [r["value"] for r in records]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        for col in ("unit_code", "unit"):  # what units wrote; the other texts are ours
            frame[col] = [csv_text(r[col]) for r in records]
        frame["value"] = [csv_text(v) for v in values]
        data = frame.to_csv(index=False).encode("utf-8-sig")
    elif suffix == ".parquet":
        import io

        frame["value"] = [None if v is None else str(v) for v in values]
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        data = buf.getvalue()
    else:
        raise ValueError(f"明细数据只能导出为 .csv 或 .parquet：{path}")
    atomic_write(path, data)
    return path
