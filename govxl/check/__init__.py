"""Reading and checking returned workbooks."""

from govxl.check.findings import CATALOGUE, Finding
from govxl.check.read import ReadResult, UnreadableReturn, inspect_file, read_return

__all__ = ["CATALOGUE", "Finding", "ReadResult", "UnreadableReturn", "inspect_file", "read_return"]
