"""All terminal output of the CLI: the one module that imports rich."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Machine output goes to stdout untouched by rich (no wrapping, no colour)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    err.print(f"[bold red]错误：[/]{message}", markup=True)


def warn(message: str) -> None:
    err.print(f"[yellow]注意：[/]{message}", markup=True)


def info(message: str) -> None:
    out.print(message, markup=False)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          styles: Sequence[str | None] | None = None) -> None:
    t = Table(title=title, show_lines=False, title_justify="left")
    for col in columns:
        t.add_column(col, overflow="fold")
    for i, row in enumerate(rows):
        style = styles[i] if styles and i < len(styles) else None
        t.add_row(*[("" if v is None else str(v)) for v in row], style=style)
    out.print(t)
