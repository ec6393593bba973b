"""Which files in an inbox are returns: what mail and chat downloads leave in a folder.

Office lock files (``~$x.xlsx``), hidden files, Thumbs.db and friends are skipped silently; links
are never followed (a link can point outside the inbox or at itself) and pipes or devices never
opened (opening a pipe blocks); a folder named ``x.xlsx``, a link, a pipe or an unreadable file is
reported, not skipped, because somebody expects it to count.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
REPORT_SUFFIXES = {".docx", ".html", ".htm", ".txt", ".md"}
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


def _skip(name: str) -> bool:
    return name.startswith(("~$", ".")) or name.lower() in JUNK


def scan(inbox: Path, *, reports: bool = False) -> tuple[list[Entry], list[str]]:
    """Entries to read, in a stable order, and the names of files ignored as not returns."""
    entries: list[Entry] = []
    ignored: list[str] = []
    for root, dirs, files in os.walk(inbox, followlinks=False):
        here = Path(root)
        dirs.sort()
        for d in list(dirs):
            p = here / d
            rel = str(p.relative_to(inbox))
            if _skip(d):
                dirs.remove(d)
            elif p.is_symlink():
                dirs.remove(d)
                if Path(d).suffix.lower() in WORKBOOK_SUFFIXES:
                    entries.append(Entry(p, rel, LINK))
            elif Path(d).suffix.lower() in WORKBOOK_SUFFIXES:
                entries.append(Entry(p, rel, FOLDER))
        for f in sorted(files):
            p = here / f
            rel = str(p.relative_to(inbox))
            suffix = p.suffix.lower()
            if _skip(f):
                continue
            if suffix in WORKBOOK_SUFFIXES or (reports and suffix in REPORT_SUFFIXES):
                kind = "workbook" if suffix in WORKBOOK_SUFFIXES else "report"
                try:
                    mode = p.lstat().st_mode
                except OSError:  # gone since the folder was listed: nothing to report
                    continue
                if stat.S_ISLNK(mode):
                    entries.append(Entry(p, rel, LINK, kind))
                elif not stat.S_ISREG(mode):  # a pipe would block whoever opens it
                    entries.append(Entry(p, rel, SPECIAL, kind))
                else:
                    entries.append(Entry(p, rel, kind=kind))
            else:
                ignored.append(rel)
    return entries, ignored
