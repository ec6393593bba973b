"""Tidy data for analysts: one row per unit × cell, the shape pandas and SQL want.

Labels travel with the ids so a table is readable without the form definition, and values stay
exact (money as Decimal in Python; CSV keeps the digits as written).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govxl.fileio import atomic_write
from govxl.spec import Form

if TYPE_CHECKING:
    import pandas as pd

    from govxl.merge.detail import Contribution

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


def write_tidy(records: Iterable[dict[str, Any]], path: Path) -> Path:
    """``.csv`` (UTF-8 with BOM, so Excel on Chinese Windows opens it right) or ``.parquet``."""
    frame = to_frame(records)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame["value"] = frame["value"].map(lambda v: "" if v is None else str(v))
        data = frame.to_csv(index=False).encode("utf-8-sig")
    elif suffix == ".parquet":
        import io

        frame["value"] = frame["value"].map(lambda v: None if v is None else str(v))
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        data = buf.getvalue()
    else:
        raise ValueError(f"明细数据只能导出为 .csv 或 .parquet：{path}")
    atomic_write(path, data)
    return path
