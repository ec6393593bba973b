"""Which version counts when the office has chosen: collect's own ``decisions``, from the ledger.

The office's choice (``choose``: this file counts for this unit) is an action row like any
other. It is not laid over collect's verdicts afterwards: it is handed to collect's ``judge`` as
a human decision (file → unit code), which settles a ``version-unclear`` 核实, a ``unit-mismatch``
and a copy that two units sent, exactly as ``govxl collect`` settles them. ``govxl collect
工作目录/收件箱`` reads the same rows (:func:`store_decisions`), so the board, the command and
the summary agree.

A choice holds until the unit uploads again: a version sent after the office chose is new
evidence, and collect weighs it afresh.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from govxl.desk.archive import DB, Action, Upload, read_ledgers


def in_force(uploads: Iterable[Upload], actions: Iterable[Action]) -> dict[str, Action]:
    """Unit code → the office's last choice for it, unless the unit has uploaded since."""
    chosen: dict[str, Action] = {}
    for a in actions:
        if a.kind == "choose":
            chosen[a.unit] = a
    if not chosen:  # the usual case: every upload judged without looking through the ledger
        return {}
    last_upload: dict[str, str] = {}
    for up in uploads:
        if up.unit in chosen:
            last_upload[up.unit] = max(last_upload.get(up.unit, ""), up.at)
    return {u: a for u, a in chosen.items() if last_upload.get(u, "") <= a.at}


def acted_file(a: Action, uploads: Mapping[int, Upload]) -> str:
    """The store file an action was taken on (rows from before actions named their file: the
    file of the upload they name)."""
    if a.file:
        return a.file
    up = uploads.get(a.upload or 0)
    return up.stored if up else ""


def decisions_of(uploads: list[Upload], actions: list[Action]) -> dict[str, str]:
    """The choices in force as collect's ``decisions``: store path → unit code."""
    held = in_force(uploads, actions)
    if not held:  # the usual case: no lookup of every upload for each one that arrives
        return {}
    by_id = {u.id: u for u in uploads}
    found = {acted_file(a, by_id): code for code, a in held.items()}
    found.pop("", None)
    return found


def store_decisions(inbox: Path) -> dict[str, str]:
    """The office's choices for an inbox that is a desk's store (``工作目录/收件箱``), read
    without writing anything; {} for any other folder."""
    db = Path(inbox).resolve().parent / DB
    if not db.is_file():
        return {}
    con = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return decisions_of(*read_ledgers(con))
    finally:
        con.close()
