"""The desk's web application: its routes, its static files and its guard, on Starlette.

Starlette rather than FastAPI: the desk's API is a handful of routes whose answers the pages
already compute, so request models and OpenAPI (pydantic) would add a large dependency and
start-up time for nothing; Starlette is the toolkit FastAPI is built on, kept by the same
people, with the test client, static files and streaming responses the desk needs. uvicorn
serves it; templates and the one script and style sheet ship inside the package.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from govxl.desk import pages_office, pages_unit
from govxl.desk.answers import too_large
from govxl.desk.intake import Desk
from govxl.desk.security import Guard
from govxl.desk.web import BODY_LIMIT, Web, guarded, home, not_found, office_login


def create_app(desk: Desk) -> Starlette:
    web = Web(desk)
    routes = [
        Route("/", guarded(web, home)),
        Route("/o/{token}", guarded(web, office_login)),
        *[Route(path, guarded(web, h), methods=m) for path, h, m in pages_unit.ROUTES],
        *[Route(path, guarded(web, h), methods=m) for path, h, m in pages_office.ROUTES],
        Mount("/static", StaticFiles(packages=[("govxl.desk", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
    app.add_middleware(Guard, limit=BODY_LIMIT, message=too_large())
    app.state.desk = desk
    app.state.web = web
    return app
