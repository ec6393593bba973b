"""The reader's vocabulary: what a read workbook is, the limits it is read within, and the
errors a clerk is told.

Why so defensive: returns arrive from hundreds of offices.  Files may be renamed text, cut
off by a flaky upload, encrypted, or crafted.  Every failure becomes a :class:`ReadError`
with a stable ``code`` and a Chinese ``message`` a clerk can act on; nothing else escapes.
The guarded zip layer (:mod:`.archive`) and the hardened XML parser (:mod:`.parsing`) are
shared by the .xlsx and .ods paths, so both get exactly the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple

Value = str | int | float | bool | None


class RawCell(NamedTuple):
    """One stored cell: the cached value exactly as the writer saved it, plus formula text.

    A named tuple, not a dataclass: hundreds are made per return, and tuples are built in C.
    """

    value: Value
    formula: str | None
    kind: str  # "n" | "s" | "b" | "e" | "f-empty" | "blank"
    is_date: bool = False
    """A number shown as a date or time: a date or time number format in .xlsx, a date or
    time value in .ods and .xls. Excel turns ``1-2`` typed into a cell into such a number."""


@dataclass
class RawSheet:
    """A sheet; ``loaded`` is False when the caller did not ask for it (cells are then empty)."""

    name: str
    state: str
    protected: bool
    cells: dict[str, RawCell] = field(default_factory=dict)
    max_row: int = 0
    max_col: int = 0
    loaded: bool = True


@dataclass
class RawWorkbook:
    path: Path
    format: str
    sheets: dict[str, RawSheet]
    structure_locked: bool
    has_macros: bool
    formulas_known: bool
    application: str | None
    modified: datetime | None
    defined_names: dict[str, str]
    sha256: str = ""
    """Of the very bytes that were parsed: a file replaced while being read cannot mix
    one version's hash with another version's figures."""
    date1904: bool = False
    """Date serial numbers count from 1904 (Excel for Mac before 2011), not from 1900."""


_EPOCHS = {False: datetime(1899, 12, 30), True: datetime(1904, 1, 1)}


def moment(serial: float, date1904: bool = False) -> datetime | time | None:
    """The date (with its time of day, if any) or the bare time a date serial number stands
    for, as Excel shows it; None where no date is (negative, beyond 9999).

    Excel counts 1900 as a leap year: serial 60 is the 29 February 1900 that never was, shown
    here as 28 February, and serials below 60 are a day later than plain counting gives.
    """
    if not 0 <= serial < 2958466:
        return None
    if serial < 1:
        seconds = round(serial * 86400)
        return time(*divmod(seconds // 60, 60), seconds % 60) if seconds < 86400 else None
    if not date1904 and serial < 61:
        serial += 1 if serial < 60 else 0
    return _EPOCHS[date1904] + timedelta(seconds=round(serial * 86400))


class ReadError(Exception):
    """Could not read the file at all.

    ``code`` is a stable slug for programs; ``message`` is Chinese for an office clerk and says
    what is wrong and what to do.  ``detail`` is the shorter Chinese reason used in the message.
    """

    def __init__(self, code: str, message: str, detail: str = "", sha256: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail
        self.sha256 = sha256
        """Of the bytes that were read before the problem was found ("" if none were read).
        Callers must not open the path again to hash it: it may be a FIFO, or replaced."""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 1024 * 1024
    max_member_bytes: int = 100 * 1024 * 1024  # declared uncompressed size of one zip member
    max_total_bytes: int = 300 * 1024 * 1024  # declared total uncompressed
    max_ratio: float = 200.0  # compression ratio of any member bigger than 1 MiB
    max_cells_per_sheet: int = 200_000


_RESAVE = "请用 Excel 或 WPS 打开后另存为 .xlsx，再重新报送。"
_MESSAGES = {
    "unreadable": "无法读取“{name}”：{detail}。请确认选择的是 Excel 文件本身且没有被其他程序占用。",
    "empty-file": "文件“{name}”是空文件（0 字节），可能在保存或上传时出错。请重新保存后报送。",
    "too-large": "文件“{name}”{detail}，超过系统上限。请删除多余的工作表、图片或数据后重新报送。",
    "not-a-workbook": "文件“{name}”不是有效的 Excel 工作簿{detail}，"
    "请用 Excel 或 WPS 另存为 .xlsx 后重新报送。",
    "encrypted": "文件“{name}”设置了打开密码，系统无法读取。请取消文件密码后重新报送。",
    "legacy-xls": "文件“{name}”是旧版 .xls 格式，但内容无法读取（{detail}）。" + _RESAVE,
    "corrupt-zip": "文件“{name}”已损坏或不完整（{detail}），可能是下载或拷贝没有完成。" + _RESAVE,
    "missing-part": "文件“{name}”缺少必要的内部组成部分（{detail}），文件已损坏。" + _RESAVE,
    "zip-bomb": "文件“{name}”的压缩数据异常（{detail}），出于安全考虑系统拒绝读取。" + _RESAVE,
    "xml-entity": "文件“{name}”含有不安全的 XML 实体声明（{detail}），出于安全考虑系统拒绝读取。"
    + _RESAVE,
    "too-many-cells": "文件“{name}”中{detail}，超过系统上限。请删除多余的数据或格式后重新报送。",
    "corrupt-file": "文件“{name}”内容有误，无法读取（{detail}）。" + _RESAVE,
}


class Fail(Exception):
    """Internal: raised deep in parsing, where the file name is unknown; becomes ReadError."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    def to_error(self, name: str) -> ReadError:
        msg = _MESSAGES[self.code].format(name=name, detail=self.detail)
        return ReadError(self.code, msg, self.detail)


def mib(n: float) -> str:
    return f"{n / 1048576:.1f} MB"


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "on")


def col_letters(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
