"""The desk without the web: receive an upload, check it, judge the whole store, keep the record.

Each upload is read once, when it arrives, by collect's own reader (``read_all``, here or in
the reading pool of :mod:`govxl.desk.reading`); the verdicts are collect's own ``judge`` over
every file in the store, in the order ``govxl collect`` scans them, so the desk and
``govxl collect 工作目录/收件箱`` always agree. The office's choice of a
version goes to ``judge`` as one of collect's decisions (:mod:`govxl.desk.choices`); its
confirms and returns are laid over the verdicts.
"""

from __future__ import annotations

import bisect
import hmac
import json
import shutil
import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from govxl.check.read import wanted_sheets
from govxl.check.result import ReadResult
from govxl.collect.run import (
    CollectReport,
    FileResult,
    UnitStatus,
    decide,
    judge,
    match,
    read_all,
)
from govxl.collect.scan import WORKBOOK_SUFFIXES, Entry, scan
from govxl.collect.status import Status
from govxl.collect.versions import EARLIER_WORDS, LATER_WORDS
from govxl.desk.answers import (
    MAX_UPLOAD,
    SUFFIXES,
    Refused,
    choosable,
    decidable,
    not_a_return,
    too_large,
)
from govxl.desk.archive import Action, Archive, Upload, now, sha256_hex
from govxl.desk.choices import decisions_of
from govxl.desk.overlay import Judged, overlay
from govxl.desk.reading import Readers
from govxl.desk.settings import Settings, SetupError, settings_of
from govxl.roster import read_roster


@dataclass
class Stored:
    """A file in the store, as read."""

    relative: str
    path: Path
    res: ReadResult
    mtime: float
    kind: str = "workbook"
    matched: str = ""
    """The roster unit collect gives this file to, judged on its own ("" for none)."""
    link: str = ""
    """The unit whose link sent it ("" for a file put into the store by hand): its sender."""
    sent_as: str = ""
    """The name it was first uploaded under ("" for a file put into the store by hand): what
    its messages call it. The store's own name is for the office's downloads only."""

    @property
    def claims(self) -> str:
        """The unit code the file's content gives (a copied file claims its owner)."""
        return self.res.ret.unit_code if self.res.ret else ""

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(self.relative.split("/"))  # the order in which ``scan`` walks the store


@dataclass
class Outcome:
    """What one upload gets back: its row, the file as judged, and its unit's standing."""

    upload: Upload
    file: FileResult
    unit: UnitStatus
    judged: Judged


class Desk:
    """One district's desk over one working folder."""

    def __init__(self, folder: Path, archive: Archive, settings: Settings) -> None:
        self.folder = folder
        self.readers = Readers(1)  # where new uploads are read: here, or in a pool (open)
        self.archive = archive
        self.settings = settings
        self.lock = threading.RLock()
        self.files: dict[str, Stored] = {}
        self._naming: dict[str, set[str]] = {}
        """Unit code → the stored files that name it: sent by its link, given to it by collect,
        or claiming it in their content."""
        self._sent: dict[str, set[str]] = {}
        """Unit code → the stored files its link sent."""
        self._same: dict[str, set[str]] = {}
        """sha256 → the stored files with those bytes."""
        self.uploads: list[Upload] = archive.uploads()
        self.actions: list[Action] = archive.actions()
        self.generation = 0
        self._judged: Judged | None = None
        self.links = archive.ensure_links([u.code for u in settings.roster.units])
        self._by_token = {token: code for code, token in self.links.items()}
        self.office_token = archive.secret("office_token")
        self.csrf_key = archive.secret("csrf_key")

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        folder: Path,
        *,
        roster: Path | None = None,
        form: str | None = None,
        year: int | None = None,
        deadline: date | None = None,
        previous: Path | None = None,
        jobs: int | None = None,
        readers: int = 1,
    ) -> Desk:
        """Open (or on the first start create) a working folder and read its store.

        ``jobs``: processes reading the store now (default every core); ``readers``: processes
        reading each new upload (1: this one; more: a pool, started once the store is read)."""
        folder = Path(folder)
        first = not (folder / "desk.db").exists()
        if first and roster is None:
            raise SetupError(
                f"{folder} 还不是收件台工作目录：第一次启动请用 --roster 指定单位名册。"
            )
        archive = Archive(folder)
        if roster is not None:
            copy = folder / ("名册" + roster.suffix.lower())
            if roster.resolve() != copy.resolve():
                read_roster(roster)  # refuse a broken roster before it replaces a good one
                shutil.copyfile(roster, copy)
            archive.set_setting("roster", copy.name)
        for key, value in (("form", form), ("year", year), ("deadline", deadline)):
            if value is not None:
                archive.set_setting(key, str(value))
        if previous is not None:
            archive.set_setting("previous", str(previous.resolve()))
        settings = settings_of(archive, folder)
        desk = cls(folder, archive, settings)
        try:
            desk.load(jobs=jobs)  # forks its readers, if any: before the pool's threads exist
            if readers > 1:
                desk.readers = Readers(readers)
        except BaseException:
            desk.close()
            raise
        return desk

    def load(self, *, jobs: int | None = None) -> tuple[int, int]:
        """Finish what a kill interrupted, then read every file in the store."""
        moved, removed = self.archive.recover()
        wanted_sheets()  # the reader and the forms, loaded now rather than by the first upload
        entries, _ = scan(self.archive.store, reports=True)
        first: dict[str, Upload] = {}
        for u in self.uploads:
            first.setdefault(u.stored, u)
        sent_as = {rel: u.original_name for rel, u in first.items()}
        entries = [replace(e, label=sent_as.get(_slashed(e.relative), "")) for e in entries]
        for entry, res in zip(entries, read_all(entries, jobs=jobs), strict=True):
            rel = _slashed(entry.relative)
            st = Stored(rel, entry.path, res, entry.path.lstat().st_mtime, entry.kind)
            if rel in first:
                st.link, st.sent_as = first[rel].unit, first[rel].original_name
            self._attribute(st)
            self._keep(st)
        self.generation += 1
        return moved, removed

    def _attribute(self, st: Stored) -> None:
        """Which unit collect gives the file to: decided per file, whatever else is stored."""
        fr = _file_result(st)
        match([fr], self.settings.roster, self.settings.year, {})
        st.matched = fr.unit_code if fr.unit_code in self.links else ""

    def _keep(self, st: Stored) -> None:
        """A file joins the store, and the lookups that find the files concerning a unit."""
        self.files[st.relative] = st
        for code in _naming(st):
            self._naming.setdefault(code, set()).add(st.relative)
        if st.link:
            self._sent.setdefault(st.link, set()).add(st.relative)
        self._same.setdefault(st.res.sha256, set()).add(st.relative)

    def close(self) -> None:
        """Stop the reading pool (its workers are waited for), then close the archive."""
        try:
            self.readers.close()
        finally:
            self.archive.close()

    # ------------------------------------------------------------------ who is asking
    def unit_for(self, token: str) -> str | None:
        """The unit whose link this is; None for no unit. Looked up by dict (whose timing
        depends on the hash, not on the token's characters), then compared in constant time."""
        code = self._by_token.get(token)
        if code is None or not hmac.compare_digest(self.links[code], token):
            return None
        return code

    def is_office(self, token: str) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self.office_token.encode())

    # ------------------------------------------------------------------ receiving
    def receive(
        self,
        code: str,
        original_name: str,
        data: bytes,
        *,
        client: str,
        link: str = "unit",
        at: datetime | None = None,
    ) -> Outcome:
        """Store, check and record one file sent for unit ``code``; the verdict comes back.

        ``at`` is when it arrived: now, except for the sample district's history."""
        unit = self.settings.roster.by_code()[code]
        suffix = Path(original_name.replace("\\", "/")).suffix.lower()
        if suffix not in SUFFIXES:
            raise Refused(415, not_a_return(original_name))
        if len(data) > MAX_UPLOAD:
            raise Refused(413, too_large())
        sha = sha256_hex(data)
        stored = self.archive.stored_name(
            unit.code, unit.name, sha, suffix, _word(original_name, link)
        )
        at = at or now()
        known = self.files.get(stored)
        staged = None if known is not None else self.archive.stage(data, stored, at)
        if known is None:
            assert staged is not None
            kind = "workbook" if suffix in WORKBOOK_SUFFIXES else "report"
            entry = Entry(staged, stored, kind=kind, label=original_name)
            res = self.readers.read(entry)
            res.path = self.archive.store / stored
            candidate = Stored(stored, staged, res, at.timestamp(), kind, link=code)
            candidate.sent_as = original_name
            self._attribute(candidate)
        concerned = {code, (known or candidate).matched} - {""}
        row: dict[str, Any] = {
            "at": at.isoformat(),
            "unit": code,
            "link": link,
            "original_name": original_name,
            "size": len(data),
            "sha256": sha,
            "stored": stored,
            "client": client,
        }
        with self.lock:  # judged as it will stand once recorded, seen by nobody else till then
            pending = Upload(0, **row, staging="", verdict="", findings="")
            judged = self.judged_for(concerned, pending, None if known else candidate)
        fr = judged.by_file[stored]
        row["verdict"], row["findings"] = verdict_of(fr).value, _findings_json(fr)
        try:  # outside the lock: rows of concurrent uploads are committed together
            upload = self.archive.record_upload(row, staged)
        except BaseException:
            if staged is not None:
                staged.unlink(missing_ok=True)
            raise
        with self.lock:
            if staged is not None:
                candidate.path = self.archive.move_in(staged, stored)
                if stored not in self.files:
                    self._keep(candidate)
            bisect.insort(self.uploads, upload, key=lambda u: u.id)
            self._changed()
        if staged is not None:
            self.archive.sync_folder(stored)  # the move itself made durable, before the answer
        return Outcome(upload, fr, judged.units[code], judged)

    def act(
        self,
        code: str,
        kind: str,
        upload: int | None,
        comment: str,
        client: str,
        at: datetime | None = None,
        *,
        file: str = "",
    ) -> Action:
        """Record an office action after checking that it makes sense now. ``file``: for a
        confirm or a return, the version the office was looking at (refused when a newer one
        counts now); for a choice, the file chosen (else the file of ``upload``)."""
        with self.lock:  # no upload changes the version that counts between check and record
            judged = self.judged()
            u = judged.units.get(code)
            if u is None:
                raise Refused(404, f"名册中没有单位 {code}。")
            if kind == "choose":
                up = next((x for x in self.uploads if x.id == upload), None)
                file = file or (up.stored if up else "")
                choosable(judged.by_file.get(file), code)
            elif kind in ("confirm", "return"):
                decidable(u, kind, comment, file)
                file = u.file
            else:
                raise Refused(400, f"未知的操作：{kind}")
            upload = next((x.id for x in reversed(self.uploads) if x.stored == file), None)
            action = self.archive.record_action(
                code, kind, upload, comment.strip(), client, at, file=file
            )
            self.actions.append(action)
            self._changed()
        return action

    # ------------------------------------------------------------------ judging
    def judged(self) -> Judged:
        with self.lock:
            if self._judged is None or self._judged.generation != self.generation:
                self._judged = self._judge_now()
            return self._judged

    def _changed(self) -> None:
        self.generation += 1

    def judged_for(
        self, codes: set[str], pending: Upload | None = None, arriving: Stored | None = None
    ) -> Judged:
        """The store judged for these units only, exactly as the whole store judges them.

        A unit's verdict depends on the files collect gives it, the files its link sent, the
        files whose content names it (and the units of those), the file the office chose for
        it, and any file with the same bytes (a duplicate counts once, the first in the store's
        order). Those are found through the desk's lookups, not by walking the store or
        deciding every unit, so an upload in a district of 1,000 units costs about what it costs
        in one of 50 (``bench/serve_pieces.py --units``); the other units are not judged.
        ``pending`` and ``arriving``: an upload's row and file, judged as they will stand once
        recorded (nobody else sees them before).
        """
        with self.lock:
            files, naming, sent_by, same = self.files, self._naming, self._sent, self._same
            if arriving is not None and arriving.relative not in files:
                rel = arriving.relative  # as if kept: in the files and lookups, as _keep puts it
                files = {**files, rel: arriving}
                naming = _with(naming, _naming(arriving), rel)
                sent_by = _with(sent_by, {arriving.link} - {""}, rel)
                same = _with(same, {arriving.res.sha256}, rel)
            uploads = self.uploads + [pending] if pending else self.uploads
            chosen = decisions_of(uploads, self.actions)
            sent = [files[r] for c in codes for r in sent_by.get(c, ())]
            codes = codes | {c for s in sent for c in (s.matched, s.claims) if c}
            mine = {r for c in codes for r in naming.get(c, ())}
            mine |= {r for r, c in chosen.items() if c in codes and r in files}
            judged = {r for sha in {files[r].res.sha256 for r in mine} for r in same.get(sha, ())}
            return self._judge_now([files[r] for r in judged], codes, uploads)

    def _judge_now(
        self,
        stored: list[Stored] | None = None,
        only: set[str] | None = None,
        uploads: list[Upload] | None = None,
    ) -> Judged:
        s = self.settings
        chosen = self.files.values() if stored is None else stored
        files = [_file_result(x) for x in sorted(chosen, key=lambda x: x.order)]
        ups = self.uploads if uploads is None else uploads
        report = judge(
            self.archive.store,
            files,
            s.roster,
            year=s.year,
            previous=s.previous or None,
            decisions=decisions_of(ups, self.actions),
            units=only,
        )
        return overlay(report, ups, self.actions, self.generation, only=only)

    def report(self) -> CollectReport:
        return self.judged().report


def _file_result(s: Stored) -> FileResult:
    """A fresh ``FileResult`` per judging: judge adds findings to the ones it is given."""
    ret = s.res.ret
    received = datetime.fromtimestamp(s.mtime, UTC).astimezone().isoformat(timespec="seconds")
    return FileResult(
        s.relative,
        s.path,
        s.res.sha256,
        ret.unit_code if ret else "",
        ret.unit_name if ret else "",
        findings=list(s.res.findings),
        received=received,
        saved=s.res.saved,
        ret=ret,
        imported=s.kind == "report",
        arrived=s.mtime,
        sent_as=s.sent_as,
        sender=s.link,
    )


def _naming(st: Stored) -> set[str]:
    """The units a stored file names: by its sender's link, collect's match, its content."""
    return {st.link, st.matched, st.claims} - {""}


def _with(lookup: dict[str, set[str]], keys: set[str], rel: str) -> dict[str, set[str]]:
    """``lookup`` as it will be once ``rel`` is kept under ``keys`` (``lookup`` unchanged)."""
    return {**lookup, **{k: lookup.get(k, set()) | {rel} for k in keys}}


def _slashed(relative: str) -> str:
    return relative.replace("\\", "/")


def _word(original_name: str, link: str) -> str:
    """The version word the store's name carries: 修改 for a 说明 added on the page (a later
    version of the unit's return), else the first such word in the sender's file name."""
    if link == "note":
        return "修改"
    stem = Path(original_name.replace("\\", "/")).stem
    return next((w for w in (*LATER_WORDS, *EARLIER_WORDS) if w in stem), "")


def verdict_of(fr: FileResult) -> Status:
    """One file's own verdict: what its unit's status would be if it counted."""
    if not fr.readable:
        return Status.UNREADABLE
    u = UnitStatus(fr.unit_code, fr.unit_name, None)
    decide(u, fr)
    return u.status


def _findings_json(fr: FileResult) -> str:
    return json.dumps([f.to_dict() for f in fr.findings], ensure_ascii=False, default=str)
