"""The Python API for analysts: ``govxl.read(path).to_frame()``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from govxl.check.findings import Finding
from govxl.check.read import UnreadableReturn, inspect_file
from govxl.check.summary import Contribution, read_contributions
from govxl.forms.returns import Member, Return
from govxl.merge.tidy import rows, to_frame
from govxl.paths import shown

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Workbook:
    """A return or a summary as read and checked by govxl."""

    path: Path
    ret: Return
    findings: list[Finding]
    sha256: str

    @property
    def valid(self) -> bool:
        return not any(f.severity.value == "error" for f in self.findings)

    def contributions(self) -> list[Contribution]:
        """The units in it: the unit itself, or every member row of a summary's 明细."""
        if self.ret.kind == "summary":
            return read_contributions(self.path, self.ret.form, via=self.ret.unit_code)
        member = Member(self.ret.unit_code, self.ret.unit_name, self.sha256, shown(self.path.name))
        return [Contribution(member, dict(self.ret.values))]

    def to_frame(self) -> pd.DataFrame:
        """One row per unit × input cell (see ``govxl.merge.tidy.COLUMNS``)."""
        return to_frame(rows(self.ret.form, self.ret.year, self.contributions()))


def read(path: str | Path) -> Workbook:
    """Read and check a workbook; raises ``UnreadableReturn`` when nothing can be read."""
    res = inspect_file(Path(path))
    if res.ret is None:
        raise UnreadableReturn("；".join(f.message for f in res.findings))
    return Workbook(res.path, res.ret, res.findings, res.sha256)
