"""Form definitions: the one source of truth about the official tables."""

from govxl.forms.loader import SpecError, form_ids, load_file, load_form
from govxl.forms.model import Cell, CellType, Form, Instance, Rule, Severity, Table

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
