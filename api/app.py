"""The FastAPI application: routes, error mapping and the built web front end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.convertors import PathConvertor, register_url_convertor

from api import middleware, problems
from api.platform import Platform
from api.routes import (
    actions,
    aggregate,
    apps,
    auth,
    bulk,
    catalog,
    channels,
    deliveries,
    departments,
    files,
    health,
    jobs,
    notifications,
    preview,
    records,
    rules,
    saved_views,
    security_events,
    sessions,
    tokens,
    transfer,
    users,
)
from api.settings import Settings

NO_WEB_BUILD = """<!doctype html><meta charset="utf-8"><title>Formwork</title>
<p>The API is running, but the web front end is not built. Run <code>make run</code>
(or <code>make web</code>) to build it.</p>"""


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    platform = platform or Platform(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        platform.close()

    app = FastAPI(title="Formwork", version="0.1.0", lifespan=lifespan)
    app.state.platform = platform
    problems.install(app)
    # Order matters twice. apps before records: /api/apps/{app}/definition is
    # the app's, not a list of an entity "definition". preview, aggregate,
    # transfer and actions before records: GET /{record_id} would claim
    # /preview, /aggregate, /export and the /{record_id}/actions prefix.
    # And the rest after records: routes are tried in order, and record
    # requests are the most frequent by far (about 7% of a create was routing).
    routers = (
        apps,
        preview,
        aggregate,
        transfer,
        actions,
        rules,  # RULES: before records, which would claim /{app}/rules
        saved_views,  # LISTS: before records, which would claim /saved-views
        bulk,
        records,
        health,
        auth,
        sessions,  # SESSIONS: sessions, API tokens, security events
        tokens,
        security_events,
        users,
        departments,
        catalog,
        files,
        jobs,  # JOBS: the job runner's admin API
        notifications,  # MESSAGING: in-app notifications, deliveries, channel settings
        deliveries,
        channels,
    )
    for module in routers:
        app.include_router(module.router)
    _serve_web(app, settings)
    middleware.install(app, settings, platform)
    return app


class WebPath(PathConvertor):
    """Any path of the web app: everything but ``/api`` and ``/api/…``, whose
    unknown paths and wrong methods are the API's 404s and 405s."""

    regex = "(?!api(?:/|$)).*"


def _serve_web(app: FastAPI, settings: Settings) -> None:
    dist = settings.web_dist
    assets = dist / "assets"
    if assets.is_dir():
        app.mount("/assets", StaticFiles(directory=assets), name="assets")

    # HEAD too: a GET resource must answer HEAD (RFC 9110), and load balancers
    # and uptime checks probe the page with it. API paths never match (see
    # WebPath), so a wrong method on an API route stays a 405 with its Allow.
    register_url_convertor("web_path", WebPath())

    @app.api_route("/{path:web_path}", methods=["GET", "HEAD"], include_in_schema=False)
    def spa(path: str) -> Response:
        # Client-side routes all load the same page.
        found = _file_in(dist, path) if path else None
        if found is not None:
            return FileResponse(found)
        index = dist / "index.html"
        if not index.is_file():
            return HTMLResponse(NO_WEB_BUILD)
        return FileResponse(index)


def _file_in(root: Path, path: str) -> Path | None:
    """The file ``path`` names inside ``root``, or None (outside it, missing, or
    a name the file system refuses: a path of 300 characters made ``is_file``
    raise "File name too long", a 500 to anyone)."""
    try:
        candidate = (root / path).resolve()
        if candidate.is_relative_to(root.resolve()) and candidate.is_file():
            return candidate
    except (OSError, ValueError):
        pass
    return None
