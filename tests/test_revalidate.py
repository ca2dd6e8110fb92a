"""`TRISKEL_REVALIDATE_EVERY` on each remote engine: a write made behind the service's back
that keeps the count of quads escapes the live findings until a full revalidation on the
engine (`Revalidation.once`) finds other findings and rebuilds them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.findings import LiveFindings
from service.findings.revalidate import Revalidation
from service.settings import Settings
from service.store.remote import RemoteStore
from tests.api.conftest import _start
from tests.engines import Engine
from tests.oxigraph import OxigraphServer

ORGANIZATION = Path(__file__).parent.parent / "data" / "example" / "organization.ttl"
G = "urn:test:organization"
EX = "https://example.org/larkspur/"
BEHIND_THE_BACK = f"""
DELETE DATA {{ GRAPH <{G}> {{
  <{EX}larkspur> <http://www.w3.org/2000/01/rdf-schema#label> "Larkspur Living"@en }} }} ;
INSERT DATA {{ GRAPH <{G}> {{
  <{EX}loner> a <https://w3id.org/social-business#Person> }} }}
"""
"""One triple out, one in (the same count): a person in no organisation, R17."""


@pytest.fixture
def remote(remote_engine: Engine) -> Iterator[RemoteStore]:
    remote_engine.empty()
    store = remote_engine.store()
    store.load(ORGANIZATION.read_bytes(), media_type="text/turtle", graph=G)
    yield store
    store.close()


def _loner_found(live: LiveFindings) -> bool:
    return any(f.rule == "R17" and str(f.focus) == f"{EX}loner" for f in live.findings())


def test_a_periodic_revalidation_catches_a_write_behind_the_back(
    remote: RemoteStore, remote_engine: Engine
) -> None:
    live = LiveFindings.start(remote, watch=True)
    live.wait_ready()
    revalidation = Revalidation(remote, live, every_s=3600, page_rows=1000)
    assert not revalidation.once(), "the live findings are those of the engine"
    before = live.findings()
    answer = httpx.post(remote_engine.update_url, data={"update": BEHIND_THE_BACK})
    answer.raise_for_status()
    assert not live.refresh(remote), "the count is the same: the live findings miss it"
    assert not _loner_found(live)
    assert revalidation.once()
    assert _loner_found(live)
    assert len(live.findings()) == len(before) + 1
    assert not revalidation.once()


def test_the_app_runs_it_on_a_remote_store_only(
    oxigraph_server: OxigraphServer, tmp_path: Path
) -> None:
    remote = Engine("oxigraph", oxigraph_server).settings() | {"revalidate_every": 3600.0}
    embedded = {"store_path": tmp_path / "store", "revalidate_every": 3600.0}
    for fields, started in ((remote, True), (embedded, False)):
        client = _start(Settings(**fields, open=True))
        try:
            revalidation = client.app.state.revalidation  # type: ignore[attr-defined]
            assert (revalidation is not None) == started
        finally:
            client.__exit__(None, None, None)
        assert revalidation is None or not revalidation.running
