"""Render a form (blank, personalised or filled) as a protected, formula-checked workbook.

One ``Builder`` (:mod:`govxl.template.builder`) writes every sheet from the form definition and a
``Return``: the template for a unit, a filled return in tests, and — with extra sheets and
formulas in place of inputs — the district summary. Output is deterministic: the same inputs give
the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from govxl.forms.returns import Return
from govxl.forms.workbook import SHEET_GUIDE
from govxl.template import infosheets
from govxl.template.builder import Builder, InputHook
from govxl.template.guide import write_guide
from govxl.template.tablesheet import write_table
from govxl.template.zippatch import lock_structure, patch_workbook

__all__ = ["Builder", "lock_structure", "patch_workbook", "render"]


def render(
    ret: Return,
    *,
    generated: datetime | None = None,
    input_hook: InputHook | None = None,
    extra: Callable[[Builder], None] | None = None,
    compress_level: int | None = None,
    prepare: Callable[[Builder], None] | None = None,
) -> bytes:
    """The whole workbook for ``ret`` as bytes."""
    b = Builder(
        ret, generated=generated or datetime.now().replace(microsecond=0), input_hook=input_hook
    )
    b.compress_level = compress_level
    if prepare:
        prepare(b)
    guide = b.sheet(SHEET_GUIDE, landscape=False)
    write_guide(guide, b.fmt, b.form, b.ret)
    b.protect(guide)
    guide.activate()
    infosheets.write_info(b)
    for table in b.form.tables:
        write_table(b, table.id)
    infosheets.info_finish(b)
    infosheets.write_texts(b)
    infosheets.write_notes(b)
    if extra:
        extra(b)
    infosheets.write_marks(b)
    infosheets.write_identity(b)
    return b.close()
