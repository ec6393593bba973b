"""All terminal output of the CLI: the one module that imports rich."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Machine output goes to stdout untouched by rich (no wrapping, no colour)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    err.print(f"[bold red]错误：[/]{escape(message)}", markup=True)


def warn(message: str) -> None:
    err.print(f"[yellow]注意：[/]{escape(message)}", markup=True)  # file names may hold [ ]


def info(message: str) -> None:
    out.print(message, markup=False)


MAX_ROWS = 60
"""A terminal table longer than this is cut: a city's thousand rows help nobody on screen (and
rich takes a tenth of a second to lay them out); the full list is always in a written file."""


def table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    styles: Sequence[str | None] | None = None,
    *,
    full_list: str = "",
) -> None:
    """Print a table; beyond ``MAX_ROWS`` rows, say how many were left out and where
    (``full_list``) they are all listed."""
    rows = list(rows)
    t = Table(title=title, show_lines=False, title_justify="left")
    for col in columns:
        t.add_column(col, overflow="fold")
    for i, row in enumerate(rows[:MAX_ROWS]):
        style = styles[i] if styles and i < len(styles) else None
        t.add_row(*[("" if v is None else str(v)) for v in row], style=style)
    out.print(t)
    if len(rows) > MAX_ROWS:
        where = f"，完整清单见{full_list}" if full_list else ""
        info(f"（只列出前 {MAX_ROWS} 行，另有 {len(rows) - MAX_ROWS} 行{where}。）")


class _Tick:
    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.wanted: bool | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.wanted is None:  # decided once: is_terminal looks at the environment each time
            self.wanted = total > 20 and out.is_terminal
        if self.progress is None and self.wanted:
            self.progress = Progress(console=err, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.label, total=total)
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=done)

    label = ""


class progress:  # noqa: N801 - used as a context manager like rich's
    """A progress bar that appears only when the work is long enough to need one."""

    def __init__(self, label: str) -> None:
        self.tick = _Tick()
        self.tick.label = label

    def __enter__(self) -> _Tick:
        return self.tick

    def __exit__(self, *exc: object) -> None:
        if self.tick.progress is not None:
            self.tick.progress.stop()
