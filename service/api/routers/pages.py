"""The dashboard's pages (`/`, `/findings` for browsers, `/network`, `/entity`, `/query`,
`/diff`, `/import`, `/whatif`), `/docs`, `/redoc` and the built assets at `/static`.

Every page is the same small HTML shell (`static/index.html`, built from `web/` by
`make serve` / `make test` and carried by the wheel); its script reads the JSON routes
(`/findings`, `/alignment`, `/reports`, `/sparql`, `/queries`, `/health`, `/import/kinds`,
`/network/graph`; the Import page posts to `/import/{kind}`, the What-if page to `/whatif`)
with the token the person entered, so the shell itself holds no data and needs no role: what
a page shows still needs the `read` role. `/findings` is both the API and the Findings page: a
browser navigating there (its `Accept` prefers `text/html` to JSON) gets the page, every other
client the findings as before (`FindingsPage`). Swagger UI and ReDoc load their scripts from
`/static` too, so no page refers to another origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.negotiation import choose
from service.errors import NotAcceptableError, NotFoundError

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
"""The built dashboard (`web/build.mjs` writes it; not in git, in the wheel)."""
STATIC_URL = "/static"
SHELL = STATIC_DIR / "index.html"
HTML = "text/html"
JSON = "application/json"

router = APIRouter(include_in_schema=False)


def shell() -> FileResponse:
    """The page shell; a service run from a checkout that was never built says how to build."""
    if not SHELL.is_file():
        raise NotFoundError(
            "the dashboard is not built: run `make serve`, or `npm ci && npm run build` in web/"
        )
    return FileResponse(SHELL, media_type=HTML, headers={"Cache-Control": "no-cache"})


@router.get("/")
@router.get("/network")
@router.get("/entity")
@router.get("/query")
@router.get("/diff")
@router.get("/import")
@router.get("/whatif")
async def page() -> FileResponse:
    """Overview, the network, an entity's page, the SPARQL editor, the comparison of two
    reports, the import form and the what-if form: the shell picks the page by path."""
    return shell()


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over the OpenAPI document, from the service's own assets."""
    return get_swagger_ui_html(
        openapi_url=str(request.app.openapi_url),
        title=f"{request.app.title} API",
        swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
        swagger_favicon_url=f"{STATIC_URL}/favicon.svg",
        swagger_ui_parameters={"validatorUrl": None},  # no badge from validator.swagger.io
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    """ReDoc over the OpenAPI document, from the service's own assets (no web fonts)."""
    return get_redoc_html(
        openapi_url=str(request.app.openapi_url),
        title=f"{request.app.title} API",
        redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{STATIC_URL}/favicon.svg",
        with_google_fonts=False,
    )


def wants_page(headers: Headers) -> bool:
    """True when the caller prefers HTML to JSON: a browser's navigation (`text/html`
    listed before `*/*`), never curl's `*/*` or a script asking for JSON."""
    try:
        return choose(headers.get("accept"), (JSON, HTML)) == HTML
    except NotAcceptableError:
        return False


class FindingsPage:
    """ASGI middleware: a browser's GET of `/findings` gets the Findings page; everything
    else (the JSON, Turtle... views, other paths, any request while the dashboard is not
    built) passes through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and scope["path"] == "/findings"
            and SHELL.is_file()
            and wants_page(Headers(scope=scope))
        ):
            await shell()(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Add the pages, the Findings page's negotiation and the `/static` assets to `app`
    (built with `docs_url=None, redoc_url=None`: these `/docs` and `/redoc` replace
    FastAPI's, which load their scripts from a CDN)."""
    app.include_router(router)
    app.add_middleware(FindingsPage)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
