"""What every route of the desk shares: pages from Jinja2 templates (autoescaped: nothing a
unit typed becomes markup), refusals as a page or JSON, the office's credential, CSRF checks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from govxl.desk.answers import MAX_UPLOAD, Refused
from govxl.desk.exports import Summaries
from govxl.desk.intake import Desk
from govxl.desk.security import (
    OFFICE_COOKIE,
    bearer,
    csrf_ok,
    csrf_token,
    same_origin,
    wants_json,
)

BODY_LIMIT = MAX_UPLOAD + 256 * 1024
"""The largest file plus the form around it."""
log = logging.getLogger("govxl.desk")


class Web:
    """What every route needs: the desk, the templates, and the shared refusals."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.summaries = Summaries()
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("govxl.desk", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def page(self, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
        s = self.desk.settings
        base = {"form": s.form, "year": s.year, "deadline": s.deadline, "today": date.today()}
        html = self.env.get_template(template).render(**base, **context)
        return HTMLResponse(html, http_status)

    def refuse(self, request: Request, status: int, message: str) -> Response:
        if wants_json(request):
            return JSONResponse({"error": status, "message": message}, status)
        return self.page(
            "message.html", status, title=_TITLES.get(status, "无法完成"), message=message
        )

    def unit(self, request: Request) -> str:
        """The unit of the link, or Refused (404: an unknown link is not told apart)."""
        code = self.desk.unit_for(request.path_params["token"])
        if code is None:
            raise Refused(404, "这个链接无效。请使用区政务公开办公室发给本单位的专用链接。")
        return code

    def office(self, request: Request) -> None:
        """401 without the office credential, 403 with a wrong one."""
        given = bearer(request) or request.cookies.get(OFFICE_COOKIE)
        if not given:
            raise Refused(401, "这是办公室的页面。请用办公室专用链接打开（govxl links 可以显示）。")
        if not self.desk.is_office(given):
            raise Refused(403, "办公室凭据不正确。请用最新的办公室专用链接打开。")

    def check_post(self, request: Request, scope: str, form: Any) -> None:
        """A form from the desk's own page (CSRF token), or a script that asks for JSON or
        carries the office's Bearer token; never a page of another site."""
        if not same_origin(request):
            raise Refused(403, "请求来自其他网站，已拒绝。")
        if scope == "office" and self.desk.is_office(bearer(request) or ""):
            return
        scripted = "origin" not in request.headers and "csrf" not in form
        if scope != "office" and wants_json(request) and scripted:
            return  # a script with the unit's link: the token in the path is the credential
        if not csrf_ok(self.desk.csrf_key, scope, form.get("csrf")):
            raise Refused(403, "页面已过期或不是从本系统提交的。请刷新页面后再提交一次。")

    def csrf(self, scope: str) -> str:
        return csrf_token(self.desk.csrf_key, scope)


_TITLES = {
    400: "无法处理",
    401: "需要办公室凭据",
    403: "没有权限",
    404: "找不到",
    405: "无法打开",
    409: "无法操作",
    413: "文件太大",
    415: "不是报表文件",
    500: "收件台出错",
}


def client(request: Request) -> str:
    return request.client.host if request.client else ""


def download(data: bytes, name: str, media: str) -> Response:
    """A file with its Chinese name (RFC 5987) and a plain fallback for old programs."""
    ascii_name = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "_" for c in name)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media, headers={"content-disposition": disposition})


def guarded(web: Web, handler: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a ``Refused`` into its answer (page or JSON), and anything else that went wrong
    into a 500 a clerk can read (logged in full for whoever runs the desk), still behind the
    desk's headers."""

    async def endpoint(request: Request) -> Response:
        try:
            response: Response = await handler(web, request)
            return response
        except Refused as e:
            return web.refuse(request, e.status, e.message)
        except Exception:
            log.exception("%s %s", request.method, request.url.path)
            return web.refuse(request, 500, BROKEN)

    return endpoint


BROKEN = (
    "收件台出错，这次操作没有完成（已上传并收到审核结果的文件不受影响）。"
    "请稍后再试；如果一再出现，请告诉区政务公开办公室。"
)


async def not_found(request: Request, exc: Exception) -> Response:
    """An address the desk does not have, or a method it does not take there, in Chinese."""
    web: Web = request.app.state.web
    status = getattr(exc, "status_code", 404)
    if status == 405 and request.url.path.endswith("/upload"):
        return web.refuse(request, 405, "这个地址只接收文件。请从本单位的报送页面上传。")
    if status == 405:
        return web.refuse(request, 405, "这个地址不能这样打开。请从收件台的页面操作。")
    return web.refuse(request, 404, "找不到这个页面。请检查链接是否完整，或使用发给您的专用链接。")


async def home(web: Web, request: Request) -> Response:
    return web.page("home.html")


async def office_login(web: Web, request: Request) -> Response:
    """The office's link: keeps the token in a cookie (HttpOnly) and opens the board."""
    token = request.path_params["token"]
    if not web.desk.is_office(token):
        raise Refused(403, "办公室链接不正确。请用 govxl links 显示最新的办公室链接。")
    response = RedirectResponse("/office", 303)
    response.set_cookie(
        OFFICE_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=90 * 24 * 3600,
    )
    return response
