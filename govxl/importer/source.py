"""What the report parsers produce: paragraphs and tables in reading order, and the findings.

Each parser (.txt, .html, .md, .docx) reduces its format to this one shape, so the importer that
locates the official labels and places the figures is written once. A cell knows where it was —
a line number, or table, row and column — so that every finding can point at it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from govxl.forms import Severity

MAX_BYTES = 20 * 1024 * 1024
"""Larger than any real report (the seed is 13 KB; a report with images is a few MB)."""
MAX_ROWS = 2000
MAX_COLS = 200
MAX_SPAN = 200


class UnreadableReport(Exception):
    """The file cannot be read as a report at all; the message is Chinese and names the reason."""


@dataclass(frozen=True)
class RawCell:
    text: str
    where: str
    col: int | None = None
    """Grid column of the cell's left edge; None when only the order is known (plain text)."""
    colspan: int = 1


@dataclass
class RawTable:
    index: int
    rows: list[list[RawCell]] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"表格 {self.index}"


@dataclass(frozen=True)
class Para:
    text: str
    where: str


Item = Para | RawTable


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


@dataclass
class Source:
    items: list[Item] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)

    def tables(self) -> list[RawTable]:
        return [i for i in self.items if isinstance(i, RawTable)]

    def paras(self) -> list[Para]:
        return [i for i in self.items if isinstance(i, Para)]


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
