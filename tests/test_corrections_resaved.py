"""A unit sends a draft .xlsx, then a correction re-saved by LibreOffice as .xls or .ods.

The saved time each of those formats keeps (an .xls's summary information, an .ods's meta.xml)
weighs in the choice of the version that counts exactly as an .xlsx's docProps/core.xml does,
and 采用依据 says so. The corrections are made by LibreOffice itself, one run per format.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbooks import sample, write

from govxl.collect import collect
from govxl.collect.outputs import RESULTS
from govxl.collect.status import Status, Use
from govxl.office import convert
from govxl.reader import read_workbook
from govxl.reader.core import RawCell, RawWorkbook
from govxl.reader.xls import _Cfb, saved_time
from govxl.roster import read_roster

DRAFT_SAVED = datetime(2026, 1, 9, 17)
LATER, EARLIER = datetime(2026, 1, 12, 8), datetime(2026, 1, 8, 8)
"""When the correction was saved: after the draft, or (an older copy corrected) before it."""
FORMATS = ("xls", "ods")
SUMMARY = "\x05SummaryInformation"


@pytest.fixture(scope="module")
def corrections(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Balanced corrections saved at LATER and at EARLIER, re-saved by LibreOffice as .xls and
    as .ods (keyed "xls-later", "ods-earlier", ...)."""
    base = tmp_path_factory.mktemp("corrections")
    made = {
        when: write(base / f"{when}.xlsx", sample("gb2021", "001", "甲街道"), generated=stamp)
        for when, stamp in (("later", LATER), ("earlier", EARLIER))
    }
    out: dict[str, Path] = {}
    for fmt in FORMATS:
        done = convert(list(made.values()), base / fmt, fmt)
        out.update({f"{fmt}-{when}": done[src] for when, src in made.items()})
    return out


def _arrived(path: Path, day: int) -> Path:
    stamp = time.mktime(datetime(2026, 1, day, 9).timetuple())
    os.utime(path, (stamp, stamp))
    return path


def _inbox(tmp: Path, correction: Path) -> tuple[Path, Path, Path]:
    """The failing draft received on 10 January, the correction on the 12th; no word in either
    file name says which is newer."""
    inbox = tmp / "收件箱"
    ret = sample("gb2021", "001", "甲街道")
    ret.values["t3.r4.business"] = int(ret.values["t3.r4.business"] or 0) + 3  # type: ignore[arg-type]
    draft = _arrived(write(inbox / "001-甲街道.xlsx", ret, generated=DRAFT_SAVED), 10)
    fixed = inbox / f"甲街道 年报{correction.suffix}"
    _arrived(Path(shutil.copy(correction, fixed)), 12)
    roster = tmp / "名册.csv"
    roster.write_text("单位代码,单位名称\n001,甲街道\n", encoding="utf-8")
    return inbox, draft, fixed


def _shown(stamp: datetime, fmt: str) -> str:
    """The saved time as 采用依据 shows it: an .xls keeps it in UTC (as the .xlsx did), an
    .ods as the saving PC's clock read it (LibreOffice keeps the .xlsx's digits)."""
    if fmt == "xls":
        stamp = stamp.replace(tzinfo=UTC).astimezone()
    return stamp.strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_correction_resaved_by_libreoffice_is_used_for_its_later_saved_time(
    tmp_path: Path, corrections: dict[str, Path], fmt: str
) -> None:
    inbox, draft, fixed = _inbox(tmp_path, corrections[f"{fmt}-later"])
    report = collect(inbox, read_roster(tmp_path / "名册.csv"))
    (unit,) = report.units
    assert unit.file == fixed.name, unit.reason
    # 有警告 only for what an .xls/.ods cannot carry (formulas, the hidden sheet), never to ask
    assert unit.status != Status.FAILED
    assert not [f for fr in report.files for f in fr.findings if f.code == "version-unclear"]
    assert unit.reason.startswith(f"共 2 份，采用此份：保存时间较晚（{_shown(LATER, fmt)}）")
    by_name = {fr.relative: fr for fr in report.files}
    assert by_name[draft.name].use == Use.SUPERSEDED
    assert by_name[fixed.name].evidence["saved"] == _shown(LATER, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_progress_sheet_names_the_saved_time_of_an_xls_or_ods_correction(
    tmp_path: Path, corrections: dict[str, Path], fmt: str
) -> None:
    from typer.testing import CliRunner

    from govxl.cli import app

    inbox, _, fixed = _inbox(tmp_path, corrections[f"{fmt}-later"])
    out = tmp_path / "审核结果"
    args = ["collect", str(inbox), "--roster", str(tmp_path / "名册.csv"), "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), result.output  # 1: the .xls/.ods format's own 核实
    ws = openpyxl.load_workbook(out / RESULTS)["报送进度"]
    row = dict(zip([c.value for c in ws[1]], [c.value for c in ws[2]], strict=True))
    assert row["文件"] == fixed.name
    assert f"保存时间较晚（{_shown(LATER, fmt)}）" in row["采用依据"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_correction_saved_before_the_draft_but_received_after_it_is_asked_about(
    tmp_path: Path, corrections: dict[str, Path], fmt: str
) -> None:
    """The saved times say the draft is newer, the arrival says the correction is: as for two
    .xlsx files, govxl keeps the one saved later and asks the clerk (核实)."""
    inbox, draft, fixed = _inbox(tmp_path, corrections[f"{fmt}-earlier"])
    report = collect(inbox, read_roster(tmp_path / "名册.csv"))
    (unit,) = report.units
    # the draft, saved later, is kept for now — and it fails: nothing reaches a summary unseen
    assert unit.status == Status.FAILED and unit.file == draft.name
    assert unit.versions == [draft.name, fixed.name]
    used = next(fr for fr in report.files if fr.relative == draft.name)
    (ask,) = [f for f in used.findings if f.code == "version-unclear"]
    assert draft.name in ask.message and fixed.name in ask.message
    assert "保存时间较晚" in ask.message and "收到时间较晚（2026-01-12 09:00）" in ask.message
    assert "请向单位核实" in ask.message


# ------------------------------------------------ an .xls whose summary is missing or broken


def _summary(xls: Path) -> bytes:
    stream = _Cfb(xls.read_bytes()).stream(SUMMARY)
    assert stream
    return stream


def test_the_saved_time_of_an_xls_summary_is_read_from_its_property_set(
    corrections: dict[str, Path],
) -> None:
    assert saved_time(_summary(corrections["xls-later"])) == LATER.replace(tzinfo=UTC)
    assert saved_time(_summary(corrections["xls-earlier"])) == EARLIER.replace(tzinfo=UTC)


def test_an_xls_without_its_summary_is_read_with_no_saved_time(
    tmp_path: Path, corrections: dict[str, Path]
) -> None:
    data = corrections["xls-later"].read_bytes()
    renamed = tmp_path / "无摘要.xls"
    name = SUMMARY.encode("utf-16-le")
    renamed.write_bytes(data.replace(name, "\x05SummaryInformatioX".encode("utf-16-le")))
    whole, bare = read_workbook(corrections["xls-later"]), read_workbook(renamed)
    assert whole.modified == LATER.replace(tzinfo=UTC) and bare.modified is None
    assert _cells(bare) == _cells(whole)


@settings(max_examples=300, deadline=None)
@given(garbage=st.binary(max_size=600))
def test_any_bytes_as_a_summary_give_a_time_or_none(garbage: bytes) -> None:
    stamp = saved_time(garbage)
    assert stamp is None or stamp.tzinfo is UTC


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage=st.binary(min_size=1, max_size=64), where=st.integers(0, 1 << 16))
def test_a_garbled_xls_summary_gives_a_time_or_none_at_once(
    corrections: dict[str, Path], garbage: bytes, where: int
) -> None:
    """LibreOffice's own summary with any run of its bytes overwritten: a time or none, and no
    more work than the stream's size (olefile's parser looped for ever on such bytes)."""
    summary = _summary(corrections["xls-later"])
    at = where % len(summary)
    broken = summary[:at] + garbage[: len(summary) - at] + summary[at + len(garbage) :]
    started = time.process_time()
    stamp = saved_time(broken)
    assert stamp is None or stamp.tzinfo is UTC
    assert time.process_time() - started < 0.5


def _cells(wb: RawWorkbook) -> dict[str, dict[str, RawCell]]:
    return {name: sheet.cells for name, sheet in wb.sheets.items()}


@pytest.fixture
def in_beijing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The office's PC keeps China's time, as the units' PCs do."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_an_ods_saved_time_is_read_on_the_clock_of_the_pc_that_saved_it(
    tmp_path: Path, corrections: dict[str, Path], in_beijing: None
) -> None:
    """LibreOffice writes an .ods's saved time as its PC's clock shows it, with no zone; Excel
    an .xlsx's in UTC. In Beijing an .ods saved at 08:00 is older than an .xlsx saved at 11:00
    (03:00 UTC): both arrive in one download, and govxl keeps the .xlsx, showing both times as
    the clerk's PC does."""
    inbox, draft, fixed = _inbox(tmp_path, corrections["ods-later"])  # saved 2026-01-12 08:00
    write(draft, sample("gb2021", "001", "甲街道"), generated=datetime(2026, 1, 12, 3))
    _arrived(draft, 13), _arrived(fixed, 13)
    report = collect(inbox, read_roster(tmp_path / "名册.csv"))
    (unit,) = report.units
    assert unit.file == draft.name
    assert unit.reason == "共 2 份，采用此份：保存时间较晚（2026-01-12 11:00）"
    by_name = {fr.relative: fr for fr in report.files}
    assert by_name[fixed.name].evidence["saved"] == "2026-01-12 08:00"
