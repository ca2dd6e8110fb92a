"""Shared fixtures: a live Oxigraph server, and stores of both backends.

`oxigraph_server` starts `oxigraph serve` (the venv's console script from the PyPI package
`oxigraph`) on a free loopback port, once per session, and stops
it by PID. `make_store` builds stores of the parametrised backend, so every test that uses it
runs against the embedded store and against the remote one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.live import free_port
from service.settings import Settings
from service.store import Store, open_store


@dataclass(frozen=True, slots=True)
class OxigraphServer:
    """Where the test server answers."""

    base_url: str
    pid: int

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base_url}/update"

    @property
    def gsp_url(self) -> str:
        return f"{self.base_url}/store"


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with code {process.returncode}")
        try:
            httpx.get(url, params={"query": "ASK {}"}, timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"oxigraph serve did not answer at {url} within {seconds:g} s")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A live `oxigraph serve` on 127.0.0.1 for the whole session."""
    executable = Path(sys.executable).with_name("oxigraph")
    if not executable.exists():
        pytest.fail(
            "the `oxigraph` console script (PyPI package oxigraph) is not installed",
            pytrace=False,
        )
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    command = [str(executable), "serve", "--location", str(location)]
    command += ["--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = OxigraphServer(f"http://127.0.0.1:{port}", process.pid)
    try:
        _wait_until_up(server.query_url, process, 30)
        yield server
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(params=["embedded", "remote"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Store]]:
    """`make_store(**settings_fields)`: a store of the parametrised backend, empty at first.

    Embedded stores of one test share its folder (a second call reopens the same data);
    the remote server is emptied when the test starts.
    """
    stores: list[Store] = []
    fields: dict[str, Any] = {"store_path": tmp_path / "store"}
    if request.param == "remote":
        server: OxigraphServer = request.getfixturevalue("oxigraph_server")
        httpx.post(server.update_url, data={"update": "DROP SILENT ALL"}).raise_for_status()
        fields = {
            "sparql_url": server.query_url,
            "sparql_update_url": server.update_url,
            "gsp_url": server.gsp_url,
        }

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
