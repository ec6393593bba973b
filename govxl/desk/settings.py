"""What a working folder was set up for: form, year, deadline, roster, last year's figures.

Kept in the archive's settings (and the roster copied beside it), so a later start needs only
the folder: ``govxl serve 工作目录``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from govxl.collect.previous import load_previous
from govxl.collect.run import collect
from govxl.collect.status import Use
from govxl.desk.archive import Archive
from govxl.forms import Form, load_form
from govxl.forms.compute import Value
from govxl.roster import Roster, read_roster


class SetupError(ValueError):
    """The working folder cannot be opened as asked; Chinese message."""


@dataclass
class Settings:
    form: Form
    year: int
    deadline: date | None
    roster: Roster
    previous: dict[str, dict[str, Value]] | None = field(default=None, repr=False)


def settings_of(archive: Archive, folder: Path) -> Settings:
    roster_name = archive.setting("roster")
    if not roster_name:
        raise SetupError(f"{folder} 中没有单位名册：请用 --roster 指定。")
    roster = read_roster(folder / roster_name)
    form = load_form(archive.setting("form") or "gb2021")
    year = int(archive.setting("year") or date.today().year - 1)
    if not form.covers(year):
        raise SetupError(f"表单 {form.id} 不适用于 {year} 年度。")
    text = archive.setting("deadline")
    deadline = date.fromisoformat(text) if text and text != "None" else None
    prev_path = archive.setting("previous")
    previous = _previous(Path(prev_path), year) if prev_path else None
    return Settings(form, year, deadline, roster, previous)


def _previous(path: Path, year: int) -> dict[str, dict[str, Value]]:
    """Last year's figures: a desk's working folder (its store as collect judges it), or what
    ``govxl collect --previous`` takes (a summary or a folder of returns)."""
    if (path / "desk.db").is_file():
        roster = next(iter(sorted(path.glob("名册.*"))), None)
        if roster is not None:
            report = collect(path / "收件箱", read_roster(roster))
            used = {f.relative: f for f in report.files if f.use == Use.USED}
            out: dict[str, dict[str, Value]] = {}
            for u in report.units:
                fr = used.get(u.file)
                if u.status.accepted and fr is not None and fr.ret is not None:
                    out[u.code] = fr.ret.all_values()
            return out
        path = path / "收件箱"
    found = load_previous(path)
    if found.year is not None and found.year != year - 1:
        raise SetupError(
            f"--previous 给出的上年数据 {path} 是 {found.year} 年度的，不是 {year - 1} 年度。"
            f"请指定 {year - 1} 年度的收件台工作目录、汇总表或报表文件夹。"
        )
    return found.values
