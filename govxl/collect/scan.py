"""Which files in an inbox are returns: what mail and chat downloads leave in a folder.

Office lock files (``~$x.xlsx``), hidden files, Thumbs.db and friends are skipped silently; links
are never followed (a link can point outside the inbox or at itself) and pipes or devices never
opened (opening a pipe blocks); a folder named ``x.xlsx``, a link, a pipe or an unreadable file is
reported, not skipped, because somebody expects it to count. So is every other file: a WPS
``.et``, a zip of returns or a photo may be all a unit sent, and the clerk must not phone that
unit as if it had sent nothing — each is listed (``ignored``) with what to do.

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
ARCHIVE = "这是压缩包，审核时不解压；请解压后把其中的报表直接放入收件箱"
UNSUPPORTED = {
    ".et": "这是 WPS 表格格式（.et），请在 WPS 中“另存为”Excel 工作簿（.xlsx）后再报送",
    ".ett": "这是 WPS 表格模板格式（.ett），请在 WPS 中“另存为”Excel 工作簿（.xlsx）后再报送",
    ".xlsb": "这是 Excel 二进制工作簿（.xlsb），请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再报送",
    ".csv": "这是 CSV 文本表格，没有报表的表样和校验；请用下发的模板（.xlsx）填写后报送",
    ".doc": "这是旧版 Word 文档（.doc），请“另存为”Word 文档（.docx）后再报送",
    ".wps": "这是 WPS 文字格式（.wps），请“另存为”Word 文档（.docx）后再报送",
    **dict.fromkeys((".zip", ".rar", ".7z", ".tar", ".gz", ".tgz"), ARCHIVE),
}
"""Files a unit may send its return in that govxl does not read, with what the unit should do."""
OTHER = "不是报表文件（{suffix}），审核时不读取；如果这是单位的报表，请用下发的模板（.xlsx）报送"


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
    reason: str = "not-a-file"
    """Why it is not read, for scripts: ``not-a-file`` or ``not-a-return-format``."""
    label: str = ""
    """The name messages give the file, when not ``relative``: the name a unit uploaded a file
    under at the intake desk (the store names it by unit and content)."""


def _skip(name: str) -> bool:
    return name.startswith(("~$", ".")) or name.lower() in JUNK


def scan(inbox: Path, *, reports: bool = False) -> tuple[list[Entry], list[Entry]]:
    """Entries to read, in a stable order, and the files that are not returns (each with what
    to do in ``problem``)."""
    entries: list[Entry] = []
    ignored: list[Entry] = []
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
                advice = UNSUPPORTED.get(suffix) or OTHER.format(suffix=suffix or "无扩展名")
                ignored.append(Entry(p, rel, advice, raw_name=raw, reason="not-a-return-format"))
    return entries, ignored
