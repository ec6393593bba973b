"""The wheel must carry every package and the form definitions (``pip install .`` works)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"]
    listed = set(conf["packages"])
    on_disk = {"govxl"} | {
        "govxl." + ".".join(p.parent.relative_to(ROOT / "govxl").parts)
        for p in (ROOT / "govxl").rglob("__init__.py") if p.parent != ROOT / "govxl"}
    assert on_disk <= listed, sorted(on_disk - listed)
    assert conf["package-dir"]["govxl.templates"] == "templates"
    assert "*.yaml" in conf["package-data"]["govxl.templates"]
