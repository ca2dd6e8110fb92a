"""The remote engines of the shared matrix: Oxigraph server and Virtuoso, each started on
loopback by the tests (`tests.oxigraph`, `tests.virtuoso`) and emptied the same way.

`remote_engine` is module-scoped and parametrised over both, so a module that uses it runs
its tests on each engine. Both servers are started once per test process (pytest-xdist
worker) and shared by every module: a Virtuoso takes 13-22 s to start, and one per module
added minutes to the suite. Modules stay apart because each use begins by emptying the
engine: `Engine.empty` drops the tests' graphs, on Virtuoso only those, not the engine's
own (`virtrdf:` and the others it starts with).

Emptied is as new on Virtuoso for the findings: the IRIs earlier tests wrote keep their
internal ids, and one answer once depended on them. After `test_revalidate` (which loads
`data/example/organization.ttl` first), a pushed-down validation of `data/example` found
15-18 warnings where the embedded store finds 8: R10's `MINUS { ?policy sb:issuedBy ?issuer
. ?owner (org:unitOf|org:subOrganizationOf)* ?issuer . ?policy sb:permits ?value }` lost its
zero-length matches (an owner that issues the policy itself), and that query alone, on the
same data, gave the same wrong rows. The pattern is now a derived relation
(`service/validation/derived/permitted.rq`), computed once, so every module shares the one
Virtuoso again, `test_remote_pushdown` included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from service.store.remote import RemoteStore
from tests.oxigraph import OxigraphServer, endpoint_settings
from tests.virtuoso import VirtuosoServer, running_virtuoso

ENGINES = ["oxigraph", "virtuoso"]


@dataclass(frozen=True)
class Engine:
    """A started engine: its name and its endpoints."""

    name: str
    server: OxigraphServer | VirtuosoServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def query_url(self) -> str:
        return self.server.query_url

    @property
    def update_url(self) -> str:
        return self.server.update_url

    @property
    def gsp_url(self) -> str:
        return self.server.gsp_url

    def settings(self) -> dict[str, str]:
        """The `Settings` fields naming this engine."""
        return endpoint_settings(self.server)

    def store(self) -> RemoteStore:
        """A remote store on this engine (the caller closes it)."""
        return RemoteStore(self.query_url, update_url=self.update_url, gsp_url=self.gsp_url)

    def empty(self) -> None:
        """Drop every graph the tests wrote."""
        if isinstance(self.server, VirtuosoServer):
            self.server.clear()
            return
        httpx.post(self.update_url, data={"update": "DROP SILENT ALL"}).raise_for_status()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One Virtuoso per test process, started when a test first needs it."""
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="module", params=ENGINES)
def remote_engine(request: pytest.FixtureRequest) -> Engine:
    """Each remote engine in turn, empty."""
    return engine_for(request.param, request)


def engine_for(name: str, request: pytest.FixtureRequest) -> Engine:
    """The engine `name`, started once for the session, emptied of earlier tests' graphs."""
    if name == "virtuoso":
        engine = Engine("virtuoso", request.getfixturevalue("virtuoso_server"))
    else:
        engine = Engine("oxigraph", request.getfixturevalue("oxigraph_server"))
    engine.empty()
    return engine
