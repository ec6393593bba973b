"""What every step of the import shares: its limits, its findings, how text is decoded."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from govxl.forms import Severity

MAX_BYTES = 20 * 1024 * 1024
"""Larger than any real report (the seed is 13 KB; a report with images is a few MB)."""
MAX_ROWS = 2000
MAX_COLS = 200


class UnreadableReport(Exception):
    """The file cannot be read as a report at all; the message is Chinese and names the reason."""


@dataclass(frozen=True)
class ImportIssue:
    """One finding of the import: something unusual, unplaced or inconsistent in the report."""

    severity: str
    """``error``, ``warning`` or ``info`` (the same classes as ``govxl.values``)."""
    code: str
    message: str
    where: str = ""
    cell: str | None = None

    @property
    def zh(self) -> str:
        """强制 / 核实 / 提示: the audit classes clerks know from 联网直报."""
        return Severity(self.severity).zh

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 — what Chinese Windows saves plain text in."""
    if len(data) > MAX_BYTES:
        raise UnreadableReport(f"文件过大（{len(data) // 1024 // 1024} MB），不像一份年度报告")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableReport("无法识别文件的文字编码（既不是 UTF-8 也不是 GB18030）")
