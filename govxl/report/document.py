"""The yearly report as one neutral document: what is said and where, never how it looks.

``govxl.report.render.build_document`` makes it from a ``Return``; the .docx, .html and .md
writers only decide how it looks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govxl.report.tables import TableModel, TCell


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[str, ...] = ()
    table: TableModel | None = None


@dataclass(frozen=True)
class ReportDoc:
    title: str
    sections: tuple[Section, ...]
    unit: str
    signed: str
    shown: dict[str, str] = field(default_factory=dict)
    """Cell id → the value as printed."""

    def text(self, cell: TCell) -> str:
        """What a table cell prints: its label, or its value as published."""
        if cell.cell_id is not None:
            return self.shown.get(cell.cell_id, "")
        return cell.text
