"""Which files in an inbox are returns: what mail and chat downloads leave in a folder.

Office lock files (``~$x.xlsx``), hidden files, Thumbs.db and friends are skipped silently; links
are never followed (a link can point outside the inbox or at itself) and pipes or devices never
opened (opening a pipe blocks); a folder named ``x.xlsx``, a link, a pipe or an unreadable file is
reported, not skipped, because somebody expects it to count.

Names are listed as a clerk reads them (:func:`govxl.paths.shown`): a GBK name from a Windows zip
is decoded, not carried as bytes that no output can hold.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from govxl.paths import shown

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
REPORT_SUFFIXES = {".docx", ".pdf", ".html", ".htm", ".txt", ".md"}
JUNK = {"thumbs.db", ".ds_store", "desktop.ini"}
LINK = "这是一个链接（快捷方式），审核时不读取链接；请直接放入文件本身"
FOLDER = "这是一个文件夹，不是工作簿文件；请直接放入工作簿文件本身"
SPECIAL = "这不是一个普通文件（而是管道、设备等），审核时不打开它；请直接放入文件本身"


@dataclass(frozen=True)
class Entry:
    path: Path
    relative: str
    problem: str = ""
    """Why it cannot be read (Chinese), for links, folders and pipes with a workbook's name."""
    kind: str = "workbook"
    """``workbook`` or ``report`` (a published report to import)."""
    raw_name: str = ""
    """The relative path's bytes in hex when ``relative`` shows them decoded (not UTF-8)."""


def _skip(name: str) -> bool:
    return name.startswith(("~$", ".")) or name.lower() in JUNK


def scan(inbox: Path, *, reports: bool = False) -> tuple[list[Entry], list[str]]:
    """Entries to read, in a stable order, and the names of files ignored as not returns."""
    entries: list[Entry] = []
    ignored: list[str] = []
    taken: set[str] = set()

    def name(p: Path) -> tuple[str, str]:
        """(shown relative path, hex of its bytes when that is not the path itself): a GBK
        name decoded, and kept apart from a UTF-8 name that reads the same."""
        raw = str(p.relative_to(inbox))
        text = shown(raw)
        if text in taken:
            text = f"{text}〔同名文件 {len(taken)}〕"
        taken.add(text)
        return text, ("" if text == raw else raw.encode("utf-8", "surrogateescape").hex())

    for root, dirs, files in os.walk(inbox, followlinks=False):
        here = Path(root)
        dirs.sort()
        for d in list(dirs):
            p = here / d
            if _skip(d):
                dirs.remove(d)
            elif p.is_symlink():
                dirs.remove(d)
                if Path(d).suffix.lower() in WORKBOOK_SUFFIXES:
                    rel, raw = name(p)
                    entries.append(Entry(p, rel, LINK, raw_name=raw))
            elif Path(d).suffix.lower() in WORKBOOK_SUFFIXES:
                rel, raw = name(p)
                entries.append(Entry(p, rel, FOLDER, raw_name=raw))
        for f in sorted(files):
            p = here / f
            suffix = p.suffix.lower()
            if _skip(f):
                continue
            rel, raw = name(p)
            if suffix in WORKBOOK_SUFFIXES or (reports and suffix in REPORT_SUFFIXES):
                kind = "workbook" if suffix in WORKBOOK_SUFFIXES else "report"
                try:
                    mode = p.lstat().st_mode
                except OSError:  # gone since the folder was listed: nothing to report
                    continue
                if stat.S_ISLNK(mode):
                    entries.append(Entry(p, rel, LINK, kind, raw))
                elif not stat.S_ISREG(mode):  # a pipe would block whoever opens it
                    entries.append(Entry(p, rel, SPECIAL, kind, raw))
                else:
                    entries.append(Entry(p, rel, kind=kind, raw_name=raw))
            else:
                ignored.append(rel)
    return entries, ignored
