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
    ``soffice`` marker, so ``-m "not soffice"`` leaves out every one of them."""
    for item in items:
        if "soffice" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "soffice"
        ):
            item.add_marker(pytest.mark.soffice)
