"""An upload's verdict is the whole store's verdict for its unit, whatever came before it.

The desk judges an upload with the files that concern its unit only (found through its lookups,
so a district of 1,000 units answers as quickly as one of 30). Whatever the sequence of uploads —
a unit's own returns, a return sent through another unit's link, the same bytes twice, another
unit's template filled in, a file that is no workbook, the office choosing a version, confirming,
returning — each unit's part must equal the whole store judged at once.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govxl.desk.answers import Refused
from govxl.desk.choices import decisions_of
from govxl.desk.intake import Desk
from tests.desk.kit import NOT_A_NUMBER, UNITS, open_desk, workbook

CODES = sorted(UNITS)


@cache
def _bytes(owner: str, seed: int, wrong: bool) -> bytes:
    """Made once per test run: rendering a workbook costs more than receiving it."""
    return workbook(owner, seed=seed, values=NOT_A_NUMBER if wrong else None)


uploads = st.tuples(
    st.just("upload"),
    st.sampled_from(CODES),  # the link it comes through
    st.sampled_from([*CODES, "junk"]),  # whose return it is
    st.integers(0, 2),  # which version (the same seed: the same bytes)
    st.booleans(),  # with "无" in a count cell
)
office_acts = st.tuples(
    st.sampled_from(["choose", "confirm", "return"]),
    st.sampled_from(CODES),
    st.just(""),
    st.integers(0, 12),  # which upload so far
    st.just(False),
)


def _concerning(desk: Desk, code: str) -> set[str]:
    """The files judged for ``code``, found by walking the whole store: its own (sent by its
    link, given to it, claiming it), the files of the units its link sent files of, the file
    the office chose for it, and every file with the same bytes as one of those."""
    stored = desk.files.values()
    codes = {code} | {c for s in stored if s.link == code for c in (s.matched, s.claims) if c}
    chosen = {r for r, c in decisions_of(desk.uploads, desk.actions).items() if c in codes}
    mine = {s.relative for s in stored if codes & {s.link, s.matched, s.claims}} | chosen
    same = {s.res.sha256 for s in stored if s.relative in mine}
    return {s.relative for s in stored if s.res.sha256 in same}


def _apply(desk: Desk, step: tuple[str, str, str, int, bool]) -> None:
    kind, code, other, n, wrong = step
    if kind == "upload":
        data = b"not a workbook" if other == "junk" else _bytes(other, n, wrong)
        desk.receive(code, f"{other}-{n}.xlsx", data, client="test")
        return
    if not desk.uploads:
        return
    up = desk.uploads[n % len(desk.uploads)]
    try:
        desk.act(code, kind, up.id, "请核对" if kind == "return" else "", "test", file=up.stored)
    except Refused:
        pass  # the office cannot do that now (a version that does not count, a failing return)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(uploads, office_acts), min_size=1, max_size=10))
def test_any_run_of_uploads_and_office_actions_gives_each_unit_the_whole_stores_verdict(
    steps: list[tuple[str, str, str, int, bool]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        desk = open_desk(Path(tmp) / "工作目录")
        try:
            for step in steps:
                _apply(desk, step)
                whole = desk.judged()
                for code in CODES:
                    part = desk.judged_for({code})
                    assert {f.relative for f in part.report.files} == _concerning(desk, code)
                    assert part.units[code] == whole.units[code]
                    assert part.standing[code] == whole.standing[code]
                    for rel, f in part.by_file.items():
                        if code in (f.unit_code, f.sender):
                            g = whole.by_file[rel]
                            assert (f.use, [x.code for x in f.findings]) == (
                                g.use,
                                [x.code for x in g.findings],
                            )
        finally:
            desk.close()
