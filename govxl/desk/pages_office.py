"""The office's side: the board, a unit's versions side by side, the actions, the downloads, the
live updates and the JSON API. Every route here asks for the office's credential first.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from govxl.desk import charts, exports
from govxl.desk.answers import Refused
from govxl.desk.intake import verdict_of
from govxl.desk.standing import ACTIONS, Standing
from govxl.desk.views import board_rows, counts, history, marked_tables, notes_of, versions
from govxl.desk.web import Web, client, download

EVENTS_FOR = 600.0
"""Seconds one event stream stays open; the browser's EventSource then reconnects by itself."""


def _board(web: Web) -> dict[str, Any]:
    desk = web.desk
    j = desk.judged()
    units = desk.settings.roster.units
    contacts = {u.code: " ".join(x for x in (u.contact, u.phone) if x) for u in units}
    rows = board_rows(j, desk.uploads, desk.settings.deadline, contacts)
    return {
        "rows": rows,
        "counts": counts(j),
        "overdue": sum(r.overdue for r in rows),
        "generation": j.generation,
        "Standing": Standing,
    }


async def board(web: Web, request: Request) -> Response:
    web.office(request)
    desk = web.desk
    context = await run_in_threadpool(_board, web)
    j = desk.judged()
    s = desk.settings
    apps = next((c.id for c in s.form.table_cells("t3") if c.row == "r1" and c.computed), "")
    pictures = [
        charts.by_day(desk.uploads, len(s.roster.units), s.deadline, date.today()),
        charts.applications(j, apps),
    ]
    return web.page("office.html", **context, charts=pictures, csrf=web.csrf("office"))


async def board_fragment(web: Web, request: Request) -> Response:
    """The board's counts and rows, for the page to swap in when something changed."""
    web.office(request)
    context = await run_in_threadpool(_board, web)
    return web.page("office_rows.html", **context)


async def events(web: Web, request: Request) -> Response:
    """Server-sent events: ``change`` with the store's generation whenever it moves."""
    web.office(request)
    desk = web.desk

    async def stream() -> Any:
        seen = -1
        waited = 0.0
        yield "retry: 2000\n\n"
        while waited < EVENTS_FOR and not await request.is_disconnected():
            if desk.generation != seen:
                seen = desk.generation
                yield f"event: change\ndata: {seen}\n\n"
            elif int(waited * 2) % 30 == 0:
                yield ": still here\n\n"
            await asyncio.sleep(0.5)
            waited += 0.5

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"x-accel-buffering": "no"}
    )


async def office_unit(web: Web, request: Request) -> Response:
    web.office(request)
    desk = web.desk
    code = request.path_params["code"]
    unit = desk.settings.roster.by_code().get(code)
    if unit is None:
        raise Refused(404, f"名册中没有单位 {code}。")
    j = desk.judged()
    vs = versions(j, code, desk.uploads)
    q = request.query_params
    picked = [_find(vs, q.get("a")), _find(vs, q.get("b"))]
    default = list(vs[:2])
    side = [p or (default[i] if i < len(default) else None) for i, p in enumerate(picked)]
    columns = []
    for pair in side:
        if pair is None:
            continue
        fr, up = pair
        tables, rest = marked_tables(fr.ret, fr.findings) if fr.ret else ([], [])
        if fr.ret is None:
            rest = notes_of(list(enumerate(fr.findings, 1)))
        columns.append(
            {"file": fr, "upload": up, "verdict": verdict_of(fr), "tables": tables, "rest": rest}
        )
    return web.page(
        "office_unit.html",
        unit=unit,
        status=j.units[code],
        counted=j.by_file.get(j.units[code].file),
        standing=j.standing[code],
        decided=j.decided_by.get(code),
        chosen=j.chosen.get(code),
        versions=[_row(fr, up) for fr, up in vs],
        columns=columns,
        LINKS=exports.LINKS,
        history=history(code, desk.uploads, desk.actions),
        csrf=web.csrf("office"),
        ACTIONS=ACTIONS,
    )


def _row(fr: Any, up: Any) -> dict[str, Any]:
    sev = [f.severity.value for f in fr.findings]
    unclear = any(f.code == "version-unclear" for f in fr.findings)
    return {
        "file": fr,
        "upload": up,
        "verdict": verdict_of(fr),
        "errors": sev.count("error"),
        "warnings": sev.count("warning"),
        # a version set aside, a file two units claim, or one collect could not tell apart
        "choosable": fr.ret is not None and (fr.use.value in ("superseded", "disputed") or unclear),
    }


def _find(vs: list[Any], wanted: str | None) -> Any:
    for fr, up in vs:
        if up is not None and str(up.id) == wanted:
            return fr, up
    return None


async def office_act(web: Web, request: Request) -> Response:
    web.office(request)
    code = request.path_params["code"]
    async with request.form(max_files=0, max_fields=10) as form:
        web.check_post(request, "office", form)
        kind = str(form.get("kind", ""))
        upload = str(form.get("upload", ""))
        comment = str(form.get("comment", ""))[:2000]
        # the version the page showed (confirm, return), or the file chosen (choose)
        file = str(form.get("chosen" if kind == "choose" else "file", ""))
    action = await run_in_threadpool(
        partial(web.desk.act, file=file),
        code,
        kind,
        int(upload) if upload.isdigit() else None,
        comment,
        client(request),
    )
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"id": action.id, "unit": code, "kind": kind, "at": action.at})
    return RedirectResponse(f"/office/unit/{code}", 303)


async def office_file(web: Web, request: Request) -> Response:
    """A received file as it arrived (the store's copy), under its original name."""
    web.office(request)
    wanted = request.path_params["upload"]
    up = next((x for x in web.desk.uploads if x.id == wanted), None)
    if up is None:
        raise Refused(404, "找不到这次上传。")
    try:
        data = (web.desk.archive.store / up.stored).read_bytes()
    except FileNotFoundError:
        raise Refused(404, f"{up.stored} 已不在收件箱中（可能被移走或删除）。") from None
    return download(data, up.original_name, "application/octet-stream")


DOWNLOADS = {
    "审核结果.xlsx": "审核结果（与 govxl collect 相同）",
    "汇总表.xlsx": "汇总表（与 govxl merge 相同）",
    "明细数据.csv": "明细数据 CSV",
    "明细数据.parquet": "明细数据 Parquet",
    "全部报表.zip": "各单位采用的报表（zip）",
    "操作记录.xlsx": "上传和操作记录",
    "单位链接.xlsx": "各单位的专用链接",
}


async def office_download(web: Web, request: Request) -> Response:
    web.office(request)
    name = request.path_params["name"]
    if name not in DOWNLOADS:
        raise Refused(404, f"没有这个下载：{name}")
    base = str(request.base_url).rstrip("/")
    data = await run_in_threadpool(_make, web, name, base)
    media = {"xlsx": exports.XLSX, "csv": "text/csv; charset=utf-8", "zip": "application/zip"}
    return download(data, name, media.get(name.rsplit(".", 1)[1], "application/octet-stream"))


def _make(web: Web, name: str, base: str) -> bytes:
    desk = web.desk
    with desk.lock:  # the verdicts and the ledgers they were judged with, together
        j, uploads, actions = desk.judged(), list(desk.uploads), list(desk.actions)
    roster = desk.settings.roster
    state = exports.state_of(j, uploads, actions)
    try:
        if name == "审核结果.xlsx":
            return exports.results(j)
        if name == "汇总表.xlsx":
            return web.summaries.summary(j, roster, state)
        if name.startswith("明细数据"):
            result = web.summaries.result(j, roster, state)
            return exports.tidy(result, "." + name.rsplit(".", 1)[1])
        if name == "全部报表.zip":
            return exports.returns_zip(j)
        if name == "单位链接.xlsx":
            return exports.links_book(*unit_links(web, base))
    except ValueError as e:  # sources that cannot be merged; Parquet without pyarrow
        raise Refused(409, str(e)) from None
    names = {u.code: u.name for u in roster.units}
    return exports.audit_trail(uploads, actions, names)


def unit_links(web: Web, base: str) -> tuple[str, list[tuple[str, str, str]]]:
    desk = web.desk
    units = [(u.code, u.name, f"{base}/u/{desk.links[u.code]}") for u in desk.settings.roster.units]
    return f"{base}/o/{desk.office_token}", units


async def api_units(web: Web, request: Request) -> Response:
    """``GET /api/units``: the board as JSON, for scripts (``Authorization: Bearer``)."""
    web.office(request)
    context = await run_in_threadpool(_board, web)
    j = web.desk.judged()
    last: dict[str, str] = {}
    for up in web.desk.uploads:
        last[up.unit] = max(last.get(up.unit, ""), up.at)
    units = [
        {
            "code": r.code,
            "name": r.name,
            "status": r.standing.value,
            "status_zh": r.standing.zh,
            "collect_status": j.units[r.code].status.value,
            "last_upload": last.get(r.code),
            "versions": r.versions,
            "errors": r.errors,
            "warnings": r.warnings,
            "file": j.units[r.code].file,
            "overdue": r.overdue,
        }
        for r in context["rows"]
    ]
    body = {"year": web.desk.settings.year, "form": web.desk.settings.form.id, "units": units}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


ROUTES = [
    ("/office", board, ["GET"]),
    ("/office/rows", board_fragment, ["GET"]),
    ("/office/events", events, ["GET"]),
    ("/office/unit/{code}", office_unit, ["GET"]),
    ("/office/unit/{code}/act", office_act, ["POST"]),
    ("/office/file/{upload:int}", office_file, ["GET"]),
    ("/office/download/{name}", office_download, ["GET"]),
    ("/api/units", api_units, ["GET"]),
]
