"""Fixtures of the HTTP API tests: one app per configuration, each on a fresh store.

`make_client(**settings)` builds an app with `create_app`, runs its lifespan inside a
`TestClient` and closes it after the test. The store is a new embedded store under the test's
temporary folder or, for the `remote` parameter, the test Oxigraph server emptied first; so
every API test runs against both backends, and the tests of the engine matrix (named
queries, `/sparql`, the Graph Store, guard mode; marked `EVERY_ENGINE`) on Virtuoso too
(`virtuoso`: one started per test process, its tests' graphs dropped first, `tests.engines`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from benchmarks import live
from benchmarks.live import LiveServer
from service.api import create_app
from service.settings import Settings
from tests.engines import engine_for
from tests.oxigraph import endpoint_settings, remote_server

TOKENS = {"read": "read-token", "write": "write-token", "admin": "admin-token"}
LOOPBACK = ("127.0.0.1", 50000)
BACKENDS = ["embedded", "remote"]
EVERY_ENGINE = pytest.mark.backends("embedded", "remote", "virtuoso")
"""Marks a test of the engine matrix: it runs on Virtuoso too (one started per test process)."""


def _settings_factory(
    backend: str, folder: Path, request: pytest.FixtureRequest
) -> Callable[[], dict[str, Any]]:
    """Settings fields naming a fresh, empty store: a new folder, or the emptied test server."""
    if backend == "embedded":
        paths = iter(range(100))
        return lambda: {"store_path": folder / f"store-{next(paths)}"}
    if backend == "virtuoso":
        engine = engine_for("virtuoso", request)

        def emptied() -> dict[str, Any]:
            engine.empty()
            return engine.settings()

        return emptied
    server = remote_server(request)

    def remote() -> dict[str, Any]:
        httpx.post(server.update_url, data={"update": "DROP SILENT ALL"}).raise_for_status()
        return endpoint_settings(server)

    return remote


def _start(settings: Settings, client: tuple[str, int] = LOOPBACK) -> TestClient:
    """A `TestClient` whose app has run its lifespan start (the caller must `__exit__` it).

    Requests go to the bound address (`Host: 127.0.0.1:<port>`), as a local client's would:
    the app answers only the names it is served under, not Starlette's `testserver`.
    """
    base_url = f"http://{settings.host}:{settings.port}"
    test_client = TestClient(create_app(settings), base_url=base_url, client=client)
    test_client.__enter__()
    return test_client


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise `store_settings` and `module_client` by backend: `BACKENDS`, or those a
    test's `backends` marker names (`EVERY_ENGINE`: Virtuoso too, for the tests of the engine
    matrix; the others would add its start-up and slow writes to the suite's time)."""
    marker = metafunc.definition.get_closest_marker("backends")
    backends = list(marker.args) if marker else BACKENDS
    chosen = {
        name.strip()
        for mark in metafunc.definition.iter_markers("parametrize")
        for name in (mark.args[0].split(",") if isinstance(mark.args[0], str) else mark.args[0])
    }  # a test that names its backends itself (`parametrize(..., indirect=True)`)
    for name, scope in (("store_settings", "function"), ("module_client", "module")):
        if name in metafunc.fixturenames and name not in chosen:
            metafunc.parametrize(name, backends, indirect=True, scope=scope)  # type: ignore[arg-type]


@pytest.fixture
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], dict[str, Any]]:
    """A factory of settings naming a fresh, empty store of the parametrised backend."""
    return _settings_factory(request.param, tmp_path, request)


@pytest.fixture(scope="module")
def module_client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One open dev-mode app per backend shared by a whole module (for long suites)."""
    fields = _settings_factory(request.param, tmp_path_factory.mktemp("api"), request)()
    client = _start(Settings(**fields, open=True))
    yield client
    client.__exit__(None, None, None)


@pytest.fixture
def tokens() -> dict[str, str]:
    """One token per role; `token_spec` is the same as a `TRISKEL_TOKENS` value."""
    return dict(TOKENS)


@pytest.fixture
def token_spec(tokens: dict[str, str]) -> str:
    return ",".join(f"{role}:{token}" for role, token in tokens.items())


@pytest.fixture
def make_client(
    store_settings: Callable[[], dict[str, Any]],
) -> Iterator[Callable[..., TestClient]]:
    """Build started apps: `make_client(client=(host, port), **settings_fields)`."""
    clients: list[TestClient] = []

    def make(*, client: tuple[str, int] = LOOPBACK, **overrides: Any) -> TestClient:
        test_client = _start(Settings(**(store_settings() | overrides)), client)
        clients.append(test_client)
        return test_client

    yield make
    for test_client in reversed(clients):
        test_client.__exit__(None, None, None)


@pytest.fixture(scope="module", params=BACKENDS)
def serve_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Environment naming a fresh store of the parametrised backend for `triskel serve` in a
    subprocess (`benchmarks.live`): a new folder, or the test Oxigraph server emptied first."""
    if request.param == "embedded":
        return {"TRISKEL_STORE_PATH": str(tmp_path_factory.mktemp("live") / "store")}
    server = remote_server(request)
    httpx.post(server.update_url, data={"update": "DROP SILENT ALL"}).raise_for_status()
    return {
        "TRISKEL_SPARQL_URL": server.query_url,
        "TRISKEL_SPARQL_UPDATE_URL": server.update_url,
        "TRISKEL_GSP_URL": server.gsp_url,
    }


@pytest.fixture(scope="module")
def open_server(
    serve_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`triskel serve --open` on a fresh store of the parametrised backend, for the tests of
    one real client."""
    log = tmp_path_factory.mktemp("log") / "serve.log"
    running = live.start(["--open"], env=serve_env, log=log)
    yield running
    running.stop()


SECURED_TOKENS = {"read": "r-1", "write": "w-1"}
"""The tokens of `secured_server`."""
SECURED_READER = {"Authorization": f"Bearer {SECURED_TOKENS['read']}"}
"""Headers that read `secured_server` with its read token."""
REFUSED_PASSWORDS = ((SECURED_TOKENS["read"], 403), ("not-the-token", 401))
"""HTTP Basic passwords a write to `secured_server` must refuse, with the status each gets:
a read token may not write, and an unknown one is no one."""


@pytest.fixture
def secured_server(tmp_path: Path) -> Iterator[LiveServer]:
    """`triskel serve` with bearer/Basic tokens (`SECURED_TOKENS`) on a fresh embedded store."""
    tokens = ",".join(f"{role}:{token}" for role, token in SECURED_TOKENS.items())
    env = {"TRISKEL_STORE_PATH": str(tmp_path / "store"), "TRISKEL_TOKENS": tokens}
    running = live.start([], env=env, log=tmp_path / "serve.log")
    yield running
    running.stop()
