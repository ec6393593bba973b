"""File names as a clerk reads them, and what a command may write next to what it reads.

A zip made on Chinese Windows stores its names in GBK; unpacked on Linux they are bytes that are
not UTF-8, which Python carries as lone surrogates (``surrogateescape``). Such a name opens the
file, but it cannot be printed, written to JSON or put in a workbook. :func:`shown` gives the name
a clerk would see on Windows; the real path is kept for opening the file.

Every command reads folders and files and writes outputs. :func:`clash` finds an output that
would land in, over or around something the command reads: ``collect OUT/退回 -o OUT
--feedback`` used to overwrite and delete the very files it was reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def shown(name: str) -> str:
    """``name`` as a clerk reads it: each part of a path whose bytes are not UTF-8 decoded as
    GB18030 (a superset of GBK, what Chinese Windows writes), else with each undecodable byte
    shown as ``\\xNN``. A folder named in UTF-8 around a GBK file name is common (the folder
    made here, the file from the zip), so parts are decoded one by one."""
    if not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    return "/".join(_part(p) for p in name.split("/"))


def _part(part: str) -> str:
    if not any("\udc80" <= ch <= "\udcff" for ch in part):
        return part
    raw = part.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def clash(
    reads: Iterable[Path], *, files: Iterable[Path] = (), folders: Iterable[Path] = ()
) -> tuple[Path, Path] | None:
    """The first (read, written) pair that touch, or None.

    An output file touches an input when it is that input or lies inside a folder that is read.
    An output folder touches an input also when it holds it: outputs and the copies for the
    units must be kept apart from everything read (``collect OUT/退回 -o OUT --feedback``
    rewrote the returns it was reading). Paths are compared resolved, so ``.``, ``..`` and
    links are seen through.
    """
    given = [(p, p.resolve()) for p in reads]
    for out, is_folder in [*((f, False) for f in files), *((d, True) for d in folders)]:
        target = out.resolve()
        for src, real in given:
            if _within(target, real) or (is_folder and _within(real, target)):
                return src, out
    return None
