"""``govxl collect`` and ``govxl merge`` over an inbox of hostile and broken files (issue 7).

The corpus (``make_corpus``) puts, next to good returns, every kind of file that breaks or
attacks a spreadsheet tool: empty, renamed, truncated and encrypted files, zip bombs, XML entity
attacks, macros, legacy formats, huge sheets, folders, links and pipes with workbook names, and
unit texts that a spreadsheet would run as formulas. ``govxl`` runs over it once, as a clerk runs
it - a real process, measured - and the tests then state what must be true of the result:

* every file gets the finding it deserves, in Chinese, naming the file (and the cell);
* the good returns pass and every unit gets its status; the exit code is 1;
* memory and time stay bounded, and a bomb is refused before it is inflated;
* nothing is fetched over the network, nothing in the inbox changes;
* no text from a unit becomes a formula in anything govxl writes.
"""

from __future__ import annotations

import csv
import hashlib
import http.server
import json
import os
import re
import shutil
import threading
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from govxl.check.read import inspect_file
from govxl.collect.status import Status
from govxl.forms import load_form
from govxl.office import find_soffice
from govxl.reader import ReadError, read_workbook
from hostile.make_corpus import (
    INJECTIONS,
    MARKERS,
    PASSED,
    UNITS,
    Expect,
    good_return,
    make_corpus,
    place,
    swap_versions,
    write,
    write_roster,
)
from hostile.procs import Measured, govxl, measured, snapshot

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FILE_LEVEL = ("file-unreadable", "macro-present", "formulas-unknown")
"""Findings about the file as a whole: their message names it (others name the cell)."""
MAX_RSS_MB = 400
MAX_SECONDS = 60


class CountingServer:
    """An HTTP server on localhost that only counts requests: the external-entity files point
    here, so any fetch of their DTD would be seen."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'<!ENTITY ext "FETCHED">')

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/govxl-xxe.dtd"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Run:
    inbox: Path
    out: Path
    expect: dict[str, Expect]
    collect: Measured
    report: dict
    summary: Path
    inbox_summary: Path
    tidy: Path
    before: dict
    after: dict
    hits: list[str]


def has_soffice() -> bool:
    """LibreOffice makes the .xls and .ods cases; CI must have it (as for the other tests)."""
    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true 但未找到 LibreOffice（soffice）：无法生成 .xls / .ods 用例")
        return False
    return True


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    root = tmp_path_factory.mktemp("hostile")
    server = CountingServer()
    try:
        inbox = root / "收件箱"
        expect = make_corpus(inbox, has_soffice(), url=server.url)
        roster = write_roster(root / "名册.csv")
        out, summary = root / "审核", root / "汇总" / "汇总.xlsx"
        before = snapshot(inbox)
        args = ("collect", inbox, "--roster", roster, "--out", out, "--feedback", "--json")
        result = measured(*args, scratch=root)
        merged = govxl("merge", out, "-o", summary)
        assert merged.returncode == 0, merged.stderr
        # straight from the inbox, no roster, errors included: forged names and the texts typed
        # into number cells reach the summary and the CSV this way
        inbox_summary, tidy = root / "汇总" / "收件箱汇总.xlsx", root / "汇总" / "明细.csv"
        direct = govxl("merge", inbox, "-o", inbox_summary, "--include-errors", "--tidy", tidy)
        assert direct.returncode == 0, direct.stderr
        after = snapshot(inbox)
        yield Run(
            inbox, out, expect, result, json.loads(result.stdout), summary, inbox_summary, tidy,
            before, after, list(server.hits),
        )  # fmt: skip
    finally:
        server.close()


def files_of(run: Run) -> dict[str, dict]:
    return {f["file"]: f for f in run.report["files"]}


# ---------------------------------------------------------------- each case, as expected
def test_the_corpus_has_every_case_of_the_issue(run: Run) -> None:
    cases = " | ".join(e.case for e in run.expect.values())
    for needed in (
        "zero bytes", "text renamed", "truncated zip", "missing sheet part", "3 GiB",
        "1000:1", "billion laughs", "file:///etc/passwd", "http URL", "password-encrypted",
        ".xlsm", "dimension A1:XFD1048576", "200,000 rows", "folder named x.xlsx",
        "outside the inbox", "link to itself", "named pipe", "chmod 000", "emoji", "spaces",
        "begin with =", "formulas typed as text", "1e300, NaN as text, -0 and 99999999999",
    ):  # fmt: skip
        assert needed in cases, needed
    if find_soffice():
        assert "legacy .xls" in cases and ".ods" in cases


def test_every_file_gets_the_finding_it_deserves(run: Run) -> None:
    """Every entry of the inbox is listed, with its finding, a Chinese message naming the file
    and telling the clerk what to do, and the cell where there is one."""
    files = files_of(run)
    wrong = []
    for rel, exp in run.expect.items():
        if rel.startswith("("):
            continue
        got = files.get(rel)
        if got is None:
            wrong.append(f"{rel}: not listed")
            continue
        problems = [f for f in got["findings"] if f["severity"] in ("error", "warning")]
        codes = {f["code"] for f in got["findings"]}
        if exp.finding is None:
            if problems:
                wrong.append(f"{rel} ({exp.case}): unexpected {[f['code'] for f in problems]}")
            continue
        if exp.finding not in codes:
            wrong.append(f"{rel} ({exp.case}): {exp.finding} not in {sorted(codes)}")
            continue
        for f in (f for f in got["findings"] if f["code"] == exp.finding):
            message = f["message"]
            if exp.reason and f["detail"].get("reason") != exp.reason:
                wrong.append(f"{rel}: reason {f['detail'].get('reason')} != {exp.reason}")
            if exp.finding in FILE_LEVEL and Path(rel).name not in message:
                wrong.append(f"{rel}: message does not name the file: {message}")
            if f["file"] != rel:
                wrong.append(f"{rel}: finding is filed under {f['file']}")
            # the report importer's messages say what is wrong but not yet what to do
            instructs = "请" in message or "建议" in message or exp.reason == "report"
            if len(CHINESE.findall(message)) < 8 or not instructs:
                wrong.append(f"{rel}: not a clear Chinese instruction: {message}")
            missing = [w for w in exp.words if w not in message]
            if missing:
                wrong.append(f"{rel}: {missing} not in {message}")
        cells = {(f["sheet"], f["cell"]) for f in got["findings"] if f["cell"]}
        if set(exp.cells) - cells:
            wrong.append(f"{rel}: findings at {sorted(cells)}, expected {exp.cells}")
    assert not wrong, "\n".join(wrong)


def test_nothing_is_left_out_and_junk_is_not_read(run: Run) -> None:
    listed = set(files_of(run))
    expected = {rel for rel in run.expect if not rel.startswith("(")}
    assert listed == expected
    assert "循环目录" not in " ".join(listed)  # a looping folder link is not walked into


def test_good_returns_pass_and_every_unit_gets_its_status(run: Run) -> None:
    status = {u["code"]: u["status"] for u in run.report["units"]}
    expected = {e.unit: e.status for e in run.expect.values() if e.unit}
    assert status == expected
    assert set(status) == set(UNITS)
    assert [c for c, s in status.items() if s == PASSED] == [
        c for c, e in sorted(expected.items()) if e == PASSED
    ]


def test_collect_exits_1_when_not_every_unit_passed(run: Run) -> None:
    assert run.collect.code == 1, run.collect.stderr


def test_memory_and_time_are_bounded(run: Run) -> None:
    """Three bombs of gigabytes, a 200,000-row sheet: the whole run stays small and quick."""
    assert run.collect.peak_mb < MAX_RSS_MB, f"peak RSS {run.collect.peak_mb:.0f} MB"
    assert run.collect.seconds < MAX_SECONDS


@pytest.mark.parametrize("name", ["炸弹-声明3GB.xlsx", "炸弹-压缩比.xlsx", "炸弹-谎报大小.xlsx"])
def test_a_bomb_is_refused_before_it_is_inflated(run: Run, name: str) -> None:
    """Refused by the declared size or ratio before inflating, or by the real size as soon as
    it overshoots the declared one: memory stays at the size of the file, not of its content."""
    path = run.inbox / name
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ReadError) as info:
            read_workbook(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "zip-bomb"
    assert time.perf_counter() - start < 2
    inflates = run.expect[name].extra["inflates"]
    assert isinstance(inflates, int)
    assert peak < 3 * path.stat().st_size + (4 << 20) < inflates / 10


def test_entities_are_never_fetched_nor_expanded(run: Run) -> None:
    assert run.hits == [], "an external entity was fetched"
    texts = [p.read_bytes() for p in run.out.rglob("*") if p.is_file()]
    for blob in texts:
        assert b"root:x:0:0" not in blob and b"FETCHED" not in blob and b"lollollol" not in blob


def test_the_inbox_is_untouched(run: Run) -> None:
    """Same entries, bytes, modes and mtimes after collect and two merges: nothing written."""
    assert run.after == run.before


def test_a_link_to_a_return_outside_the_inbox_is_not_followed(run: Run) -> None:
    status = {u["code"]: u["status"] for u in run.report["units"]}
    assert status["012"] == Status.MISSING


def test_extreme_numbers_are_named_at_their_cells(run: Run) -> None:
    exp = run.expect["014-极端数字.xlsx"]
    findings = files_of(run)["014-极端数字.xlsx"]["findings"]
    at = {(f["sheet"], f["cell"]): f["code"] for f in findings}
    for where in exp.cells:
        assert at[where] in ("too-large", "not-a-number"), where
    assert at[exp.extra["not-a-number"]] == "not-a-number"  # type: ignore[index]
    assert exp.extra["zero"] not in at, "-0 is read as 0, with nothing to report"


def test_macros_are_noted_never_run_and_never_sent_back(run: Run) -> None:
    codes = {f["code"] for f in files_of(run)["006-宏镇.xlsm"]["findings"]}
    assert "macro-present" in codes
    copies = sorted((run.out / "退回").iterdir())
    assert any(p.name.startswith("006-") and p.suffix == ".xlsx" for p in copies)
    for copy in copies:
        with open(copy, "rb") as fh:
            assert b"vbaProject" not in fh.read()


# ---------------------------------------------------------------- no text becomes a formula
def workbooks(run: Run) -> list[Path]:
    books = [run.out / "审核结果.xlsx", *sorted((run.out / "退回").iterdir())]
    return [*books, run.summary, run.inbox_summary]


def cells(path: Path) -> Iterator[tuple[str, openpyxl.cell.Cell]]:
    for ws in openpyxl.load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for c in row:
                yield ws.title, c


def test_no_unit_text_is_written_as_a_formula(run: Run) -> None:
    seen = 0
    for book in workbooks(run):
        for sheet, c in cells(book):
            v = c.value
            if c.data_type == "f":
                assert not any(m in str(v) for m in MARKERS), f"{book.name} {sheet}!{c.coordinate}"
            elif isinstance(v, str) and v.startswith(("=", "+", "@")):
                assert c.data_type == "s", f"{book.name} {sheet}!{c.coordinate}"
                seen += any(m in v for m in MARKERS)
    assert seen >= len(INJECTIONS), "the injected texts should be in the outputs, as text"


def test_the_injected_texts_arrive_as_the_unit_wrote_them(run: Run) -> None:
    """Text stays text, to the character: in the summary's texts and in the copy sent back."""
    summary = {c.value for _, c in cells(run.summary) if isinstance(c.value, str)}
    assert set(INJECTIONS[:3]) <= summary
    copy = next((run.out / "退回").glob("011-*.xlsx"))
    sent_back = {c.value for _, c in cells(copy) if isinstance(c.value, str)}
    assert set(INJECTIONS) <= sent_back


def test_the_tidy_csv_never_starts_a_text_cell_with_a_formula(run: Run) -> None:
    """Excel runs ``=``, ``+``, ``-``, ``@`` at the start of a CSV field: texts get a ``'``."""
    with open(run.tidy, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    risky = [
        v for row in rows for v in row
        if v[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"-?[0-9.]+", v)
    ]  # fmt: skip
    assert risky == []
    assert any(v.startswith("'=cmd|") for row in rows for v in row), "injected text is kept"


# ---------------------------------------------------------------- LibreOffice cases
@pytest.mark.soffice
def test_legacy_xls_and_ods_are_read_values_only(run: Run, soffice: str) -> None:
    for rel in ("007-旧版乡.xls", "008-开放村.ods"):
        assert "formulas-unknown" in {f["code"] for f in files_of(run)[rel]["findings"]}


# ---------------------------------------------------------------- replaced while collect runs
def test_a_file_replaced_during_collect_is_recorded_as_one_version(tmp_path: Path) -> None:
    """A thread keeps swapping each return between two valid versions (``os.replace``, as a
    sync client does) while collect runs: the sha256, the figures in returns.jsonl and the copy
    sent back must all belong to the same version."""
    inbox, stage = tmp_path / "收件箱", tmp_path / "stage"
    inbox.mkdir()
    stage.mkdir()
    versions = swap_versions(inbox)
    roster = tmp_path / "名册.csv"
    roster.write_text(
        "单位代码,单位名称\n" + "".join(f"{n[:3]},单位{n[:3]}\n" for n in versions), "utf-8"
    )
    digests = {
        name: {hashlib.sha256(v).hexdigest(): k for k, v in zip((111, 222), pair, strict=True)}
        for name, pair in versions.items()
    }
    stop, swaps = threading.Event(), [0]

    def swapper() -> None:
        while not stop.is_set():
            for name, pair in versions.items():
                staged = stage / name
                staged.write_bytes(pair[swaps[0] % 2])
                os.replace(staged, inbox / name)
            swaps[0] += 1

    thread = threading.Thread(target=swapper, daemon=True)
    thread.start()
    try:
        out = tmp_path / "审核"
        result = govxl("collect", inbox, "--roster", roster, "-o", out, "--feedback", "--jobs", "2")
    finally:
        stop.set()
        thread.join()
    assert result.returncode == 1, result.stderr
    assert swaps[0] > 10, "the files were not swapped while collect ran"
    recorded = [json.loads(line) for line in (out / "returns.jsonl").read_text().splitlines()]
    assert {r["file"] for r in recorded} == set(versions)
    findings = {f["file"]: f["sha256"] for f in json.loads((out / "findings.json").read_text())
                ["files"]}  # fmt: skip
    for r in recorded:
        version = digests[r["file"]].get(r["sha256"])
        assert version is not None, "the recorded sha256 is of neither version"
        issued = load_form("gb2021").input_index()["t2.rules.issued"]  # values in form order
        assert r["values"][issued] == version
        assert findings[r["file"]] == r["sha256"]
        copy = out / "退回" / r["file"]
        if copy.exists():  # a copy of another version than the one checked must not be sent
            sheet, where = place("t2.rules.issued")
            assert openpyxl.load_workbook(copy)[sheet][where].value == version


def test_inspect_file_never_opens_a_pipe(tmp_path: Path) -> None:
    """A FIFO named .xlsx used to hang collect: the error path re-opened it to hash it."""
    pipe = tmp_path / "管道.xlsx"
    os.mkfifo(pipe)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(inspect_file(pipe)), daemon=True)
    worker.start()
    worker.join(10)
    assert done, "inspect_file blocked on a named pipe"
    res = done[0]
    assert [f.code for f in res.findings] == ["file-unreadable"]  # type: ignore[attr-defined]
    shutil.rmtree(tmp_path, ignore_errors=True)


def _collected(tmp_path: Path) -> tuple[Path, Path]:
    """An inbox with unit 001's return, and the output of ``govxl collect`` on it."""
    inbox = tmp_path / "收件箱"
    write(inbox / "001.xlsx", good_return("001"))
    roster = write_roster(tmp_path / "名册.csv")
    out = tmp_path / "审核"
    assert govxl("collect", inbox, "--roster", roster, "-o", out).returncode == 1
    return inbox, out


def test_a_return_changed_after_collect_is_not_merged(tmp_path: Path) -> None:
    """The sha256 recorded by collect is checked again by merge: an edit in between is caught."""
    inbox, out = _collected(tmp_path)
    changed = good_return("001")
    changed.values["t2.rules.issued"] = 999
    write(inbox / "001.xlsx", changed)
    done = govxl("merge", out, "-o", tmp_path / "汇总.xlsx")
    assert done.returncode == 2
    assert "001.xlsx 在审核之后被改动过" in done.stderr
    assert not (tmp_path / "汇总.xlsx").exists()


def test_the_security_page_points_at_tests_that_exist() -> None:
    """docs/security.md backs every guarantee with tests: each one it names must exist."""
    root = Path(__file__).resolve().parents[2]
    page = (root / "docs" / "security.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", page)
    assert len(named) >= 30
    for file, test in named:
        source = (root / file).read_text(encoding="utf-8")
        assert re.search(rf"^def {test}\(", source, re.M), f"{file}::{test}"


def test_a_file_moved_away_during_collect_does_not_stop_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk tidying the inbox while collect runs: files read, then gone before the end."""
    import govxl.collect.run as run_module
    from govxl.collect import collect
    from govxl.roster import read_roster

    inbox = tmp_path / "收件箱"
    for code in ("001", "002"):
        write(inbox / f"{code}.xlsx", good_return(code))
    read = run_module.inspect_file

    def read_then_move(path: Path, **kw: object) -> object:
        res = read(path, **kw)  # type: ignore[arg-type]
        path.rename(tmp_path / path.name)
        return res

    monkeypatch.setattr(run_module, "inspect_file", read_then_move)
    report = collect(inbox, read_roster(write_roster(tmp_path / "名册.csv")), jobs=1)
    status = {u.code: u.status for u in report.units}
    assert status["001"] == status["002"] == PASSED
    assert all(f.received == "" for f in report.files)  # its mtime is no longer known


def test_a_return_moved_away_after_collect_stops_merge_with_a_clear_error(tmp_path: Path) -> None:
    inbox, out = _collected(tmp_path)
    (inbox / "001.xlsx").rename(tmp_path / "001.xlsx")
    done = govxl("merge", out, "-o", tmp_path / "汇总.xlsx")
    assert done.returncode == 2, done.stderr
    assert "001.xlsx" in done.stderr and "Traceback" not in done.stderr
