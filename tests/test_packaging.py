"""The wheel carries every package, the form definitions and the sample district."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    (path,) = out.glob("govxl-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_holds_every_module_of_the_checkout(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "govxl").rglob("*.py")}
    assert on_disk <= names, sorted(on_disk - names)


def test_the_wheel_holds_the_form_definitions_and_the_sample_district(
    wheel: zipfile.ZipFile,
) -> None:
    names = set(wheel.namelist())
    for data in (ROOT / "govxl/forms/definitions").glob("*.yaml"):
        assert str(data.relative_to(ROOT)) in names
    assert "govxl/samples/roster.csv" in names
    assert "govxl/samples/zhengyang-2020/report.txt" in names


def test_nothing_outside_the_govxl_package_is_installed(wheel: zipfile.ZipFile) -> None:
    tops = {n.split("/")[0] for n in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"govxl"}


def test_the_wheel_holds_the_desks_pages_script_and_style(wheel: zipfile.ZipFile) -> None:
    """``govxl serve`` from an installed wheel draws its pages with nothing from the network."""
    names = set(wheel.namelist())
    shipped = [
        *(ROOT / "govxl/desk/templates").glob("*.html"),
        *(ROOT / "govxl/desk/static").iterdir(),
    ]
    assert len(shipped) >= 9
    for path in shipped:
        assert str(path.relative_to(ROOT)) in names
