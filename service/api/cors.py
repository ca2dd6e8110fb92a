"""CORS for SPARQL readers hosted elsewhere (YASGUI, Sparnatural): `/sparql` only.

Origins listed in `TRISKEL_CORS_ORIGINS` (comma-separated `scheme://host[:port]`) may send
GET and POST queries to `/sparql` with an `Authorization` header and read the answers;
the preflight is answered before access is checked (it carries no token). No cookies
(`Allow-Credentials` is never sent), and no other path: writes (`/update`, `/store`) stay
same-origin, and a cross-origin POST still needs a bearer token at the edge
(`service.api.edge.EdgeGuard`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from service.errors import InputError

PATH = "/sparql"
METHODS = ("GET", "POST")
HEADERS = ("Authorization", "Accept", "Content-Type")
EXPOSED = ("Triskel-Truncated",)


def parse_origins(spec: str) -> tuple[str, ...]:
    """The origins of `TRISKEL_CORS_ORIGINS`; anything but `scheme://host[:port]` (a path,
    a wildcard) is an `InputError` naming the entry.

    >>> parse_origins("https://yasgui.example.org, http://localhost:3000")
    ('https://yasgui.example.org', 'http://localhost:3000')
    >>> parse_origins("https://a.example/path")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    service.errors.InputError: TRISKEL_CORS_ORIGINS entry 1 is not scheme://host[:port]: ...
    """
    origins: list[str] = []
    for position, item in enumerate(filter(None, (p.strip() for p in spec.split(","))), 1):
        parts = urlsplit(item)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
        ):
            raise InputError(
                f"TRISKEL_CORS_ORIGINS entry {position} is not scheme://host[:port]: {item!r}"
            )
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)


class SparqlCORS:
    """ASGI middleware: Starlette's CORS handling for `/sparql` and the listed origins;
    every other path, and every request when no origin is listed, passes through."""

    def __init__(self, app: ASGIApp, *, origins: tuple[str, ...]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=METHODS,
            allow_headers=HEADERS,
            expose_headers=EXPOSED,
            allow_credentials=False,
        )
        self.enabled = bool(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.enabled and scope["type"] == "http" and scope["path"] == PATH:
            await self.cors(scope, receive, send)
            return
        await self.app(scope, receive, send)
