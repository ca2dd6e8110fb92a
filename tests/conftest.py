"""Shared fixtures: a live Oxigraph server, and stores of both backends.

`oxigraph_server` is one `oxigraph serve` (`tests.oxigraph`) on a free loopback port for the
whole session; `remote_engine` gives each remote engine in turn, Oxigraph server and a
Virtuoso also started once per test process (`tests.engines`); a test marked
`own_remote_server` gets an Oxigraph server of its own (`own_oxigraph_server`, through
`tests.oxigraph.remote_server`). `make_store` builds stores
of the parametrised backend, so every test that uses it runs against the embedded store and
against the remote one.

Every process the tests start (servers, CLI runs, worker pools) inherits one folder of parsed
SPARQL (`TRISKEL_CACHE_DIR`, `service.rdflib_sparql`), so the rules are parsed once per
machine, not once per process: that parse was most of each server's start-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.resources import ROOT
from service.settings import Settings
from service.store import Store, open_store
from tests.engines import remote_engine, virtuoso_server
from tests.oxigraph import OxigraphServer, endpoint_settings, remote_server, running_oxigraph

__all__ = ["remote_engine", "virtuoso_server"]  # the engine matrix

os.environ.setdefault("TRISKEL_CACHE_DIR", str(ROOT / "var" / "cache"))


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A live `oxigraph serve` shared by the whole session."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


@pytest.fixture
def own_oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A live `oxigraph serve` for one test, stopped (and its work with it) when it ends."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


@pytest.fixture(params=["embedded", "remote"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Store]]:
    """`make_store(**settings_fields)`: a store of the parametrised backend, empty at first.

    Embedded stores of one test share its folder (a second call reopens the same data);
    the remote server is emptied when the test starts.
    """
    stores: list[Store] = []
    fields: dict[str, Any] = {"store_path": tmp_path / "store"}
    if request.param == "remote":
        server = remote_server(request)
        httpx.post(server.update_url, data={"update": "DROP SILENT ALL"}).raise_for_status()
        fields = endpoint_settings(server)

    def make(**overrides: Any) -> Store:
        store = open_store(Settings(**(fields | overrides)))
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    """A fresh store of each backend with the default limits."""
    return make_store()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order whole files: those holding a `slow` test first, then the others, most tests
    first; a file's own tests keep their order.

    `make test` hands whole files to two workers (`--dist loadfile`) in this order
    (`--no-loadscope-reorder`, in the pytest settings). Ordered by size alone, a file of a
    few minute-long tests came late and kept one worker busy long after the other had
    finished; started first, its minutes overlap the many short files.
    """
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def weight(path: str) -> tuple[bool, int]:
        tests = files[path]
        return (not any(test.get_closest_marker("slow") for test in tests), -len(tests))

    items[:] = [item for path in sorted(files, key=weight) for item in files[path]]
