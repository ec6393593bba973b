"""Shared pytest fixtures.

Kept deliberately small; project-wide fixtures are added here by the lead.
"""

from __future__ import annotations

import os

import pytest

from govxl.office import find_soffice


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice's ``soffice``, for tests that need a real spreadsheet program.

    A developer without LibreOffice still gets a useful (partial) run, so the test is skipped.
    CI installs LibreOffice in .ci/run, so there a missing one means a broken setup and must
    fail loudly rather than let the formula cross-checks silently vanish into skips.
    """
    path = find_soffice()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "CI=true 但未找到 LibreOffice（soffice）：.ci/run 本应安装 libreoffice-calc-nogui"
            )
        pytest.skip("LibreOffice (soffice) 未安装：跳过需要真实电子表格程序的测试")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts LibreOffice (through the ``soffice`` fixture, at any depth) carries the
    ``soffice`` marker, so ``-m "not soffice"`` leaves out every one of them; the same for the
    ``chromium`` fixture and marker."""
    for item in items:
        for name, mark in (("soffice", pytest.mark.soffice), ("chromium", pytest.mark.chromium)):
            if name in getattr(item, "fixturenames", ()) and not item.get_closest_marker(name):
                item.add_marker(mark)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, driven by Playwright (never a browser download), for the desk's pages.

    Skipped without it, like the LibreOffice tests; under CI=true (.ci/run installs the Debian
    package ``chromium``) a missing one fails.
    """
    path = CHROMIUM if os.access(CHROMIUM, os.X_OK) else None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true 但未找到 chromium 或 playwright：.ci/run 本应安装 chromium")
        pytest.skip("chromium（/usr/bin/chromium）或 playwright 未安装：跳过浏览器测试")
    return path
