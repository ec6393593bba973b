"""Hostile-input-safe workbook reader: ``read_workbook(path) -> RawWorkbook``.

Everything that can go wrong with a returned file surfaces as :class:`ReadError` with a stable
``code`` and a Chinese ``message`` for the clerk who sent it.
"""

from .core import Limits, RawCell, RawSheet, RawWorkbook, ReadError, moment
from .xlsx import read_bytes, read_workbook

__all__ = [
    "Limits",
    "RawCell",
    "RawSheet",
    "RawWorkbook",
    "ReadError",
    "read_bytes",
    "moment",
    "read_workbook",
]
