"""A unit's standing on the desk: collect's status, then what the office did with the return.

``govxl collect`` decides 未报送 / 未通过 / 有警告 / 已通过 / 无法读取 from the files; the office
can then confirm the version that counts (已确认) or send it back with a comment (已退回). Both
hold for that version only: a new upload puts the unit back to what collect decides for it.
"""

from __future__ import annotations

from enum import StrEnum

from govxl.collect.status import Status


class Standing(StrEnum):
    MISSING = "missing"
    FAILED = "failed"
    UNREADABLE = "unreadable"
    RETURNED = "returned"
    WARNED = "warned"
    PASSED = "passed"
    CONFIRMED = "confirmed"

    @property
    def zh(self) -> str:
        return _ZH[self]

    @property
    def needs_unit(self) -> bool:
        """The unit still has to act: overdue once the deadline has passed."""
        return self in (Standing.MISSING, Standing.FAILED, Standing.UNREADABLE, Standing.RETURNED)

    @classmethod
    def of(cls, status: Status) -> Standing:
        return cls(status.value)


_ZH = {
    Standing.MISSING: "未报送",
    Standing.FAILED: "未通过",
    Standing.UNREADABLE: "无法读取",
    Standing.RETURNED: "已退回",
    Standing.WARNED: "有警告",
    Standing.PASSED: "已通过",
    Standing.CONFIRMED: "已确认",
}

ACTIONS = {"confirm": "确认", "return": "退回", "choose": "选定版本"}
"""The office's actions, as the archive stores them and as a clerk reads them."""
