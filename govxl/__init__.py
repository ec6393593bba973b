"""govxl: the yearly 政府信息公开工作年度报告 across the units of a district.

Library first: ``load_form``, ``read``, ``collect``, ``merge``; the ``govxl`` command is a thin
layer over these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from govxl.api import Workbook


def read(path: Any) -> Workbook:
    """Read and check a return or summary workbook: ``govxl.read(p).to_frame()``."""
    from govxl.api import read as _read

    return _read(path)


def load_form(form_id: str) -> Any:
    from govxl.forms import load_form as _load

    return _load(form_id)


__all__ = ["__version__", "load_form", "read"]
