"""What reading one returned workbook gives: the return, if any, and everything wrong with it.

Kept apart from :mod:`govxl.check.read` so that code which only passes results around (merge,
the collect parent) need not import the reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from govxl.check.findings import Finding
from govxl.forms.returns import Return
from govxl.paths import shown


@dataclass
class ReadResult:
    path: Path
    sha256: str = ""
    ret: Return | None = None
    findings: list[Finding] = field(default_factory=list)
    identity: dict[str, str] = field(default_factory=dict)
    application: str | None = None
    saved: datetime | None = None
    """The file's own save time (docProps/core.xml), used to pick the newest of two returns."""

    @property
    def readable(self) -> bool:
        return self.ret is not None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity.value == "error"]

    def to_dict(self) -> dict[str, Any]:
        """What ``govxl validate --json`` prints for this file: one shape for CLI and library."""
        return {
            "file": shown(str(self.path)),
            "sha256": self.sha256,
            "valid": not self.errors,
            "readable": self.readable,
            "findings": [f.to_dict() for f in self.findings],
        }
