"""What collect decides: a unit's status and what each file is used for.

Codes are what programs compare and store (findings.json, the API); ``zh`` is what a clerk reads
on every sheet and screen. Like :class:`govxl.forms.Severity`, never compared as display text.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """A roster unit's standing after collect."""

    PASSED = "passed"
    WARNED = "warned"
    FAILED = "failed"
    UNREADABLE = "unreadable"
    MISSING = "missing"

    @property
    def zh(self) -> str:
        return _STATUS_ZH[self]

    @property
    def accepted(self) -> bool:
        """Counted in a summary without ``--include-errors``."""
        return self in (Status.PASSED, Status.WARNED)


_STATUS_ZH = {
    Status.PASSED: "已通过",
    Status.WARNED: "有警告",
    Status.FAILED: "未通过",
    Status.UNREADABLE: "无法读取",
    Status.MISSING: "未报送",
}


class Use(StrEnum):
    """What collect did with one received file."""

    USED = "used"
    SUPERSEDED = "superseded"
    DUPLICATE = "duplicate"
    DISPUTED = "disputed"
    """Its name says one unit, its content another: it counts for neither until decided."""
    UNMATCHED = "unmatched"

    @property
    def zh(self) -> str:
        return _USE_ZH[self]


_USE_ZH = {
    Use.USED: "采用",
    Use.SUPERSEDED: "已被替代",
    Use.DUPLICATE: "重复文件",
    Use.DISPUTED: "待确认",
    Use.UNMATCHED: "未匹配",
}


def local_time(stamp: str | datetime | None) -> str:
    """A moment as a clerk reads it: local time, to the minute — 2026-01-10 16:00, never
    2026-01-10T08:00:00+00:00. Text that is not a time is shown as it is."""
    if not stamp:
        return ""
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            return stamp
    else:
        moment = stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")
