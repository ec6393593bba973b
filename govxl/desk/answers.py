"""The desk's clear answers when it says no: an HTTP status and a Chinese message a clerk can act
on, for what a unit sends and for what the office asks to do."""

from __future__ import annotations

from govxl.collect.run import FileResult, UnitStatus
from govxl.collect.scan import REPORT_SUFFIXES, WORKBOOK_SUFFIXES
from govxl.collect.status import Status

MAX_UPLOAD = 20 * 1024 * 1024
"""Bytes per file: a filled return is about 25 KB, a WPS one with pictures a few MB."""
SUFFIXES = WORKBOOK_SUFFIXES | REPORT_SUFFIXES
"""What the desk takes: what ``govxl collect`` reads (a return, or a published report)."""
_USUAL = (".xlsx", ".xlsm", ".xls", ".ods", ".pdf", ".docx", ".html", ".htm", ".txt", ".md")
"""The order a clerk reads the types in: the most usual first (any other type after them)."""


def _listed(suffixes: set[str]) -> list[str]:
    return sorted(suffixes, key=lambda x: (_USUAL.index(x) if x in _USUAL else len(_USUAL), x))


ACCEPT = ",".join(_listed(SUFFIXES))
"""The file picker's ``accept`` list: the same types, so the picker hides none of them."""
TAKEN = (
    f"填好的模板（{'、'.join(_listed(WORKBOOK_SUFFIXES))}），"
    f"或已发布的年度报告（{'、'.join(_listed(REPORT_SUFFIXES))}）"
)
"""The types taken, as the unit's page and a refusal say them."""


class Refused(Exception):
    """A request the desk answers with a clear no: HTTP status and a Chinese message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def choosable(fr: FileResult | None, code: str) -> None:
    """The office may choose a readable file of the unit's, or one whose content names it."""
    if fr is None or fr.ret is None or code not in (fr.unit_code, fr.ret.unit_code):
        raise Refused(409, "只能选定本单位能读取的一个版本。")


def decidable(u: UnitStatus, kind: str, comment: str, seen: str) -> None:
    """A confirm or a return makes sense for the version that counts now, and only that."""
    if not u.file:
        raise Refused(409, f"{u.name} 还没有可以{'确认' if kind == 'confirm' else '退回'}的报表。")
    if seen and seen != u.file:
        raise Refused(
            409,
            f"{u.name} 在您打开页面之后报送了新的版本（现在采用 "
            f"{u.received[:16].replace('T', ' ')} 收到的版本）。"
            "请刷新页面，看过新的版本后再操作。",
        )
    if kind == "confirm" and u.status not in (Status.PASSED, Status.WARNED):
        raise Refused(409, f"{u.name} 的报表{u.status.zh}，不能确认；可以退回并说明原因。")
    if kind == "return" and not comment.strip():
        raise Refused(400, "退回时请写明原因，单位会在自己的页面上看到。")


def not_a_return(original_name: str) -> str:
    return f"“{original_name}”不是报表文件，这次上传的文件都没有保存。请上传{TAKEN}。"


def too_large() -> str:
    return (
        f"文件超过 {MAX_UPLOAD // (1024 * 1024)} MB，没有保存。"
        "请删除工作簿中的图片或多余的工作表后再上传。"
    )
