"""What collect knows about one received file: what it is, whose it is, what it is used for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from govxl.check.findings import Finding
from govxl.collect.status import Use
from govxl.forms.returns import Return


@dataclass
class FileResult:
    relative: str
    path: Path
    sha256: str = ""
    unit_code: str = ""
    unit_name: str = ""
    use: Use = Use.UNMATCHED
    findings: list[Finding] = field(default_factory=list)
    received: str = ""
    saved: datetime | None = None
    ret: Return | None = None
    imported: bool = False
    arrived: float | None = None
    """When the file arrived in the inbox (its modification time), POSIX seconds."""
    raw_name: str = ""
    """The path's bytes in hex when ``relative`` shows them decoded (a GBK name from a zip)."""
    decided: bool = False
    """The office chose this file for its unit (``collect(decisions=…)``)."""
    reason: str = ""
    """Why the file is used, superseded or a duplicate, when the unit sent several."""
    evidence: dict[str, Any] = field(default_factory=dict)
    """Arrival, saved time, name words and copy number, for a unit that sent several."""
    sent_as: str = ""
    """The name the sender gave the file, when the inbox names it otherwise: an upload at the
    intake desk is stored under its unit and content (``relative``), and kept under the name
    the unit uploaded only as data. "" for a file put into the inbox, whose name is its own."""
    sender: str = ""
    """The unit whose private link sent the file (an intake desk upload): who sent it is known
    from the link, not guessed from a file name. "" for a file put into the inbox."""

    @property
    def label(self) -> str:
        """The file as people know it, in messages: the name it was sent under."""
        return self.sent_as or self.relative

    @property
    def readable(self) -> bool:
        return self.ret is not None
