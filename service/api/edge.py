"""The HTTP edge: which `Host` names the service answers, cross-site writes, compression.

Two attacks reach a service on loopback from a browser page on another site:

* **DNS rebinding.** A page on `attacker.example` makes its own name resolve to 127.0.0.1 and
  then talks to the service as a same-origin page: the request arrives with
  `Host: attacker.example:8000`. So only the names the service is served under are answered
  (`ServedHosts`): the loopback names (`127.0.0.1`, `localhost`, `[::1]`), the bound host, the
  host of `TRISKEL_PUBLIC_URL` and what `TRISKEL_SERVED_HOSTS` adds; any other `Host` is a
  421 (Misdirected Request) before routing. The port is not compared for these names: a
  rebinding attack changes the name, never the port, and a port check would only break a
  server started by another runner on another port.
* **Cross-site request forgery.** A plain HTML form may POST `application/x-www-form-urlencoded`
  or `multipart/form-data` to any origin without a CORS preflight, and the browser adds any
  credentials it holds for that origin (HTTP Basic included). So a request that may change
  state (any method but GET, HEAD, OPTIONS) from another origin (`Origin` that is not the
  service's own, or `Sec-Fetch-Site: cross-site|same-site`) is a 403 unless it carries a
  bearer token, which a browser never adds on its own.

`Compression` gzips answers of 1 KB and more for clients that ask for it, chunk by chunk for
streamed answers, and weakens a strong `ETag` on a compressed answer (the bytes differ from
the identity representation the tag was computed over, RFC 9110 §8.8.3; a 304 to a client that
accepts gzip carries the weak tag too, since it stands for the compressed answer).

>>> hosts = ServedHosts.build(bound="127.0.0.1", public_url=None, extra="kg.example.org:443")
>>> [hosts.allows(h) for h in ("localhost:8000", "[::1]", "kg.example.org:443", "kg.example.org")]
[True, True, True, False]
>>> hosts.allows("attacker.example:8000")
False
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.problems import problem
from service.errors import InputError

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
"""Names that always reach this machine only: always served."""
WILDCARDS = ("", "0.0.0.0", "::", "[::]")
"""Bind addresses that are no name a client could use."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing; every other method is checked for its origin."""
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
GZIP_MINIMUM_BYTES = 1024
"""Smaller answers are sent as they are: gzip's header and the CPU cost outweigh the gain."""
GZIP_LEVEL = 1
"""Measured on 8.4 MB of N-Triples here (2 shared cores): level 1 shrinks it 18.9x at 38 MB/s,
level 6 23.1x at 16 MB/s, level 9 23.2x at 10 MB/s. Most of the gain for a third of the CPU,
as nginx's default; CPU is what a busy query server lacks, not bandwidth."""


def split_host(value: str) -> tuple[str, str | None]:
    """Split a `Host` value (or `name:port` entry) into a lower-case name and a port.

    >>> split_host("[::1]:8000"), split_host("LocalHost"), split_host("kg.example.org:443")
    (('[::1]', '8000'), ('localhost', None), ('kg.example.org', '443'))
    """
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value.partition("]")
        return f"{name}]", rest.removeprefix(":") or None
    name, sep, port = value.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name, port
    return value, None


def _bracketed(host: str) -> str:
    """An IPv6 literal as it appears in a `Host` header (`::1` -> `[::1]`)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass(frozen=True, slots=True)
class ServedHosts:
    """The `Host` names one app answers: names with any port, and `name:port` pairs."""

    names: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    anything: bool = False

    @classmethod
    def build(cls, *, bound: str, public_url: str | None, extra: str) -> ServedHosts:
        """Loopback names, the bound host (unless a wildcard), the host of `public_url`, and
        the comma-separated `extra` entries (`name`, `name:port`, or `*` for any host).
        Raises `InputError` for an empty entry."""
        names = set(LOOPBACK_NAMES)
        pairs: set[tuple[str, str]] = set()
        if bound.lower() not in WILDCARDS:
            names.add(_bracketed(bound.lower()))
        if public_url:
            names.add(split_host(urlsplit(public_url).netloc)[0])
        anything = False
        for position, entry in enumerate(extra.split(","), 1):
            if not entry.strip():
                if extra.strip():
                    raise InputError(f"TRISKEL_SERVED_HOSTS entry {position} is empty")
                continue
            if entry.strip() == "*":
                anything = True
                continue
            name, port = split_host(entry)
            if port is None:
                names.add(name)
            else:
                pairs.add((name, port))
        return cls(frozenset(names), frozenset(pairs), anything)

    def allows(self, host: str) -> bool:
        """True if a request with this `Host` value is meant for this service."""
        if self.anything:
            return True
        name, port = split_host(host)
        return name in self.names or (port is not None and (name, port) in self.pairs)


def _origin_of(scheme: str, host: str) -> str:
    """`scheme://host[:port]` with the scheme's default port left out.

    >>> _origin_of("http", "localhost:80"), _origin_of("https", "Kg.Example.org:8443")
    ('http://localhost', 'https://kg.example.org:8443')
    """
    name, port = split_host(host)
    if port is None or DEFAULT_PORTS.get(scheme) == port:
        return f"{scheme}://{name}"
    return f"{scheme}://{name}:{port}"


def cross_site(scope: Scope, headers: Headers) -> bool:
    """True if the browser says this request comes from a page of another origin.

    `Origin` decides when present (`null`, from sandboxed frames and files, is foreign);
    otherwise `Sec-Fetch-Site`. A request with neither (curl, SPARQL libraries) is no
    browser's cross-site request.
    """
    origin = headers.get("origin")
    if origin is not None:
        parts = urlsplit(origin.strip())
        if not parts.scheme or not parts.netloc:
            return True
        own = _origin_of(str(scope.get("scheme", "http")), headers.get("host", ""))
        return _origin_of(parts.scheme.lower(), parts.netloc) != own
    return headers.get("sec-fetch-site", "").strip().lower() in ("cross-site", "same-site")


def _bearer(headers: Headers) -> bool:
    """True if the request carries a bearer token (never added by a browser on its own)."""
    return headers.get("authorization", "").lstrip().lower().startswith("bearer ")


class EdgeGuard:
    """ASGI middleware: answer only served `Host` names (421) and refuse cross-site requests
    that may change state without a bearer token (403), both as problem+json, before any
    routing, body reading or access check."""

    def __init__(self, app: ASGIApp, *, hosts: ServedHosts) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        if host is not None and not self.hosts.allows(host):
            refusal = problem(
                HTTPStatus.MISDIRECTED_REQUEST,
                "this service does not answer for the Host named in the request; "
                "a name it is served under goes in TRISKEL_SERVED_HOSTS",
            )
            await refusal(scope, receive, send)
            return
        if (
            scope["method"] not in SAFE_METHODS
            and not _bearer(headers)
            and cross_site(scope, headers)
        ):
            refusal = problem(
                HTTPStatus.FORBIDDEN,
                f"a {scope['method']} from a page of another origin is refused unless it "
                "carries an Authorization: Bearer token",
            )
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


class Compression(GZipMiddleware):
    """gzip for answers of `GZIP_MINIMUM_BYTES` and more (streamed answers chunk by chunk);
    a strong `ETag` of a compressed answer becomes weak, so a cache never mixes the
    compressed and the identity bytes under one strong validator."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        gzip_accepted = "gzip" in Headers(scope=scope).get("accept-encoding", "")

        async def weaken_etag(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                etag = headers.get("etag")
                compressed = headers.get("content-encoding") == "gzip"
                # a 304 stands for the representation this client would get: the gzipped one
                revalidated = message["status"] == 304 and gzip_accepted
                if etag and etag.startswith('"') and (compressed or revalidated):
                    headers["etag"] = f"W/{etag}"
            await send(message)

        await super().__call__(scope, receive, weaken_etag)


def public_base(*, host: str, port: int, public_url: str | None) -> str:
    """The base URL the service's own IRIs are built on (service description, base IRI of
    queries and updates): `TRISKEL_PUBLIC_URL` when set, else the bound address (loopback for
    a wildcard bind). Never the request's `Host`, so the IRIs do not depend on the caller.
    Raises `InputError` for a public URL that is not an absolute http(s) URL.

    >>> public_base(host="127.0.0.1", port=8000, public_url=None)
    'http://127.0.0.1:8000'
    >>> public_base(host="::", port=8000, public_url="https://kg.example.org/triskel/")
    'https://kg.example.org/triskel'
    """
    if public_url is None:
        name = "127.0.0.1" if host.lower() in WILDCARDS else _bracketed(host)
        return f"http://{name}:{port}"
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InputError("TRISKEL_PUBLIC_URL must be an absolute http(s) URL without query")
    return public_url.rstrip("/")
