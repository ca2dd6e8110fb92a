"""Validation pushed down to a remote engine gives exactly the embedded store's findings.

The same data — `data/example`, every shape case, a generated organisation — is validated
in memory (`validate`, the embedded store's path) and on each remote engine (`oxigraph
serve`, Virtuoso: `tests.engines`) by `service.validation.pushdown`; the reports must hold
the same findings (ids are content-derived, so blank nodes compare by content, not by the
labels each side gave them), and a recording proxy shows the data never left the engine (no
Graph Store request).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from rdflib.term import BNode, Node

from benchmarks.generate import copies_for, generate
from service.cli import main
from service.errors import NotFoundError, ShapesError
from service.reports.model import Report
from service.store.remote import RemoteStore
from service.store.system_graphs import engine_graphs
from service.validation import from_files, load_builtin, pushdown, unique_findings, validate
from service.validation.rdfio import Source
from tests.engines import Engine
from tests.recording_proxy import Recording, recording_proxy
from tests.virtuoso import VirtuosoServer

ROOT = Path(__file__).parent.parent
EXAMPLE = sorted((ROOT / "data" / "example").glob("*.ttl"))
SHAPE_CASES = sorted((Path(__file__).parent / "shape_cases").glob("*.ttl"))
FALLBACK = Path(__file__).parent / "compile_cases" / "fallback.ttl"


@pytest.fixture(scope="module")
def proxy(remote_engine: Engine) -> Iterator[Recording]:
    with recording_proxy(remote_engine.base_url) as recording:
        yield recording


QUERY_TIMEOUT_S = 300.0
"""What one request to the engine may take here: these tests compare findings, not speed, and
a shape-case query on Virtuoso took 29.5 s of the service's default 30 s on a loaded machine."""


@pytest.fixture
def remote(remote_engine: Engine, proxy: Recording) -> Iterator[RemoteStore]:
    """A remote store on the emptied engine, reached through the recording proxy."""
    remote_engine.empty()
    store = RemoteStore(
        proxy.url(remote_engine.query_url),
        update_url=proxy.url(remote_engine.update_url),
        gsp_url=proxy.url(remote_engine.gsp_url),
        query_timeout_s=QUERY_TIMEOUT_S,
    )
    yield store
    store.close()


@functools.cache
def _sources() -> dict[str, list[Source]]:
    generated = generate(copies_for(5_000), rate=1.0).ntriples()
    return {
        "example": [Source.from_path(p) for p in EXAMPLE],
        "shape-cases": [Source.from_path(p) for p in SHAPE_CASES],
        "generated": [Source("generated", generated, "nt")],
    }


MEDIA = {"turtle": "text/turtle", "nt": "application/n-triples"}


@pytest.mark.parametrize(
    ("name", "page_rows"), [("example", 7), ("shape-cases", 10_000), ("generated", 10_000)]
)
def test_pushed_down_findings_equal_the_embedded_ones(
    name: str,
    page_rows: int,
    remote: RemoteStore,
    proxy: Recording,
    remote_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The report is built in parts of 10 findings here (`pushdown.PART`): the contexts and
    the scores' count of broken conversations span parts."""
    monkeypatch.setattr(pushdown, "PART", 10)
    sources = _sources()[name]
    for source in sources:  # a file in the graph of its own IRI, relative IRIs resolved alike
        graph = source.base or _default(remote)  # the generated organisation: the default graph
        remote.load(source.content, media_type=MEDIA[source.format], graph=graph)
    pack = load_builtin()
    embedded = validate(sources, shapes=pack)
    proxy.requests.clear()
    run = pushdown.run(remote, pack, page_rows=page_rows, fail_on="violation")
    pushed = run.report
    assert pushed is not None
    assert embedded.counts == pushed.counts
    assert sorted(r.id for r in embedded.results) == sorted(r.id for r in pushed.results)
    assert pushed.practices == embedded.practices
    assert pushed.organisations == embedded.organisations
    assert _abouts(pushed) == _abouts(embedded), "the report's context differs"
    assert embedded.results, "the data has findings to compare"
    gsp = httpx.URL(remote_engine.gsp_url).path
    assert all(method != "GET" or path != gsp for method, path, _ in proxy.requests)
    assert all(not g.startswith(pushdown.PREFIX) for g in remote.graphs()), "scratch left"


def _abouts(report: Report) -> list[tuple[str, list[list[str]]]]:
    """Each result's conversations, practices and people (blank nodes as `_`), by id."""

    def named(nodes: tuple[Node, ...]) -> list[str]:
        return sorted("_" if isinstance(n, BNode) else str(n) for n in nodes)

    about = [(r.id, r.about) for r in report.results]
    return sorted(
        (id, [named(a.conversations), named(a.practices), named(a.people)]) for id, a in about
    )


def test_the_engines_own_graphs_are_not_validated(
    remote: RemoteStore, remote_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Virtuoso's own graphs (`virtrdf:`, `ldp:`, its URIQA graph) are neither read nor
    merged: one data graph is validated where it is, with the embedded store's findings."""
    source = Source.from_path(EXAMPLE[0])
    remote.load(source.content, media_type="text/turtle", graph=source.base)
    own = engine_graphs(remote.graphs())
    server = remote_engine.server
    assert own == (server.own_graphs if isinstance(server, VirtuosoServer) else frozenset())
    sent: list[str] = []
    for name in ("update", "select_in", "construct_in"):
        method = getattr(remote, name)
        monkeypatch.setattr(remote, name, _spy(method, sent))
    run = pushdown.run(remote, load_builtin())
    assert {f.key for f in unique_findings(run.findings)} == {
        f.key for f in validate([source]).findings
    }
    assert not any(graph in text for graph in own for text in sent), "an engine graph was read"
    merged = [
        t for t in sent if t.startswith("INSERT { GRAPH <") and t.split(">")[0][-5:] == ":data"
    ]
    assert not merged, "one data graph was copied into a scratch graph"


def _spy(method: Callable[..., object], sent: list[str]) -> Callable[..., object]:
    """`method`, recording its text and the graphs it names."""

    def spied(text: str, **kwargs: object) -> object:
        sent.append(f"{text} {kwargs}")
        return method(text, **kwargs)

    return spied


def _default(remote: RemoteStore) -> str | None:
    """The default graph, or a named graph on an engine with none of its own (Virtuoso)."""
    return "urn:test:default" if remote.union_default() else None


def test_fingerprint_follows_the_data_not_blank_node_labels(remote: RemoteStore) -> None:
    data = b"[] a <urn:test:Thing> ; <urn:test:p> [ <urn:test:q> 1 ] ."
    graphs: list[str | None] = ["urn:test:b", _default(remote)]
    remote.load(data, media_type="text/turtle", graph="urn:test:b")
    remote.load(b"<urn:test:s> <urn:test:p> 'x' .", media_type="text/turtle", graph=graphs[1])
    first = pushdown.fingerprint(remote, graphs)
    remote.load(data, media_type="text/turtle", graph="urn:test:b", replace=True)
    assert pushdown.fingerprint(remote, graphs) == first
    remote.load(
        data.replace(b"1", b"2"), media_type="text/turtle", graph="urn:test:b", replace=True
    )
    assert pushdown.fingerprint(remote, graphs) != first
    assert pushdown.fingerprint(remote, ["urn:test:b"]) != pushdown.fingerprint(remote, graphs)


def test_shapes_the_compiler_cannot_handle_are_refused(remote: RemoteStore) -> None:
    remote.load(FALLBACK.read_bytes(), media_type="text/turtle", graph="urn:test:f")
    with pytest.raises(ShapesError, match="cannot be validated on a remote store"):
        pushdown.run(remote, from_files([FALLBACK], builtin=False))
    assert all(not g.startswith(pushdown.PREFIX) for g in remote.graphs())


def test_a_scope_names_one_graph(remote: RemoteStore) -> None:
    with pytest.raises(NotFoundError):
        pushdown.run(remote, load_builtin(), scope="urn:test:absent")
    source = Source.from_path(EXAMPLE[0])
    remote.load(source.content, media_type="text/turtle", graph=source.base)
    run = pushdown.run(remote, load_builtin(), scope=source.base)
    embedded = validate([source])
    assert {f.key for f in unique_findings(run.findings)} == {f.key for f in embedded.findings}


def test_cli_validates_the_remote_store_on_its_engine(
    remote: RemoteStore,
    proxy: Recording,
    remote_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`triskel validate` with `TRISKEL_SPARQL_URL` set: a full revalidation on the engine."""
    sources = _sources()["example"]
    for source in sources:
        remote.load(source.content, media_type="text/turtle", graph=source.base)
    monkeypatch.setenv("TRISKEL_SPARQL_URL", remote.query_url)
    monkeypatch.setenv("TRISKEL_SPARQL_UPDATE_URL", remote.update_url)
    monkeypatch.setenv("TRISKEL_GSP_URL", remote.gsp_url)
    proxy.requests.clear()
    assert main(["validate", "--format", "json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["counts"] == validate(sources).counts
    gsp = httpx.URL(remote_engine.gsp_url).path
    assert proxy.requests
    assert all(method != "GET" or path != gsp for method, path, _ in proxy.requests)
