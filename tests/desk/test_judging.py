"""An upload's verdict is the whole store's verdict for its unit, whatever came before it.

The desk judges an upload with the files that concern its unit only (found through lookups it
keeps as files arrive, not by walking the store). Whatever the sequence — a unit's own returns,
a return sent through another unit's link, the same bytes twice, another unit's template filled
in, a file that is no workbook, the office choosing a version, confirming, returning, the
summary downloaded, the desk restarted — the answer an upload gets, and each unit's part
judged afterwards, must equal the whole store judged at once.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from functools import cache
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from govxl.collect import collect
from govxl.desk.answers import Refused
from govxl.desk.choices import decisions_of, store_decisions
from govxl.desk.exports import merged
from govxl.desk.intake import Desk, verdict_of
from govxl.merge.run import MergeError
from tests.desk.kit import NOT_A_NUMBER, UNITS, open_desk, workbook

CODES = sorted(UNITS)[:3]
"""Three units of the four: the office's actions and the copies meet the same units often."""
Step = tuple[str, str, str, int, bool]


@cache
def _bytes(owner: str, seed: int, wrong: bool) -> bytes:
    """Made once per test run: rendering a workbook costs more than receiving it. Version 2
    is the clerk's copy saved again by another program (openpyxl): other bytes, another
    application, another saved time."""
    data = workbook(owner, seed=seed, values=NOT_A_NUMBER if wrong else None)
    if seed < 2:
        return data
    book = openpyxl.load_workbook(io.BytesIO(data))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


uploads = st.tuples(
    st.just("upload"),
    st.sampled_from(CODES),  # the link it comes through
    st.sampled_from([*CODES, "junk"]),  # whose return it is
    st.integers(0, 2),  # which version (the same seed: the same bytes; 2: saved by openpyxl)
    st.booleans(),  # with "无" in a count cell
)
office_acts = st.tuples(
    st.sampled_from(["choose", "confirm", "return"]),
    st.sampled_from(CODES),
    st.just(""),
    st.integers(0, 12),  # which upload so far
    st.just(False),
)
others = st.tuples(
    st.sampled_from(["summary", "restart"]), st.just(""), st.just(""), st.just(0), st.just(False)
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


def _upload(desk: Desk, step: Step) -> None:
    """One upload, and its answer checked against the whole store judged once it is in."""
    _, code, other, n, wrong = step
    data = b"not a workbook" if other == "junk" else _bytes(other, n, wrong)
    out = desk.receive(code, f"{other}-{n}.xlsx", data, client="test")
    whole = desk.judged()
    unit, file = whole.units[code], whole.by_file[out.upload.stored]
    assert (out.unit.status, out.unit.file) == (unit.status, unit.file)
    assert out.upload.verdict == verdict_of(file).value
    assert (out.file.use, [f.code for f in out.file.findings]) == (
        file.use,
        [f.code for f in file.findings],
    )


def _act(desk: Desk, step: Step) -> None:
    kind, code, _, n, _ = step
    if not desk.uploads:
        return
    up = desk.uploads[n % len(desk.uploads)]
    try:
        desk.act(code, kind, up.id, "请核对" if kind == "return" else "", "test", file=up.stored)
    except Refused:
        pass  # the office cannot do that now (a version that does not count, a failing return)


@example(  # the office's choice, then a new version: the choice no longer holds for it
    [("upload", "A01", "A01", 0, False), ("upload", "A01", "A01", 1, True)]
    + [("choose", "A01", "", 0, False), ("upload", "A01", "A01", 2, False)]
)
@example(  # another unit's return through A01's link, chosen for A01, then summed
    [("upload", "A01", "A01", 0, False), ("upload", "A01", "A02", 1, False)]
    + [("choose", "A01", "", 1, False), ("summary", "", "", 0, False)]
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(uploads, office_acts, others), min_size=1, max_size=12))
def test_any_run_of_uploads_and_office_actions_gives_each_unit_the_whole_stores_verdict(
    steps: list[Step],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "工作目录"
        desk = open_desk(folder)
        try:
            for step in steps:
                if step[0] == "upload":
                    _upload(desk, step)
                elif step[0] == "summary":
                    with contextlib.suppress(MergeError):  # nothing to sum yet
                        merged(desk.judged(), desk.settings.roster)  # as the office downloads it
                elif step[0] == "restart":
                    desk.close()
                    desk = Desk.open(folder)
                else:
                    _act(desk, step)
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
            inbox = desk.archive.store  # and the whole store as `govxl collect` decides it
            again = collect(inbox, desk.settings.roster, decisions=store_decisions(inbox), jobs=1)
            assert {u.code: u.status for u in desk.judged().report.units} == {
                u.code: u.status for u in again.units
            }
        finally:
            desk.close()
