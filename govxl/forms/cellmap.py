"""The cell map: every cell of a form with its sheet, A1 address, labels, type and formula.

This is the public contract for third-party tools (``govxl forms show FORM --json``) and for
our own tests: addresses come from the layout, formulas from the same compiler as the template.
"""

from __future__ import annotations

from typing import Any

from govxl.forms.formulas import check_formula, define_formula
from govxl.forms.layout import a1, layout
from govxl.forms.model import Form


def cell_map(form: Form, year: int | None = None) -> dict[str, Any]:
    cells = []
    for cell in form.cells.values():
        lay = layout(form, cell.table, year)
        row_label, column_label = cell.labels(year)
        entry: dict[str, Any] = {
            "id": cell.id,
            "sheet": lay.table.sheet,
            "a1": lay.a1(cell.id),
            "table": cell.table,
            "row": cell.row,
            "row_label": row_label,
            "row_path": list(cell.row_path),
            "column": cell.column,
            "column_label": column_label,
            "column_path": [p.replace("\n", "") for p in cell.column_path],
            "type": cell.type.value,
            "unit": cell.unit,
            "input": not cell.computed,
        }
        if cell.computed:
            entry["formula"] = define_formula(form.definition_of(cell.id), lay)
            entry["rule"] = form.definition_of(cell.id).key
        cells.append(entry)
    checks = []
    for inst in form.instances:
        check: dict[str, Any] = {
            "key": inst.key,
            "rule": inst.rule.id,
            "title": inst.rule.title,
            "severity": inst.rule.severity.value,
            "kind": inst.rule.kind,
            "cells": list(inst.refs),
        }
        if inst.live and inst.table:
            lay = layout(form, inst.table, year)
            check["sheet"] = lay.table.sheet
            check["a1"] = _a1(lay.checks[inst.key])
            check["formula"] = check_formula(form, inst, lay, year)
        checks.append(check)
    return {
        "form": form.id,
        "title": form.title,
        "basis": form.basis,
        "digest": form.digest,
        "years": {"first": form.first_year, "last": form.last_year},
        "cells": cells,
        "checks": checks,
    }


def _a1(place: tuple[int, int]) -> str:

    return a1(*place)
