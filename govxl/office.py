"""Drive LibreOffice headless to convert many files in a single ``soffice`` call.

Why this module exists and is shaped the way it is:

* LibreOffice needs ~1.5 s just to start, so converting files one by one is slow.  ``convert``
  hands every file to ONE ``soffice --convert-to`` process.
* By default LibreOffice trusts the cached formula results stored in an .xlsx and does not
  recalculate them.  We use LibreOffice as an independent spreadsheet engine to check our Excel
  formulas, so a trusted (possibly wrong) cache would make that check meaningless.  Each call
  therefore runs with a throw-away user profile whose ``registrymodifications.xcu`` forces
  "always recalculate" on load.  A throw-away profile also means concurrent calls never hand
  their work to another running instance, and the user's own profile is never touched.
* LibreOffice names each output ``<input stem>.<ext>`` in one output folder, so inputs that share
  a stem would overwrite each other.  Inputs are copied into a private staging folder under
  unique ASCII names (this also sidesteps locale trouble with non-ASCII paths and keeps
  LibreOffice's lock files away from the caller's folders); the results are then moved to their
  final, de-duplicated names.  Inputs are never modified.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from glob import glob
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["OfficeError", "convert", "find_soffice"]

#: Calc's ``OOXMLRecalcMode`` / ``ODFRecalcMode`` values (officecfg Calc.xcs).
_RECALC_ALWAYS = 0
_RECALC_NEVER = 1

#: How much of soffice's output to quote in an error: enough to see the cause, not a flood.
_TAIL_LINES = 15

_EXT_RE = re.compile(r"[A-Za-z0-9]+")
_SAFE_SUFFIX_RE = re.compile(r"\.[A-Za-z0-9]+")


class OfficeError(Exception):
    """LibreOffice is missing, was given bad input, timed out, or did not produce some outputs.

    ``produced`` maps the inputs that *were* converted to their outputs (they are already in the
    output folder), and ``failed`` lists the inputs that were not, so a caller handling a partial
    failure does not have to guess.
    """

    def __init__(
        self,
        message: str,
        *,
        produced: dict[Path, Path] | None = None,
        failed: Sequence[Path] = (),
    ) -> None:
        super().__init__(message)
        self.produced: dict[Path, Path] = dict(produced or {})
        self.failed: list[Path] = list(failed)


def find_soffice() -> str | None:
    """Return the path of the LibreOffice ``soffice`` executable, or ``None`` if absent.

    ``GOVXL_SOFFICE`` names one to use (``none``: act as if there were none, as on a PC
    without LibreOffice). Then PATH is tried so a user can pick a specific install; the fixed
    locations cover installs whose program folder is not on PATH (official tarballs under /opt,
    macOS).
    """
    chosen = os.environ.get("GOVXL_SOFFICE")
    if chosen is not None:
        if chosen.strip().lower() in ("", "none"):
            return None
        return chosen if os.path.isfile(chosen) and os.access(chosen, os.X_OK) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = ["/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice"]
    # Newest-looking version first: /opt/libreoffice24.2 sorts after /opt/libreoffice7.6.
    candidates += sorted(glob("/opt/libreoffice*/program/soffice"), reverse=True)
    candidates.append("/Applications/LibreOffice.app/Contents/MacOS/soffice")
    for cand in candidates:
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def _parse_to(to: str) -> tuple[str, str]:
    """Split a ``--convert-to`` spec into (output extension, spec to pass to soffice).

    The extension is the part before the first ':'; it is validated up front so a typo fails with
    a clear message instead of a silent no-output run.  Double quotes around the filter name
    (``xlsx:"Calc MS Excel 2007 XML"``, the form shell examples use) are removed: without a shell
    they reach soffice literally, and LibreOffice 7.4 then fails to store with "Please verify
    input parameters".  Filter names never contain quotes; filter options after a second ':'
    (which may be JSON) are passed through untouched.
    """
    parts = to.split(":", 2)
    ext = parts[0]
    if not _EXT_RE.fullmatch(ext):
        raise OfficeError(
            f"无效的转换目标格式：{to!r}（应为 LibreOffice 的输出格式，"
            '如 "xlsx"、"pdf"、"ods"、\'xlsx:"Calc MS Excel 2007 XML"\'）'
        )
    if len(parts) > 1:
        name = parts[1].strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1]
        if not name:
            raise OfficeError(f"无效的转换目标格式：{to!r}（冒号后缺少 LibreOffice 过滤器名称）")
        parts[1] = name
    return ext, ":".join(parts)


def _profile_xcu(recalc: bool) -> str:
    """Build the ``registrymodifications.xcu`` for a throw-away LibreOffice profile.

    The recalculation mode is written explicitly in both directions so the result does not depend
    on LibreOffice's build defaults.  The other items keep a fresh profile from spending start-up
    time on first-run and update-check work that a headless batch never needs.
    """
    mode = _RECALC_ALWAYS if recalc else _RECALC_NEVER
    items = [
        ("/org.openoffice.Office.Calc/Formula/Load", "OOXMLRecalcMode", str(mode)),
        ("/org.openoffice.Office.Calc/Formula/Load", "ODFRecalcMode", str(mode)),
        ("/org.openoffice.Office.Common/Misc", "FirstRun", "false"),
        ("/org.openoffice.Office.Common/Misc", "ShowTipOfTheDay", "false"),
        (
            "/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job['UpdateCheck']"
            "/Arguments",
            "AutoCheckEnabled",
            "false",
        ),
    ]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry"'
        ' xmlns:xs="http://www.w3.org/2001/XMLSchema"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    ]
    for path, name, value in items:
        lines.append(
            f'<item oor:path="{escape(path)}"><prop oor:name="{name}" oor:op="fuse">'
            f"<value>{value}</value></prop></item>"
        )
    lines.append("</oor:items>")
    return "\n".join(lines) + "\n"


def _final_names(inputs: Sequence[Path], outdir: Path, ext: str) -> list[str]:
    """Pick a distinct output file name for each (already de-duplicated) input.

    The first input with a given stem keeps ``<stem>.<ext>``; later ones get ``<stem>-2.<ext>``,
    ``<stem>-3.<ext>``...  Inputs that live in ``outdir`` itself reserve their own names so that,
    e.g., an xlsx -> xlsx recalculation into the input's folder can never overwrite the input.
    Names are compared case-insensitively because macOS and Windows file systems are.
    """
    out_resolved = outdir.resolve()
    used = {p.name.casefold() for p in inputs if p.parent == out_resolved}
    names: list[str] = []
    for p in inputs:
        stem = p.stem
        name = f"{stem}.{ext}"
        n = 2
        while name.casefold() in used:
            name = f"{stem}-{n}.{ext}"
            n += 1
        used.add(name.casefold())
        names.append(name)
    return names


def _tail(text: str) -> str:
    """Last lines of soffice output, minus the harmless javaldx warning that every run prints."""
    lines = [
        ln
        for ln in text.strip().splitlines()
        if ln.strip() and "failed to launch javaldx" not in ln
    ]
    return "\n".join(lines[-_TAIL_LINES:])


def _kill_group(pgid: int) -> None:
    """Kill soffice's whole process group (wrapper script, oosplash and soffice.bin)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def convert(
    files: Sequence[Path],
    outdir: Path,
    to: str = "xlsx",
    *,
    recalc: bool = True,
    timeout: float = 300,
) -> dict[Path, Path]:
    """Convert ``files`` with ONE headless LibreOffice run and return ``{input: output}``.

    ``to`` is a LibreOffice ``--convert-to`` spec ("xlsx", "pdf", "ods", "docx", "html",
    ``'xlsx:"Calc MS Excel 2007 XML"'``...); outputs get the extension before the first ':'
    and are written to ``outdir`` (created if needed) as ``<stem>.<ext>``, with ``-2``, ``-3``...
    appended when stems collide.  With ``recalc`` (the default) every formula is recalculated on
    load instead of trusting cached results; ``recalc=False`` keeps the cached values.

    Raises ``OfficeError`` if LibreOffice is missing, an input does not exist, ``to`` is
    malformed, the run exceeds ``timeout`` seconds (the process group is killed), or some inputs
    produced no output (those converted are still in ``outdir``, see ``OfficeError.produced``).
    """
    ext, spec = _parse_to(to)
    given = [Path(f) for f in files]
    missing = [p for p in given if not p.is_file()]
    if missing:
        raise OfficeError(
            "以下输入文件不存在或不是文件：" + "、".join(str(p) for p in missing),
            failed=missing,
        )
    if not given:
        return {}
    soffice = find_soffice()
    if soffice is None:
        raise OfficeError("未找到 LibreOffice（soffice），请安装后重试", failed=given)

    # The same file given twice (maybe spelled differently) is converted once.
    unique: list[Path] = []
    index_of: dict[Path, int] = {}
    for p in given:
        rp = p.resolve()
        if rp not in index_of:
            index_of[rp] = len(unique)
            unique.append(rp)

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    final = _final_names(unique, outdir, ext)

    with tempfile.TemporaryDirectory(prefix="govxl-office-") as tmp:
        root = Path(tmp)
        profile, home, stage, tmp_out = (root / d for d in ("profile", "home", "in", "out"))
        for d in (profile / "user", home, stage, tmp_out):
            d.mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(
            _profile_xcu(recalc), encoding="utf-8"
        )

        staged: list[Path] = []
        for i, src in enumerate(unique):
            suffix = src.suffix if _SAFE_SUFFIX_RE.fullmatch(src.suffix) else ""
            dst = stage / f"f{i:04d}{suffix}"
            shutil.copyfile(src, dst)
            staged.append(dst)

        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            spec,
            "--outdir",
            str(tmp_out),
            *(str(s) for s in staged),
        ]
        # HOME inside the temp dir: fontconfig caches, dconf and friends must not touch the
        # real home (it may be read-only in CI, and must not leak state between runs).
        env = dict(os.environ, HOME=str(home))
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=root,
            start_new_session=True,  # own process group, so a hang can be killed entirely
        )
        try:
            out_b, err_b = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            out_b, err_b = proc.communicate()
            tail = _tail(err_b.decode("utf-8", "replace"))
            raise OfficeError(
                f"LibreOffice 转换超时（超过 {timeout:g} 秒），已终止 soffice 进程；"
                f"涉及 {len(given)} 个文件" + (f"\nsoffice 输出：\n{tail}" if tail else ""),
                failed=given,
            ) from None
        except BaseException:
            _kill_group(proc.pid)
            proc.wait()
            raise
        # soffice.bin normally exits with the wrapper; kill any straggler so nothing keeps
        # using the profile we are about to delete.
        _kill_group(proc.pid)

        produced_unique: dict[int, Path] = {}
        for i, name in enumerate(final):
            result = tmp_out / f"f{i:04d}.{ext}"
            if result.is_file() and result.stat().st_size > 0:
                target = outdir / name
                shutil.move(result, target)
                produced_unique[i] = target

    produced: dict[Path, Path] = {}
    failed: list[Path] = []
    for p in given:
        i = index_of[p.resolve()]
        if i in produced_unique:
            produced[p] = produced_unique[i]
        else:
            failed.append(p)
    if failed:
        detail = _tail(err_b.decode("utf-8", "replace")) or _tail(out_b.decode("utf-8", "replace"))
        raise OfficeError(
            f"LibreOffice 未能将以下 {len(failed)} 个文件转换为 {to}："
            + "、".join(str(p) for p in failed)
            + f"（soffice 退出码 {proc.returncode}）"
            + (f"\nsoffice 输出：\n{detail}" if detail else ""),
            produced=produced,
            failed=failed,
        )
    return produced
