"""The ``govxl`` command: a thin typer layer over the library.

One ``app`` (:mod:`govxl.cli.app`); each command group lives in its own module and registers
its commands on it when imported, here, in the order of the yearly work (the order of
``govxl --help``). Each command parses its options, calls the library and renders the result
through :mod:`govxl.cli.console`, the one module that imports rich.
"""

from __future__ import annotations

from govxl.cli import check, demo, desk, forms, merge, report, rules, template  # noqa: I001
from govxl.cli.app import app

__all__ = ["app", "check", "demo", "desk", "forms", "merge", "report", "rules", "run", "template"]


def run() -> None:
    """The ``govxl`` program."""
    app(prog_name="govxl")
