"""Fixtures of the hardening cases: an audit of outbound effects, a trap server, and services
whose store can be fingerprinted before and after each case.

The audit is a `sys.addaudithook` hook, installed once per process (audit hooks cannot be
removed) and switched on by the `audit` fixture for the length of one test. While on, it
records, from every Python thread:

* a `socket.connect` to an address that is not loopback, or to a loopback port that is not
  one the test declared its own (the remote store's server, a live uvicorn);
* an `open` of a file outside the repository, the shared test data (`TRISKEL_SHARED_DIR`), the
  temporary folders and the Python installation (stdlib, venv, site-packages).

Native code does not raise audit events (pyoxigraph's Rust parsers and HTTP client, Java),
so the targets the cases ask the service to fetch point, where they can, at the `trap`: a
loopback listener that records every connection it receives, whoever made it.
"""

from __future__ import annotations

import hashlib
import socket
import sys
import sysconfig
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from benchmarks.live import LiveServer, free_port, start
from service.settings import Settings
from service.store.base import Store
from service.store.system_graphs import SELF_CHECKED_PREFIX
from tests.api.conftest import TOKENS, _settings_factory, _start
from tests.oxigraph import endpoint_settings, remote_server, running_oxigraph
from tests.shared import SHARED_DIR

REPO = Path(__file__).resolve().parents[2]
TOKEN_SPEC = ",".join(f"{role}:{token}" for role, token in TOKENS.items())
WRITE = {"Authorization": f"Bearer {TOKENS['write']}"}
READ = {"Authorization": f"Bearer {TOKENS['read']}"}


def _allowed_roots() -> tuple[str, ...]:
    """Folders a case may read: the repository, the W3C suites (test data), temporary files,
    the Python installation."""
    paths = sysconfig.get_paths()
    roots = {
        REPO,
        SHARED_DIR,
        Path(tempfile.gettempdir()),
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.exec_prefix),
        *(Path(paths[key]) for key in ("stdlib", "platstdlib", "purelib", "platlib")),
    }
    return tuple(str(root.resolve()) for root in roots)


@dataclass
class Audit:
    """What the hook saw while it was on; `ports` are the loopback ports a case may use."""

    active: bool = False
    ports: set[int] = field(default_factory=set)
    seen: list[str] = field(default_factory=list)
    binds: list[object] = field(default_factory=list)
    roots: tuple[str, ...] = field(default_factory=_allowed_roots)

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        """The audit hook: cheap when off, records forbidden effects when on."""
        if not self.active:
            return
        if event == "socket.connect":
            self._connect(args[1])
        elif event == "open":
            self._open(args[0])
        elif event == "socket.bind":
            self.binds.append(args[1])  # not forbidden; noted for the tests of `serve`

    def _connect(self, address: Any) -> None:
        if not isinstance(address, tuple) or len(address) < 2:
            return  # a Unix socket: no network
        host, port = str(address[0]), int(address[1])
        if not _loopback(host) or port not in self.ports:
            self.seen.append(f"socket.connect to {host}:{port}")

    def _open(self, path: Any) -> None:
        if isinstance(path, int):
            return  # a descriptor already open
        name = path.decode(errors="replace") if isinstance(path, bytes) else str(path)
        resolved = str(Path(name).resolve()) if name else name
        if resolved != "/dev/null" and not resolved.startswith(self.roots):
            self.seen.append(f"open of {name}")

    def assert_clean(self) -> None:
        """Fail if anything forbidden happened so far in this test."""
        assert not self.seen, f"outbound effects during the case: {self.seen}"


def _loopback(host: str) -> bool:
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


AUDIT = Audit()
sys.addaudithook(AUDIT.hook)


@pytest.fixture(autouse=True)
def audit() -> Iterator[Audit]:
    """Switch the audit on for this test and fail it if anything forbidden was recorded."""
    AUDIT.seen.clear()
    AUDIT.binds.clear()
    AUDIT.ports.clear()
    AUDIT.active = True
    try:
        yield AUDIT
    finally:
        AUDIT.active = False
    AUDIT.assert_clean()


def start_live(folder: Path, audit: Audit, args: list[str], env: dict[str, str]) -> LiveServer:
    """`triskel serve ARGS` with the test tokens on a fresh store in `folder` (its log
    there too), `env` added to its environment, on a port the audit lets the test use."""
    port = free_port()
    audit.ports.add(port)
    env = {"TRISKEL_TOKENS": TOKEN_SPEC, "TRISKEL_STORE_PATH": str(folder / "store"), **env}
    return start(args, env=env, log=folder / "serve.log", port=port)


@dataclass
class Trap:
    """A loopback listener that accepts and records connections (and answers nothing)."""

    port: int
    hits: list[tuple[str, int]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture
def trap() -> Iterator[Trap]:
    """A trap on a free loopback port; the test fails if anything connected to it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    found = Trap(listener.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, peer = listener.accept()
            except TimeoutError:
                continue
            found.hits.append(peer)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield found
    stop.set()
    thread.join()
    listener.close()
    assert not found.hits, f"something connected to the trap: {found.hits}"


def fingerprint(store: Store) -> str:
    """SHA-256 of the store's canonical dataset: its N-Quads lines, sorted."""
    dump = store.export(None, media_type="application/n-quads", dataset=True)
    lines = sorted(line for line in dump.decode().splitlines() if line.strip())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def data_lines(store: Store) -> list[str]:
    """The store's N-Quads lines but the maintained live findings' (`urn:triskel:live:`):
    a guarded write that succeeds rewrites their stamp, which is not the client's data."""
    dump = store.export(None, media_type="application/n-quads", dataset=True)
    kept = []
    for line in dump.decode().splitlines():
        quad = next(iter(ox.parse(line.encode(), ox.RdfFormat.N_QUADS)), None)
        graph = quad.graph_name if quad is not None else None
        if not (isinstance(graph, ox.NamedNode) and graph.value.startswith(SELF_CHECKED_PREFIX)):
            kept.append(line)
    return kept


@dataclass
class Service:
    """A started app with bearer tokens, and its store to fingerprint; `ports` are the
    loopback ports its store answers on (a remote store's server), for the audit."""

    client: TestClient
    ports: tuple[int, ...] = ()

    @property
    def store(self) -> Store:
        store: Store = self.client.app.state.store  # type: ignore[attr-defined]
        return store

    def fingerprint(self) -> str:
        return fingerprint(self.store)


def problem_of(response: Any, status: int | tuple[int, ...]) -> dict[str, Any]:
    """Assert the status and a problem+json body with a detail; return the body."""
    expected = status if isinstance(status, tuple) else (status,)
    assert response.status_code in expected, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code and body["detail"]
    return body


def refused_upload(
    service: Service, document: str | bytes, media_type: str, status: int
) -> dict[str, Any]:
    """PUT `document` to graph `urn:g` as `media_type`, assert the problem+json answer with
    `status` and a store left as it was; return the problem body."""
    before = service.fingerprint()
    response = service.client.put(
        "/store?graph=urn:g", content=document, headers={"Content-Type": media_type} | WRITE
    )
    body = problem_of(response, status)
    assert service.fingerprint() == before
    return body


def _service_factory(
    fields: Callable[[], dict[str, Any]], audit: Audit
) -> Iterator[Callable[..., Service]]:
    """`make(**settings)`: started apps with tokens on fresh stores, closed after the test."""
    started: list[TestClient] = []

    def make(**overrides: Any) -> Service:
        settings = fields() | {"tokens": TOKEN_SPEC} | overrides
        client = _start(Settings(**settings))
        started.append(client)
        return Service(client)

    yield make
    for client in reversed(started):
        client.__exit__(None, None, None)


@pytest.fixture(params=["embedded", "remote"])
def make_service(
    request: pytest.FixtureRequest, tmp_path: Path, audit: Audit
) -> Iterator[Callable[..., Service]]:
    """Services on the parametrised backend (both, for the cases about the protocol)."""
    if request.param == "remote":
        audit.active = False  # the server is the test's own: starting it is not a case
        base_url = remote_server(request).base_url
        audit.ports.add(int(base_url.rsplit(":", 1)[1]))
        audit.active = True
    yield from _service_factory(_settings_factory(request.param, tmp_path, request), audit)


@pytest.fixture
def make_embedded(
    request: pytest.FixtureRequest, tmp_path: Path, audit: Audit
) -> Iterator[Callable[..., Service]]:
    """Services on a fresh embedded store only (cases about the store's own guarantees)."""
    yield from _service_factory(_settings_factory("embedded", tmp_path, request), audit)


@pytest.fixture(scope="module", params=["embedded", "remote"])
def module_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """One service with default limits per backend for a whole module, for the cases that
    must change nothing (`unchanged`): an app started per case was most of those modules'
    time. The remote one has an Oxigraph server of its own, which no other test empties."""
    folder = tmp_path_factory.mktemp("module-service")
    if request.param == "embedded":
        client = _start(Settings(store_path=folder / "store", tokens=TOKEN_SPEC))
        yield Service(client)
        client.__exit__(None, None, None)
        return
    with running_oxigraph(folder / "oxigraph") as server:
        remote = Settings(**endpoint_settings(server), tokens=TOKEN_SPEC)
        client = _start(remote)
        yield Service(client, ports=(int(server.base_url.rsplit(":", 1)[1]),))
        client.__exit__(None, None, None)


def unchanged(service: Service, audit: Audit) -> Iterator[Service]:
    """`service`, shared by a module, lent to one case that must leave its store as it was:
    the case fails if the store changed, so every case starts from the same store."""
    audit.ports.update(service.ports)
    before = service.fingerprint()
    yield service
    assert service.fingerprint() == before, "the case changed the store the module shares"


@pytest.fixture
def shared(module_service: Service, audit: Audit) -> Iterator[Service]:
    """The module's service (`module_service`) for a case that changes nothing."""
    yield from unchanged(module_service, audit)


@pytest.fixture
def service(make_service: Callable[..., Service]) -> Service:
    """A service with default limits on each backend."""
    return make_service()


@pytest.fixture
def embedded(make_embedded: Callable[..., Service]) -> Service:
    """A service with default limits on the embedded store."""
    return make_embedded()


class FailingDisk:
    """A pyoxigraph store whose `writes` raise the `OSError` that `error()` makes, as on a full
    or read-only disk; every other call reaches the real store."""

    def __init__(self, db: Any, error: Callable[[], OSError], writes: frozenset[str]) -> None:
        self._db, self._error, self._writes = db, error, writes

    def __getattr__(self, name: str) -> Any:
        if name in self._writes:
            return self._fail
        return getattr(self._db, name)

    def __len__(self) -> int:
        return len(self._db)

    def __contains__(self, quad: object) -> bool:
        return quad in self._db  # dunder methods bypass __getattr__

    def __iter__(self) -> Iterator[Any]:
        return iter(self._db)

    def _fail(self, *_args: object, **_kwargs: object) -> None:
        raise self._error()
