"""Reading and checking returned workbooks."""

from __future__ import annotations

from govxl.check.findings import CATALOGUE, Finding
from govxl.check.read import UnreadableReturn, inspect_file, read_return
from govxl.check.result import ReadResult

__all__ = ["CATALOGUE", "Finding", "ReadResult", "UnreadableReturn", "inspect_file", "read_return"]
