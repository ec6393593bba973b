"""The desk in a real browser (Debian's chromium through Playwright): what a clerk at a unit
and a clerk at the office do, click by click, against a real ``govxl serve``."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import openpyxl
import pytest

from govxl.forms.workbook import SHEET_ID
from tests.desk.kit import NOT_A_NUMBER, UNITS, Served, serving, workbook, write_roster

pytestmark = pytest.mark.chromium


def expect(locator):  # noqa: ANN001, ANN201 - Playwright's own assertion, imported when used
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serving(
        tmp_path / "工作目录",
        "--deadline",
        "2026-01-20",
        roster=write_roster(tmp_path / "名册.csv"),
    ) as s:
        yield s


@pytest.fixture
def browser(chromium: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_unit_sees_the_wrong_cell_then_uploads_the_fix(
    served: Served, browser, tmp_path: Path
) -> None:
    page = browser.new_page()
    page.goto(served.unit_url("A02"))
    assert UNITS["A02"] in page.inner_text("h1")
    assert page.inner_text("#standing") == "未报送"
    page.set_input_files(
        "#file", str(_file(tmp_path, "乙街道.xlsx", workbook("A02", values=NOT_A_NUMBER)))
    )
    page.click("#upload-button")
    page.wait_for_selector("#verdict")
    page.wait_for_load_state("load")  # the style sheet too, before its colours are read
    assert page.inner_text("#verdict-badge") == "未通过"
    marked = page.locator("td.value.error")
    assert marked.count() >= 1 and "无" in marked.first.inner_text()
    assert "无" in page.inner_text("ol.notes li.error")  # the message beside the table
    assert (
        page.locator("td.value.error").first.evaluate("e => getComputedStyle(e).backgroundColor")
        != "rgba(0, 0, 0, 0)"
    )
    fixed = workbook("A02", later=10)  # corrected and saved again in Excel, minutes later
    page.set_input_files("#file", str(_file(tmp_path, "乙街道（改）.xlsx", fixed)))
    page.click("#upload-button")
    page.wait_for_selector("#verdict")
    assert page.inner_text("#verdict-badge") == "已通过"
    assert page.inner_text("#standing") == "已通过"
    assert page.locator("td.value.error").count() == 0


DROP = """([name, b64]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name));
  return dt;
}"""
"""A file as the browser hands it to a page when it is dropped from 资源管理器."""


def test_a_unit_drops_its_return_on_the_page(served: Served, browser) -> None:
    """Dragged from the desktop onto the box: the page takes the file, shows its name, and the
    upload goes through the same form. (A headless browser has no desktop to drag from: the
    drag events carry the file in their DataTransfer, as the browser's own would.)"""
    page = browser.new_page()
    page.goto(served.unit_url("A04"))
    data = base64.b64encode(workbook("A04")).decode()
    dropped = page.evaluate_handle(DROP, ["丁乡（定稿）.xlsx", data])
    page.dispatch_event("#drop", "dragenter", {"dataTransfer": dropped})
    page.dispatch_event("#drop", "dragover", {"dataTransfer": dropped})
    assert "over" in (page.get_attribute("#drop", "class") or "")
    page.dispatch_event("#drop", "drop", {"dataTransfer": dropped})
    assert "over" not in (page.get_attribute("#drop", "class") or "")
    assert page.inner_text("#chosen") == "已选择：丁乡（定稿）.xlsx"
    page.click("#upload-button")
    page.wait_for_selector("#verdict")
    assert page.inner_text("#verdict-badge") == "已通过"
    assert "丁乡（定稿）.xlsx" in page.inner_text("#verdict")
    assert page.inner_text("#standing") == "已通过"


def test_the_board_changes_without_a_reload(served: Served, browser) -> None:
    page = browser.new_page()
    page.goto(f"{served.url}/o/{served.office}")
    row = page.locator("#unit-A03 .badge")
    assert row.inner_text() == "未报送"
    page.evaluate("window.__notReloaded = true")
    r = httpx.post(
        served.unit_url("A03") + "/upload",
        files={"file": ("丙镇.xlsx", workbook("A03"))},
        headers={"accept": "application/json"},
        timeout=30,
    )
    assert r.json()["status"] == "passed"
    expect(page.locator("#unit-A03 .badge")).to_have_text("已通过", timeout=10000)
    assert page.evaluate("window.__notReloaded") is True
    assert "已更新" in page.inner_text("#live")


def test_the_office_returns_a_unit_and_the_unit_reads_the_comment(
    served: Served, browser, tmp_path: Path
) -> None:
    httpx.post(
        served.unit_url("A01") + "/upload",
        files={"file": ("甲.xlsx", workbook("A01"))},
        headers={"accept": "application/json"},
        timeout=30,
    )
    office = browser.new_page()
    office.goto(f"{served.url}/o/{served.office}")
    office.click("#unit-A01 a")
    office.fill("#return-form textarea", "依申请公开第三项与上年不符，请核实后重报。")
    office.click("#return")
    office.wait_for_selector("#standing")
    assert office.inner_text("#standing") == "已退回"
    unit = browser.new_page()
    unit.goto(served.unit_url("A01"))
    assert unit.inner_text("#standing") == "已退回"
    assert "依申请公开第三项与上年不符" in unit.inner_text("#office-comment")


def test_the_summary_downloaded_equals_govxl_merge(served: Served, browser, tmp_path: Path) -> None:
    for code, seed in (("A01", 1), ("A02", 2), ("A04", 3)):
        httpx.post(
            served.unit_url(code) + "/upload",
            files={"file": (f"{code}.xlsx", workbook(code, seed=seed))},
            headers={"accept": "application/json"},
            timeout=30,
        )
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{served.url}/o/{served.office}")
    with page.expect_download() as info:
        page.click("#download-summary")
    got = tmp_path / "desk.xlsx"
    info.value.save_as(got)
    merged = tmp_path / "merge.xlsx"
    cmd = [sys.executable, "-c", "from govxl.cli import run; run()", "merge"]
    done = subprocess.run(
        [
            *cmd,
            str(served.folder / "收件箱"),
            "--roster",
            str(served.folder / "名册.csv"),
            "-o",
            str(merged),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert _cells(got) == _cells(merged)
    assert "A01" in str(_cells(got))


def _cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
        if ws.title == SHEET_ID:  # when it was made: the one thing that may differ
            rows = [r for r in rows if r and r[0] not in ("generated",)]
        out[ws.title] = rows
    return out


def test_the_office_filters_and_sorts_the_board(served: Served, browser) -> None:
    for code, values in (("A01", None), ("A02", NOT_A_NUMBER), ("A03", None)):
        httpx.post(
            served.unit_url(code) + "/upload",
            files={"file": (f"{code}.xlsx", workbook(code, values=values))},
            headers={"accept": "application/json"},
            timeout=30,
        )
    page = browser.new_page()
    page.goto(f"{served.url}/o/{served.office}")
    page.select_option("#filter-status", "failed")
    shown = page.locator("#board-table tbody tr:visible")
    assert shown.count() == 1 and UNITS["A02"] in shown.first.inner_text()
    page.select_option("#filter-status", "")
    page.fill("#filter-text", "丁乡")
    assert page.locator("#board-table tbody tr:visible").count() == 1
    page.fill("#filter-text", "")
    page.click("#board-table th:has-text('强制')")
    page.click("#board-table th:has-text('强制')")  # twice: most errors first
    first = page.locator("#board-table tbody tr").first
    assert first.get_attribute("id") == "unit-A02"
