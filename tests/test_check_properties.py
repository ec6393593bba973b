"""Properties of checking: what a balanced return and a single wrong figure must give.

The expected findings are derived from the form definition (which checks read the changed cell,
directly or through a total) and the layout (where those check cells are), never written down by
hand, so the property holds for every form, including ones added later.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from workbooks import FIXED, FORMS, YEAR

from govxl.check import inspect_file
from govxl.check.findings import Finding
from govxl.forms import Form, load_form
from govxl.forms.layout import a1, layout
from govxl.samples import random_return
from govxl.template.writer import render

SETTINGS = settings(max_examples=20, deadline=None)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hypothesis reruns a test many times: each example overwrites its files in here."""
    return tmp_path_factory.mktemp("properties")


def depends_on(form: Form, cell_id: str) -> set[str]:
    """The cell and every computed cell whose value changes with it (totals of totals too)."""
    out = {cell_id}
    grew = True
    while grew:
        grew = False
        for inst in form.instances:
            if inst.target and inst.target not in out and out & set(inst.refs):
                out.add(inst.target)
                grew = True
    return out


def expected_failures(form: Form, cell_id: str) -> set[tuple[str, str, str, str, str]]:
    """(code, rule key, severity, sheet, A1) of every live check that reads the changed cell.

    In table 三 that is R1 of the cell's own column and R1 of the 总计 column, because 总计 is
    the sum of the row; the property does not rely on knowing that.
    """
    changed = depends_on(form, cell_id)
    out = set()
    for inst in form.instances:
        if inst.live and inst.table and changed & set(inst.refs):
            lay = layout(form, inst.table, YEAR[form.id])
            out.add(
                (
                    "rule-failed",
                    inst.key,
                    inst.rule.severity.value,
                    lay.table.sheet,
                    a1(*lay.checks[inst.key]),
                )
            )
    return out


@pytest.mark.parametrize("form_id", FORMS)
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_a_balanced_return_has_no_error(folder: Path, form_id: str, seed: int) -> None:
    form = load_form(form_id)
    ret = random_return(form, random.Random(seed), year=YEAR[form_id], code="001", name="单位")
    path = folder / f"balanced-{form_id}.xlsx"
    path.write_bytes(render(ret, generated=FIXED))
    res = inspect_file(path)
    assert res.errors == []
    assert res.ret is not None and res.ret.values == ret.values


@pytest.mark.parametrize("form_id", FORMS)
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), pick=st.integers(0, 10**6), k=st.integers(1, 500))
def test_one_figure_of_table_three_off_by_k_fails_exactly_the_checks_that_read_it(
    folder: Path, form_id: str, seed: int, pick: int, k: int
) -> None:
    form = load_form(form_id)
    inputs = [c for c in form.inputs() if c.table == "t3"]
    cell = inputs[pick % len(inputs)]
    ret = random_return(form, random.Random(seed), year=YEAR[form_id], code="001", name="单位")
    base = folder / f"base-{form_id}.xlsx"
    base.write_bytes(render(ret, generated=FIXED))
    ret.values[cell.id] = int(ret.values[cell.id] or 0) + k  # type: ignore[arg-type]
    changed = folder / f"changed-{form_id}.xlsx"
    changed.write_bytes(render(ret, generated=FIXED))

    def key(f: Finding) -> tuple[str, str, str, str, str]:
        return (f.code, f.rule, f.severity.value, f.sheet, f.cell)

    before = [key(f) for f in inspect_file(base).findings]
    after = inspect_file(changed).findings
    new = [f for f in after if key(f) not in before]
    assert sorted(key(f) for f in new) == sorted(expected_failures(form, cell.id))
    # whatever else the random figures gave (a 提示 on table 二, say) is unchanged
    assert [key(f) for f in after if f not in new] == before
    for f in new:
        assert int(f.value) - int(f.expected) == k or int(f.expected) - int(f.value) == k
