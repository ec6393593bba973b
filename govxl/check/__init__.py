"""Reading and checking returned workbooks."""

from __future__ import annotations

from typing import Any

from govxl.check.findings import CATALOGUE, Finding
from govxl.check.result import ReadResult

__all__ = ["CATALOGUE", "Finding", "ReadResult", "UnreadableReturn", "inspect_file", "read_return"]


def __getattr__(name: str) -> Any:
    """The reader and its checks load on first use: ``govxl merge`` or ``govxl rules`` import
    this package for its findings but never read a workbook themselves."""
    if name in ("UnreadableReturn", "inspect_file", "read_return"):
        from govxl.check import read

        return getattr(read, name)
    raise AttributeError(name)
