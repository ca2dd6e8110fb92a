"""The Oxigraph server the remote-backend tests talk to (`oxigraph serve`, from the PyPI
package `oxigraph`): how one is started and stopped, and which one a test gets."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import pytest

from benchmarks.live import free_port


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


class Endpoints(Protocol):
    """A started engine's SPARQL endpoints (Oxigraph server's or Virtuoso's)."""

    @property
    def query_url(self) -> str: ...

    @property
    def update_url(self) -> str: ...

    @property
    def gsp_url(self) -> str: ...


def endpoint_settings(server: Endpoints) -> dict[str, str]:
    """The `Settings` fields that point the service at `server`."""
    return {
        "sparql_url": server.query_url,
        "sparql_update_url": server.update_url,
        "gsp_url": server.gsp_url,
    }


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


@contextlib.contextmanager
def running_oxigraph(location: Path) -> Iterator[OxigraphServer]:
    """A live `oxigraph serve` on 127.0.0.1 with its data in `location`, stopped after."""
    executable = Path(sys.executable).with_name("oxigraph")
    if not executable.exists():
        pytest.fail(
            "the `oxigraph` console script (PyPI package oxigraph) is not installed",
            pytrace=False,
        )
    port = free_port()
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


def remote_server(request: pytest.FixtureRequest) -> OxigraphServer:
    """The server a remote-backend test talks to: the shared one, or for a test marked
    `own_remote_server` one of its own. Oxigraph server cannot cancel a query: one a
    test abandons at its budget (a timeout case) keeps computing after the test, and every
    later test on the shared server waited behind it (a 13 s test ran past 30 s). So the
    tests that abandon work get their own server, and so does a test that runs many
    queries under the default budget (`test_compile`), which must not wait behind work a
    test nobody marked yet left behind."""
    if request.node.get_closest_marker("own_remote_server"):
        server: OxigraphServer = request.getfixturevalue("own_oxigraph_server")
    else:
        server = request.getfixturevalue("oxigraph_server")
    return server
