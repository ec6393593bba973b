"""The unit's page, reached by its own link: its template, its uploads, its verdicts, its
history and the office's comments — and nothing of any other unit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from govxl.check.findings import Finding
from govxl.collect.run import FileResult
from govxl.collect.status import Status
from govxl.desk.answers import ACCEPT, SUFFIXES, TAKEN, Refused, not_a_return
from govxl.desk.archive import Upload
from govxl.desk.exports import XLSX
from govxl.desk.intake import Outcome, verdict_of
from govxl.desk.notes import add_note
from govxl.desk.standing import Standing
from govxl.desk.views import history, marked_tables, notes_of
from govxl.desk.web import Web, client, download
from govxl.forms import Severity
from govxl.forms.returns import Return
from govxl.roster import safe_filename
from govxl.template.writer import render


async def unit_page(web: Web, request: Request) -> Response:
    code = web.unit(request)
    desk = web.desk
    j = desk.judged_for({code})  # this unit's files: quick however large the store
    u = j.units[code]
    mine = [x for x in desk.uploads if x.unit == code]
    chosen = _pick(mine, request.query_params.get("v"))
    shown: dict[str, Any] = {}
    if chosen is not None:
        fr = j.by_file.get(chosen.stored)
        shown = _version(chosen, fr)
    counted_here = any(x.stored == u.file for x in mine)
    return web.page(
        "unit.html",
        unit=desk.settings.roster.by_code()[code],
        token=request.path_params["token"],
        standing=j.standing[code],
        status=u,
        counted_here=counted_here,
        decided=j.decided_by.get(code),
        uploads=list(reversed(mine)),
        shown=shown,
        history=history(code, desk.uploads, desk.actions),
        csrf=web.csrf("unit:" + code),
        Standing=Standing,
        accept=ACCEPT,
        taken=TAKEN,
    )


def _pick(mine: list[Upload], wanted: str | None) -> Upload | None:
    if wanted and wanted.isdigit():
        for x in mine:
            if x.id == int(wanted):
                return x
    return mine[-1] if mine else None


def _version(up: Upload, fr: FileResult | None) -> dict[str, Any]:
    """One upload as its unit sees it: verdict, use, tables with marks, what can be explained."""
    if fr is None:
        return {"upload": up, "verdict": Status(up.verdict), "tables": [], "rest": [], "use": ""}
    tables, rest = marked_tables(fr.ret, fr.findings, for_unit=True) if fr.ret else ([], [])
    if fr.ret is None:
        rest = notes_of(list(enumerate(fr.findings, 1)), for_unit=True)
    explainable = [
        {"ref": f.rule, "where": f.where, "message": f.unit_message} for f in _open_checks(fr)
    ]
    return {
        "upload": up,
        "verdict": verdict_of(fr),
        "use": fr.use.zh,
        "tables": tables,
        "rest": rest,
        "explainable": explainable if fr.ret and up.stored.endswith((".xlsx", ".xlsm")) else [],
        "feedback": bool(fr.findings) and fr.ret is not None and up.stored.endswith(".xlsx"),
    }


def _open_checks(fr: FileResult) -> list[Finding]:
    """The 核实 a unit may answer with a 说明: a rule's warning not yet explained (only those
    can be explained on the 说明 sheet, see check.rules)."""
    return [
        f
        for f in fr.findings
        if f.severity is Severity.WARNING and not f.explained and f.rule and fr.ret is not None
    ]


async def unit_template(web: Web, request: Request) -> Response:
    code = web.unit(request)
    unit = web.desk.settings.roster.by_code()[code]
    s = web.desk.settings

    def make() -> bytes:
        return render(Return(s.form, year=s.year, unit_code=unit.code, unit_name=unit.name))

    data = await run_in_threadpool(make)
    return download(data, safe_filename(unit.code, unit.name), XLSX)


async def unit_upload(web: Web, request: Request) -> Response:
    code = web.unit(request)
    async with request.form(max_files=20, max_fields=20) as form:
        web.check_post(request, "unit:" + code, form)
        files = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
        if not files or all(not f.filename for f in files):
            raise Refused(400, "没有收到文件。请选择要上传的报表文件。")
        for f in files:  # one file that is no return: none stored, the unit sends them again
            if Path((f.filename or "").replace("\\", "/")).suffix.lower() not in SUFFIXES:
                raise Refused(415, not_a_return(f.filename or "未命名"))
        outcomes = []
        for f in files:
            data = await f.read()
            name = f.filename or "未命名"
            outcomes.append(
                await run_in_threadpool(web.desk.receive, code, name, data, client=client(request))
            )
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(upload_json(outcomes))
    return RedirectResponse(
        f"/u/{request.path_params['token']}?v={outcomes[-1].upload.id}#verdict", 303
    )


def upload_json(outcomes: list[Outcome]) -> dict[str, Any]:
    last = outcomes[-1]
    standing = last.judged.standing[last.unit.code]
    ups = [
        {
            "id": o.upload.id,
            "original_name": o.upload.original_name,
            "size": o.upload.size,
            "sha256": o.upload.sha256,
            "verdict": o.upload.verdict,
            "verdict_zh": Status(o.upload.verdict).zh,
            "use": o.file.use.value,
            "use_zh": o.file.use.zh,
            "findings": [f.to_unit_dict() for f in o.file.findings],
        }
        for o in outcomes
    ]
    return {
        "unit": {"code": last.unit.code, "name": last.unit.name},
        "status": standing.value,
        "status_zh": standing.zh,
        "uploads": ups,
        "findings": ups[-1]["findings"],
    }


async def unit_explain(web: Web, request: Request) -> Response:
    """A 说明 typed on the page: written into the return's 说明 sheet, received again, checked."""
    code = web.unit(request)
    async with request.form(max_files=0, max_fields=10) as form:
        web.check_post(request, "unit:" + code, form)
        wanted, ref, text = (
            str(form.get("upload", "")),
            str(form.get("ref", "")),
            str(form.get("text", "")),
        )
    up = _own(web, code, wanted)
    if not text.strip() or not ref.strip():
        raise Refused(400, "请写明情况说明后再提交。")
    fr = web.desk.judged_for({code}).by_file.get(up.stored)
    if fr is None or fr.ret is None:  # never handed to openpyxl: the reader refused it
        raise Refused(409, "这份文件无法读取，不能在其中填写说明。请修正后重新上传。")
    if ref.strip() not in {f.rule for f in _open_checks(fr)}:
        raise Refused(409, "这份文件没有需要核实的这一项，只能对页面上列出的核实项填写说明。")
    data = (web.desk.archive.store / up.stored).read_bytes()
    try:
        fixed = await run_in_threadpool(add_note, data, ref.strip(), text.strip()[:2000])
    except ValueError as e:
        raise Refused(409, str(e)) from None
    name = Path(up.original_name).stem + "（含说明）" + Path(up.stored).suffix
    outcome = await run_in_threadpool(
        web.desk.receive, code, name, fixed, client=client(request), link="note"
    )
    return RedirectResponse(f"/u/{request.path_params['token']}?v={outcome.upload.id}#verdict", 303)


def _own(web: Web, code: str, wanted: str) -> Upload:
    for x in web.desk.uploads:
        if str(x.id) == wanted and x.unit == code:
            return x
    raise Refused(404, "找不到这次上传。")


async def unit_feedback(web: Web, request: Request) -> Response:
    """The 退回 copy of one of the unit's own uploads: its workbook with the problems marked."""
    code = web.unit(request)
    up = _own(web, code, str(request.path_params["upload"]))
    fr = web.desk.judged_for({code}).by_file.get(up.stored)
    if fr is None or fr.ret is None:
        raise Refused(404, "这份文件无法读取，没有可以标注的退回文件。")

    def make() -> bytes | None:
        from govxl.collect.feedback import write_feedback  # openpyxl: loaded when asked

        with tempfile.TemporaryDirectory() as tmp:
            path = write_feedback(fr, Path(tmp))
            return path.read_bytes() if path else None

    data = await run_in_threadpool(make)
    if data is None:
        raise Refused(404, "只有 .xlsx 文件可以生成标注了问题的退回文件。")
    unit = web.desk.settings.roster.by_code()[code]
    return download(data, safe_filename(unit.code, unit.name + "（退回）"), XLSX)


ROUTES = [
    ("/u/{token}", unit_page, ["GET"]),
    ("/u/{token}/template", unit_template, ["GET"]),
    ("/u/{token}/upload", unit_upload, ["POST"]),
    ("/u/{token}/explain", unit_explain, ["POST"]),
    ("/u/{token}/feedback/{upload:int}", unit_feedback, ["GET"]),
]
