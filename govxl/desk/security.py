"""Nobody in: who may ask what, forms that only the desk's own pages can send, bodies in bounds.

- A unit's link carries its token (``secrets``, compared in constant time); the office holds
  its own token, as a cookie set by its link or as ``Authorization: Bearer`` for scripts.
- Every form carries a CSRF token (an HMAC of the desk's key and who the page is for), and
  every POST whose ``Origin`` names another site is refused: a page elsewhere cannot make a
  clerk's browser upload, confirm or return anything.
- A request body over the limit is answered 413 before anything is stored: the declared
  length is checked first and the bytes are counted as they arrive.
- Every answer says: no framing, no sniffing, no referrer (the links carry tokens), a
  Content-Security-Policy that runs only the desk's own script, and nothing cached.
"""

from __future__ import annotations

import hashlib
import hmac
from html import escape
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OFFICE_COOKIE = "govxl_office"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class BodyTooLarge(Exception):
    """The request body is larger than the desk accepts."""


def csrf_token(key: str, scope: str) -> str:
    return hmac.new(key.encode(), scope.encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: str, scope: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(key, scope), str(given))


def same_origin(request: Request) -> bool:
    """No other site named in ``Origin``. Browsers send ``Origin: null`` for the desk's own
    forms (its pages send no referrer, so that tokens in links never leak): such a request is
    not told apart here and must carry the form's CSRF token."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


class Guard:
    """ASGI middleware: the body limit and the security headers on every answer."""

    def __init__(self, app: ASGIApp, limit: int, message: str) -> None:
        self.app = app
        self.limit = limit
        self.message = message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def headed(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, headed)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, counted, headed)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, headed)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        """413, after reading what the client still sends (up to a bound): a client that is
        cut off while it writes sees a broken connection instead of the answer."""
        drained = 0
        while drained < 8 * self.limit:
            message = await receive()
            if message["type"] != "http.request":
                break
            drained += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
        response: Response
        if "application/json" in accept:
            response = JSONResponse({"error": "too-large", "message": self.message}, 413)
        else:
            response = HTMLResponse(page("文件太大", self.message), 413)
        await response(scope, receive, send)


def page(title: str, message: str) -> str:
    """A bare page for answers given before the templates are involved."""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<link rel="stylesheet" href="/static/desk.css"><title>{escape(title)}</title></head>'
        f'<body><main class="narrow"><h1>{escape(title)}</h1><p class="refusal">{escape(message)}'
        "</p><p>请返回上一页。</p></main></body></html>"
    )
