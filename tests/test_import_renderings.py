"""A published report however it reaches us: every rendering seen in real publications, made
from govxl's own rendered reports (render → transform → import → the same values).

On every fixture: each value placed is the one the report shows, nothing is placed wrong, and
each figure that could not be placed is listed in a finding, never guessed.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govxl.forms import load_form
from govxl.importer.run import ImportResult, import_bytes
from govxl.samples import random_return
from renderings import RENDERINGS, Fixture

YEAR = {"gb2019": 2019, "gb2021": 2023, "jilin2020": 2020}
LISTING = {"unplaced", "ambiguous", "missing", "missing-table"}


def assert_imported(fx: Fixture, res: ImportResult) -> None:
    got = res.ret.values
    wrong = {c: (got[c], v) for c, v in fx.expected.items() if got[c] is not None and got[c] != v}
    assert not wrong, f"placed wrong: {wrong}"
    missed = [c for c, v in fx.expected.items() if v is not None and got[c] is None]
    if fx.complete:
        assert not missed, [f.message for f in res.findings if f.code in LISTING][:5]
    listed = {f.cell for f in res.findings if f.code == "missing"}
    for f in res.findings:
        if f.code == "missing-table":
            listed |= {c.id for c in res.ret.form.inputs() if c.table in f.message}
    assert set(missed) <= listed
    if missed:
        assert any(f.code in ("ambiguous", "unplaced") for f in res.findings)
    codes = {f.code for f in res.findings}
    assert fx.findings <= codes
    unexpected = codes - fx.findings - LISTING - {"form-year", "label-variant", "row-by-order"}
    assert not unexpected, [f.message for f in res.findings if f.code in unexpected]


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
@pytest.mark.parametrize("form_id", sorted(YEAR))
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32))
def test_a_report_in_any_rendering_imports_the_figures_it_shows(rendering, form_id, seed):
    rng = random.Random(seed)
    ret = random_return(load_form(form_id), rng, year=YEAR[form_id], name="某县某局")
    fx = RENDERINGS[rendering](ret, rng)
    res = import_bytes(fx.data, fx.name)
    assert res.ret.form.id == form_id
    assert (res.ret.year, res.ret.unit_name) == (YEAR[form_id], "某县某局")
    assert_imported(fx, res)
