"""Form definitions: the one source of truth about the official tables."""

from govxl.spec.loader import SpecError, form_ids, load_file, load_form
from govxl.spec.model import Cell, CellType, Form, Instance, Rule, Severity, Table

__all__ = [
    "Cell",
    "CellType",
    "Form",
    "Instance",
    "Rule",
    "Severity",
    "SpecError",
    "Table",
    "form_ids",
    "load_file",
    "load_form",
]
