"""Tidy data for analysts: one row per unit × cell, the shape pandas and SQL want.

Labels travel with the ids so a table is readable without the form definition, and values stay
exact (money as Decimal in Python; CSV keeps the digits as written).
"""

from __future__ import annotations

import csv
import io
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
    """The records as a pandas DataFrame (pandas: ``pip install 'govxl[analysis]'``)."""
    try:
        import pandas as pd
    except ImportError as e:  # an optional extra: say how to get it, in the user's words
        raise ImportError("to_frame() 需要 pandas：请运行 pip install 'govxl[analysis]'。") from e

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
    """``.csv`` (UTF-8 with BOM, so Excel on Chinese Windows opens it right) or ``.parquet``.

    Values are written as their exact text (money as its Decimal digits); in CSV, what units
    wrote (codes, names, values) is made safe from formula injection. Parquet needs pyarrow
    (``pip install 'govxl[parquet]'``)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(COLUMNS)
        for r in records:
            out.writerow(
                csv_text(r[c]) if c in _FROM_UNITS else ("" if r[c] is None else str(r[c]))
                for c in COLUMNS
            )
        data = buf.getvalue().encode("utf-8-sig")
    elif suffix == ".parquet":
        data = _parquet(records)
    else:
        raise ValueError(f"明细数据只能导出为 .csv 或 .parquet：{path}")
    atomic_write(path, data)
    return path


_FROM_UNITS = frozenset({"unit_code", "unit", "value"})
"""Columns holding what units wrote; the other texts are govxl's own (labels, ids)."""


def _parquet(records: Iterable[dict[str, Any]]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ValueError(
            "导出 .parquet 需要 pyarrow：请运行 pip install 'govxl[parquet]'，或改为导出 .csv。"
        ) from e
    columns: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for r in records:
        for c in COLUMNS:
            v = r[c]
            columns[c].append(None if v is None else (v if c == "year" else str(v)))
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()
