"""Writing outputs so that a crash or a full disk never leaves half a file behind.

Every output goes to a hidden temporary file in the target's folder (``.name.XXXXXXXX.tmp``),
is flushed to disk and then renamed over the target, so a reader sees the old complete file or
the new complete one. A process killed mid-write leaves only such a hidden temporary; the next
govxl run that writes into that folder removes temporaries older than itself.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


class OutputError(OSError):
    """An output could not be written; the message is Chinese and names the path."""


_STARTED = time.time()
"""When this process started writing: temporaries older than this are not ours, and are stale."""
_TEMP = re.compile(r"\..+\.(?:xlsx|json|jsonl|csv|parquet|docx|html|md)\.[a-z0-9_]{8}\.tmp")
"""What ``tempfile.mkstemp(prefix=".<name>.", suffix=".tmp")`` makes for the files we write."""
_swept: set[Path] = set()
written: list[Path] = []
"""Every output this process has completed, in order: what an interrupted command kept."""

_REASONS = {
    errno.ENOSPC: "磁盘空间已满，请清理磁盘或换一个磁盘后重试",
    errno.EDQUOT: "磁盘配额已用完，请清理后重试",
    errno.EFBIG: "文件超过了系统允许的大小（磁盘已满或有大小限制），请换一个磁盘",
    errno.EACCES: "没有写入权限（文件正被 Excel 或 WPS 打开？文件夹只读？），"
    "请关闭该文件或换一个可以写入的文件夹后重试",
    errno.EPERM: "没有写入权限（文件正被 Excel 或 WPS 打开？文件夹只读？），"
    "请关闭该文件或换一个可以写入的文件夹后重试",
    errno.EROFS: "磁盘或文件夹是只读的，请换一个可以写入的文件夹",
    errno.ENOTDIR: "路径中有一部分是文件而不是文件夹，请换一个输出位置",
    errno.EEXIST: "路径中有一部分是文件而不是文件夹，请换一个输出位置",
    errno.EISDIR: "同名的文件夹已存在，请换一个文件名",
    errno.ENAMETOOLONG: "文件名或路径过长，请换一个短一些的位置",
    errno.EIO: "磁盘读写出错，请检查磁盘或换一个磁盘",
}


def reason(e: OSError) -> str:
    """Why an output could not be written, and what to do, in Chinese for the clerk; the
    system's own words only for errors we have not foreseen."""
    return _REASONS.get(e.errno or 0) or f"{e.strerror or e}"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()
"""The mode an ordinary ``open()`` would give: mkstemp's 0600 would hide a shared summary."""


def ensure_dir(folder: Path) -> None:
    """Create an output folder, or say in Chinese why it cannot be (e.g. a file is in the way)."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"无法创建输出文件夹 {folder}：{reason(e)}。") from e


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename over ``path``.

    A reader sees either the old complete file or the new complete file, never a partial one.
    On any failure (disk full, no permission) the temporary is removed and OutputError raised.
    """
    with atomic_open(path) as fh:
        fh.write(data)


@contextlib.contextmanager
def atomic_open(path: Path) -> Iterator[BinaryIO]:
    """``atomic_write`` for outputs written piece by piece (a province's findings, say), so
    they need not be held in memory whole: the same temporary, fsync and rename."""
    path = Path(path)
    ensure_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError(f"无法写入输出文件夹 {path.parent}：{reason(e)}。") from e
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), _MODE)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        written.append(path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise OutputError(f"无法写入 {path}：{reason(e)}。没有留下不完整的文件。") from e
        raise
    sweep(path.parent)


def sweep(folder: Path) -> list[Path]:
    """Remove the temporaries a killed earlier run left in ``folder`` (once per process).

    Only hidden ``.<name>.<8 chars>.tmp`` files of the kinds govxl writes, regular files (never
    links) and last written before this process started: a concurrent run's file is left alone.
    """
    folder = Path(folder)
    if folder in _swept:
        return []
    _swept.add(folder)
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not _TEMP.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and st.st_mtime < _STARTED:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed
