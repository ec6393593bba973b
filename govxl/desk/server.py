"""Running the desk: the links for the units and the office, and the uvicorn server.

The server is one process per district (see docs/deploy.md): uploads are checked in its worker
threads, new files read by the desk's reading pool (:mod:`govxl.desk.reading`), and the
archive's lock keeps the ledgers in order.
"""

from __future__ import annotations

import errno
import ipaddress
import signal
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from govxl.desk.archive import DB, Archive
from govxl.desk.intake import Desk
from govxl.desk.settings import SetupError
from govxl.roster import read_roster

DEFAULT_PORT = 8765


LOCAL_ONLY = (
    "这些链接的地址是 {host}，只能在运行收件台的这台电脑上打开，其他单位的电脑打不开。"
    "要让其他电脑访问：用 govxl serve 工作目录 --host 0.0.0.0（或本机的局域网地址）启动收件台，"
    "在前面放置启用 HTTPS 的 nginx 等反向代理（见 docs/deploy.md），"
    "再用 govxl links 工作目录 --base-url 对外的网址 重新生成链接。"
)
"""What a clerk must know before mailing links that point at this computer only."""


@dataclass(frozen=True)
class Links:
    office: str
    units: list[tuple[str, str, str]]
    """(code, name, url) in roster order."""

    @property
    def host(self) -> str:
        return urlsplit(self.office).hostname or ""

    @property
    def local(self) -> bool:
        """Whether the links reach this computer only (127.0.0.1, localhost)."""
        return not is_public(self.host)


def base_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def is_public(host: str) -> bool:
    """Whether the desk would answer other machines (then HTTPS belongs in front of it)."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def port_taken(host: str, port: int) -> str:
    """Why the desk cannot listen there ("" when it can): asked before the desk opens, so a
    clerk reads which port is taken instead of a server's traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself does
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return (
                    f"端口 {port} 已被其他程序占用（也许收件台已经在运行）。"
                    "请用 --port 换一个端口。"
                )
            return f"无法在 {host}:{port} 上监听：{e.strerror}。请检查 --host 和 --port。"
    return ""


def links(folder: Path, base: str | None = None) -> Links:
    """Every unit's private link and the office's, from the working folder."""
    if not (Path(folder) / DB).is_file():
        raise SetupError(f"{folder} 不是收件台工作目录（没有 {DB}）。请先运行 govxl serve。")
    archive = Archive(Path(folder))
    try:
        base = (base or archive.setting("url") or base_url("127.0.0.1", DEFAULT_PORT)).rstrip("/")
        roster = read_roster(Path(folder) / archive.setting("roster"))
        tokens = archive.ensure_links([u.code for u in roster.units])
        office = f"{base}/o/{archive.secret('office_token')}"
        units = [(u.code, u.name, f"{base}/u/{tokens[u.code]}") for u in roster.units]
        return Links(office, units)
    finally:
        archive.close()


def run(desk: Desk, host: str, port: int) -> None:
    """Serve until interrupted (Ctrl-C): an upload in progress finishes, then it stops."""
    # the web stack (uvicorn, Starlette, Jinja2) is loaded by `govxl serve` only, never by the
    # everyday commands
    import uvicorn

    from govxl.desk.app import create_app

    # uvicorn stops gracefully on SIGTERM, then raises it again: with Python's default action
    # the process would end there, before the caller closes the desk (and its reading pool)
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        uvicorn.run(
            create_app(desk),
            host=host,
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=3,
            server_header=False,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
