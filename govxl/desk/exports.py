"""The office's downloads, made on demand from the judged store by the same code as the commands:
审核结果.xlsx as ``govxl collect`` writes it, the summary and 明细 as ``govxl merge`` writes them,
the returns that count as a zip, the archive's two ledgers as a workbook, and the units' links.

Everything a unit typed (file names, comments) is written as a string cell: it never becomes a
formula in a workbook the office opens.
"""

from __future__ import annotations

import io
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

from xlsxwriter.workbook import Workbook

from govxl.collect.outputs import results_workbook
from govxl.collect.status import Status
from govxl.desk.archive import Action, Upload
from govxl.desk.overlay import Judged
from govxl.desk.standing import ACTIONS
from govxl.merge import MergeResult, merge
from govxl.merge.tidy import csv_text, rows, write_tidy
from govxl.merge.write import summary_bytes
from govxl.roster import Roster, safe_filename

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def results(j: Judged) -> bytes:
    return results_workbook(j.report)


def merged(j: Judged, roster: Roster) -> MergeResult:
    """What ``govxl merge`` sums over the files that count, with the office's choices."""
    return merge([], roster=roster, reports=[j.report])


State = tuple[int, int, tuple[tuple[str, str, str], ...]]


def state_of(j: Judged, uploads: list[Upload], actions: list[Action]) -> State:
    """What the summary depends on: the last row of each ledger (any upload or office action
    moves it) and the file that counts for each unit, by content (a file put into the store by
    hand and read at the next start moves that)."""
    counted = tuple((u.code, u.file, u.sha256) for u in j.report.units if u.file)
    return (uploads[-1].id if uploads else 0, actions[-1].id if actions else 0, counted)


class Summaries:
    """The summary merged once per state of the archive, not once per download: merging a
    thousand returns and writing the workbook takes seconds; the office downloads it often."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.merges = 0
        """How many times a summary was merged (the desk's tests count them)."""
        self._state: State | None = None
        self._result: MergeResult | None = None
        self._bytes: bytes | None = None

    def result(self, j: Judged, roster: Roster, state: State) -> MergeResult:
        with self.lock:
            if self._result is None or self._state != state:
                self._result, self._bytes = merged(j, roster), None
                self._state = state
                self.merges += 1
            return self._result

    def summary(self, j: Judged, roster: Roster, state: State) -> bytes:
        result = self.result(j, roster, state)
        with self.lock:
            if self._result is not result:  # a newer state came in meanwhile: not kept
                return summary_bytes(result)
            if self._bytes is None:
                self._bytes = summary_bytes(result)
            return self._bytes


def tidy(result: MergeResult, suffix: str) -> bytes:
    s = result.summary
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"明细{suffix}"
        write_tidy(rows(s.form, s.year, result.rows), path)
        return path.read_bytes()


def returns_zip(j: Judged) -> bytes:
    """The file that counts for each unit, named after the unit (as templates are)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for u in j.report.units:
            fr = j.by_file.get(u.file)
            if fr is None or u.status in (Status.MISSING,):
                continue
            z.write(fr.path, safe_filename(u.code, u.name, fr.path.suffix.lower()))
    return buf.getvalue()


def _book() -> tuple[io.BytesIO, Workbook]:
    buf = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    return buf, Workbook(buf, {**options, "strings_to_numbers": False})


def _sheet(
    wb: Workbook,
    name: str,
    heads: Sequence[str],
    rows: list[Sequence[object]],
    *,
    links: int | None = None,
) -> None:
    """A list with a header row; column ``links`` holds web addresses, written as links a clerk
    clicks (the text is the address itself), every other text as a string, never a formula."""
    ws = wb.add_worksheet(name)
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for c, h in enumerate(heads):
        ws.write_string(0, c, h, bold)
        ws.set_column(c, c, max(10, min(40, len(h) * 3)))
    if links is not None:
        ws.set_column(links, links, 70)  # an address read whole, not cut at the column's edge
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row):
            if isinstance(v, int):
                ws.write_number(r, c, v)
            elif c == links and isinstance(v, str) and v.startswith(("http://", "https://")):
                # past Excel's limits (2,079 characters, 65,530 links a sheet) it stays text
                if ws.write_url(r, c, v, string=v) < 0:
                    ws.write_string(r, c, v)
            else:
                ws.write_string(r, c, "" if v is None else str(v))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(heads) - 1)


def audit_trail(uploads: list[Upload], actions: list[Action], names: dict[str, str]) -> bytes:
    buf, wb = _book()
    _sheet(
        wb,
        "上传记录",
        (
            "序号",
            "时间",
            "单位代码",
            "单位名称",
            "途径",
            "原文件名",
            "大小（字节）",
            "sha256",
            "保存为",
            "来源地址",
            "当时的审核结果",
            "问题数",
        ),
        [
            (
                u.id,
                u.at,
                u.unit,
                names.get(u.unit, ""),
                LINKS.get(u.link, u.link),
                u.original_name,
                u.size,
                u.sha256,
                u.stored,
                u.client,
                Status(u.verdict).zh,
                len(u.finding_dicts()),
            )
            for u in uploads
        ],
    )
    _sheet(
        wb,
        "办公室操作",
        ("序号", "时间", "单位代码", "单位名称", "操作", "针对的上传序号", "意见", "来源地址"),
        [
            (
                a.id,
                a.at,
                a.unit,
                names.get(a.unit, ""),
                ACTIONS.get(a.kind, a.kind),
                a.upload if a.upload is not None else "",
                a.comment,
                a.client,
            )
            for a in actions
        ],
    )
    wb.close()
    return buf.getvalue()


LINKS = {"unit": "单位链接", "note": "单位页面填写说明", "office": "办公室"}


def links_book(office: str, units: list[tuple[str, str, str]]) -> bytes:
    """The links for a mail merge: one row per unit, the office's own on a sheet of its own;
    each a link the clerk can click to try it."""
    buf, wb = _book()
    _sheet(wb, "单位链接", ("单位代码", "单位名称", "专用链接"), list(units), links=2)
    _sheet(wb, "办公室链接", ("用途", "链接"), [("办公室（请勿外传）", office)], links=1)
    wb.close()
    return buf.getvalue()


def links_csv(units: list[tuple[str, str, str]]) -> bytes:
    lines = ["单位代码,单位名称,专用链接"]
    for code, name, url in units:
        lines.append(",".join(_csv_field(csv_text(x)) for x in (code, name, url)))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text
