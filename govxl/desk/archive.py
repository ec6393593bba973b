"""The desk's working folder: an append-only SQLite archive and a store of received files.

``desk.db`` (SQLite in WAL mode, every commit synced) holds the settings, each unit's link token
and two ledgers — every upload and every office action — whose rows are never updated or
deleted (triggers refuse it). ``收件箱/`` holds each received file once, named after its unit and
its sha256 (``<单位代码>-<名称>/<单位代码>-<sha256 前16位>.xlsx``), never overwritten, so
``govxl collect 工作目录/收件箱`` and ``govxl merge`` work on it as on any inbox.

An upload is written to ``暂存/`` and synced, its row committed, and only then moved into the
store: a process killed at any point leaves either no row (the staged file is removed at the
next start; the unit never got an answer) or a row whose file the next start moves into place.
The store never holds a half-written file, and every acknowledged upload is there after a kill.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from govxl.fileio import OutputError, ensure_dir
from govxl.roster import safe_filename

DB = "desk.db"
STORE = "收件箱"
STAGING = "暂存"
SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    unit TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, unit TEXT NOT NULL, link TEXT NOT NULL,
    original_name TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
    stored TEXT NOT NULL, staging TEXT NOT NULL, client TEXT NOT NULL,
    verdict TEXT NOT NULL, findings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, unit TEXT NOT NULL, kind TEXT NOT NULL,
    upload INTEGER, comment TEXT NOT NULL, client TEXT NOT NULL, file TEXT NOT NULL DEFAULT '');
"""
INSERT_UPLOAD = (
    "INSERT INTO uploads(at, unit, link, original_name, size, sha256, stored, staging, client, "
    "verdict, findings) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
LEDGERS = {
    "uploads": "id = NEW.id",
    "actions": "id = NEW.id",
    "links": "unit = NEW.unit OR token = NEW.token",
}
"""Tables whose rows are never changed or removed (the record of what happened), and what names
a row already there: ``INSERT OR REPLACE`` deletes that row without firing a delete trigger, so
an insert that would replace one is refused too."""


def _guards() -> str:
    changes = "".join(
        f"CREATE TRIGGER IF NOT EXISTS {t}_no_{op} BEFORE {op.upper()} ON {t} BEGIN "
        f"SELECT RAISE(ABORT, '{t} rows are never {op}d'); END;\n"
        for t in LEDGERS
        for op in ("update", "delete")
    )
    replaces = "".join(
        f"CREATE TRIGGER IF NOT EXISTS {t}_no_replace BEFORE INSERT ON {t} "
        f"WHEN EXISTS (SELECT 1 FROM {t} WHERE {same}) BEGIN "
        f"SELECT RAISE(ABORT, '{t} rows are never replaced'); END;\n"
        for t, same in LEDGERS.items()
    )
    return changes + replaces


def now() -> datetime:
    """Local time with its offset, to the microsecond: two uploads in one second keep their
    order (the stored file's mtime, which collect reads as its arrival, is set from it)."""
    return datetime.now().astimezone()


@dataclass(frozen=True)
class Upload:
    """One row of the upload ledger."""

    id: int
    at: str
    unit: str
    link: str
    """``unit`` (the unit's own link), ``office`` or ``note`` (a 说明 typed on the unit's page)."""
    original_name: str
    size: int
    sha256: str
    stored: str
    """Path inside the store, ``/``-separated."""
    staging: str
    client: str
    verdict: str
    findings: str
    """JSON list of the file's findings when it arrived."""

    def finding_dicts(self) -> list[dict[str, Any]]:
        return list(json.loads(self.findings))


@dataclass
class _Pending:
    """An upload's row waiting for its turn in a group commit."""

    row: dict[str, Any]
    staging: str
    upload: Upload | None = None
    error: BaseException | None = None


@dataclass(frozen=True)
class Action:
    """One row of the office's ledger: ``confirm``, ``return`` or ``choose``."""

    id: int
    at: str
    unit: str
    kind: str
    upload: int | None
    comment: str
    client: str
    file: str = ""
    """The file in the store the action was taken on: the version the office saw (confirm,
    return) or the one it chose (choose); "" in rows from before the desk recorded it."""


class Archive:
    """The working folder. Thread-safe: one connection, one lock around every write."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.store = self.folder / STORE
        self.staging = self.folder / STAGING
        for d in (self.folder, self.store, self.staging):
            ensure_dir(d)
        with contextlib.suppress(OSError):
            os.chmod(self.folder, 0o700)  # tokens live here: the office's eyes only
        self.lock = threading.RLock()
        self._turn = threading.Condition()
        self._batch: list[_Pending] = []
        self._writing = False
        try:
            self.db = sqlite3.connect(
                self.folder / DB, check_same_thread=False, isolation_level=None, timeout=30
            )
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # an acknowledged row survives power loss
            self.db.executescript(SCHEMA)
            columns = {r[1] for r in self.db.execute("PRAGMA table_info(actions)")}
            if "file" not in columns:  # an archive begun before actions named their file
                self.db.execute("ALTER TABLE actions ADD COLUMN file TEXT NOT NULL DEFAULT ''")
            self.db.executescript(_guards())
        except sqlite3.OperationalError as e:  # sqlite's own words (English): --debug shows them
            raise OutputError(
                f"无法在收件台工作目录 {self.folder} 中写入记录：文件夹只读？磁盘已满？"
                "请换一个可以写入的工作目录。"
            ) from e

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # ------------------------------------------------------------------ settings and links
    def setting(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO settings(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def secret(self, key: str) -> str:
        """A setting made once from ``secrets`` and kept (the office token, the CSRF key)."""
        with self.lock:
            value = self.setting(key)
            if not value:
                value = secrets.token_urlsafe(32)
                self.set_setting(key, value)
            return value

    def links(self) -> dict[str, str]:
        """Unit code → its link token."""
        return dict(self.db.execute("SELECT unit, token FROM links").fetchall())

    def ensure_links(self, codes: list[str]) -> dict[str, str]:
        """A token for every unit that has none; a token once given never changes."""
        with self.lock:
            have = self.links()
            self.db.execute("BEGIN IMMEDIATE")
            for code in codes:
                if code not in have:
                    have[code] = secrets.token_urlsafe(24)
                    self.db.execute(
                        "INSERT INTO links(unit, token, created) VALUES(?, ?, ?)",
                        (code, have[code], now().isoformat()),
                    )
            self.db.execute("COMMIT")
            return have

    # ------------------------------------------------------------------ the ledgers
    def uploads(self) -> list[Upload]:
        return read_ledgers(self.db)[0]

    def actions(self) -> list[Action]:
        return read_ledgers(self.db)[1]

    def record_action(
        self,
        unit: str,
        kind: str,
        upload: int | None,
        comment: str,
        client: str,
        at: datetime | None = None,
        file: str = "",
    ) -> Action:
        with self.lock:
            at_text = (at or now()).isoformat()
            cur = self.db.execute(
                "INSERT INTO actions(at, unit, kind, upload, comment, client, file) "
                "VALUES(?, ?, ?, ?, ?, ?, ?)",
                (at_text, unit, kind, upload, comment, client, file),
            )
            rowid = int(cur.lastrowid or 0)
            return Action(rowid, at_text, unit, kind, upload, comment, client, file)

    # ------------------------------------------------------------------ files
    def stored_name(self, code: str, name: str, sha256: str, suffix: str, word: str = "") -> str:
        """Where a file goes in the store: its unit's folder, named by unit and content, and by
        a version word (更正, 初稿 …) when the sender's name had one: the evidence ``govxl
        collect`` weighs to tell versions apart (the sender's name itself is never a path)."""
        folder = Path(safe_filename(code, name, "")).name
        return f"{folder}/{code}-{sha256[:16]}{'-' + word if word else ''}{suffix}"

    def stage(self, data: bytes, stored: str, at: datetime) -> Path:
        """Write the bytes to the staging folder and sync them; mtime = arrival time, which
        ``govxl collect`` reads as the time the file was received."""
        path = self.staging / f"{secrets.token_hex(8)}-{Path(stored).name}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.utime(path, (at.timestamp(), at.timestamp()))
        return path

    def record_upload(self, row: dict[str, Any], staged: Path | None) -> Upload:
        """Record the upload, committed and synced, and return its row. Its staged file is
        moved into the store after this, never before (the order that makes a kill at any
        moment safe).

        Group commit: rows that arrive while another thread is syncing are written together in
        the next transaction with one sync, so concurrent uploads do not queue behind each
        other's disk syncs.
        """
        mine = _Pending(row, staged.name if staged else "")
        with self._turn:
            self._batch.append(mine)
            while mine.upload is None and mine.error is None:
                if self._writing:
                    self._turn.wait()
                    continue
                batch, self._batch = self._batch, []
                self._writing = True
                self._turn.release()
                try:
                    self._write(batch)
                finally:
                    self._turn.acquire()
                    self._writing = False
                    self._turn.notify_all()
        if mine.error is not None:
            raise mine.error
        assert mine.upload is not None
        return mine.upload

    def _write(self, batch: list[_Pending]) -> None:
        with self.lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                for p in batch:
                    r = p.row
                    cur = self.db.execute(
                        INSERT_UPLOAD,
                        (
                            r["at"],
                            r["unit"],
                            r["link"],
                            r["original_name"],
                            r["size"],
                            r["sha256"],
                            r["stored"],
                            p.staging,
                            r["client"],
                            r["verdict"],
                            r["findings"],
                        ),
                    )
                    p.upload = Upload(int(cur.lastrowid or 0), **{**r, "staging": p.staging})
                self.db.execute("COMMIT")
            except BaseException as e:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
                for p in batch:
                    p.upload, p.error = None, e

    def move_in(self, staged: Path, stored: str) -> Path:
        """Move a recorded upload's file into the store (the same bytes there already: keep
        those). Returns its place in the store."""
        target = self.store / stored
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            staged.unlink()
        else:
            os.replace(staged, target)
        return target

    def sync_folder(self, stored: str) -> None:
        """Make a move into the store durable (the folder's entry, synced)."""
        fd = os.open(self.store / Path(stored).parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def recover(self) -> tuple[int, int]:
        """After a kill: finish moving recorded uploads into the store, remove staged files
        that were never recorded. Returns (moved, removed)."""
        moved = removed = 0
        with self.lock:
            staged = {p.name: p for p in self.staging.iterdir() if p.is_file()}
            for up in self.uploads():
                target = self.store / up.stored
                if up.staging in staged:
                    if not target.exists():
                        moved += 1
                    self.move_in(staged.pop(up.staging), up.stored)
                    self.sync_folder(up.stored)
            for p in staged.values():  # never acknowledged: the unit saw no verdict
                p.unlink()
                removed += 1
        return moved, removed


def read_ledgers(db: sqlite3.Connection) -> tuple[list[Upload], list[Action]]:
    """Both ledgers in the order they were written (an archive begun before actions named
    their file, opened read-only, reads "" for it)."""
    have = {r[1] for r in db.execute("PRAGMA table_info(actions)")}
    acts = ", ".join(f if f in have else "''" for f in _names(Action))
    ups = [
        Upload(*r)
        for r in db.execute(f"SELECT {', '.join(_names(Upload))} FROM uploads ORDER BY id")
    ]
    return ups, [Action(*r) for r in db.execute(f"SELECT {acts} FROM actions ORDER BY id")]


def _names(kind: type) -> list[str]:
    return [f.name for f in dataclasses.fields(kind)]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
