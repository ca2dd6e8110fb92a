"""The W3C SPARQL 1.1 suites through the HTTP endpoints (`/sparql` and `/update`), as shipped.

On each backend (embedded and remote), every test of the suites passes; there is no list of
exceptions and no graph is added for the suites' sake (an absent graph is an empty one):

* query syntax, 94/94: each of the 63 positive tests answers 200 on `/sparql`, each of the
  31 negative ones a syntax error;
* update syntax, 54/54: no positive test (41) gets a syntax-error answer, each negative one
  (13) does. A well-formed update may still fail, and its problem `type` says how: refused
  by policy (`LOAD`) or an operation that fails by the standard's rules (`DROP` of an absent
  graph without `SILENT`);
* protocol, 34/34: the `mf:ProtocolTest` HTTP exchanges are replayed in order, with the
  suite's `/sparql/` path mapped to `/update` for update requests and `/sparql` for the
  others;
* graph store: the 9 indirect-identification `mf:GraphStoreProtocolTest`s on `/store`
  (direct identification, `/store/person/1.ttl`, is not offered).

A syntax-error answer is a 400 problem document of `type` `…/problems#syntax`
(`service.api.problems`). The suites are found through `TRISKEL_SHARED_DIR` (its `w3c` folder;
default `../shared` beside the repository); without them the run fails at collection, saying
where it looked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from service.api.negotiation import BOOLEAN_TYPES, GRAPH_TYPES, RESULT_TYPES
from service.api.problems import PROBLEM_TYPES
from tests.shared import W3C_DIR, required

SUITE = "SPARQL 1.1"
QUERY_SYNTAX = required(
    W3C_DIR / "sparql11-syntax-query/sparql/sparql11/syntax-query/manifest.ttl", SUITE
)
UPDATE_SYNTAX = required(
    W3C_DIR / "sparql11-protocol/sparql/sparql11/syntax-update-1/manifest.ttl", SUITE
)
PROTOCOL = required(W3C_DIR / "sparql11-protocol/sparql/sparql11/protocol/manifest.ttl", SUITE)
GRAPH_STORE = required(
    W3C_DIR / "sparql11-protocol/sparql/sparql11/graph-store-protocol/manifest-indirect.ttl",
    SUITE,
)

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

SYNTAX_ERROR = f"{PROBLEM_TYPES}syntax"
ANSWERS_AFTER_A_WELL_FORMED_UPDATE = {
    204: "about:blank",
    400: f"{PROBLEM_TYPES}operation-failed",
    403: f"{PROBLEM_TYPES}policy",
}
"""What a positive update syntax test may answer: done, failed by the standard's rules, or
refused by policy; each failure says which (its problem `type`)."""


def syntax_error_answer(response: httpx.Response) -> bool:
    """True if the response is a syntax-error answer: a 400 problem of `type` syntax."""
    return (
        response.status_code == 400
        and response.headers.get("content-type", "").startswith("application/problem+json")
        and response.json().get("type") == SYNTAX_ERROR
    )


def _manifest(path: Path) -> tuple[Graph, list[URIRef]]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    entries = Collection(graph, graph.value(manifest, MF.entries))
    return graph, [URIRef(entry) for entry in entries]


def _syntax_cases(path: Path, kinds: dict[URIRef, int]) -> list[object]:
    """(file, expected status) per test of the given kinds."""
    graph, entries = _manifest(path)
    cases = []
    for entry in entries:
        kind = graph.value(entry, RDF.type)
        if kind in kinds:
            action = Path(urlsplit(str(graph.value(entry, MF.action))).path)
            cases.append(pytest.param(action, kinds[kind], id=action.name))
    return cases


QUERY_CASES = _syntax_cases(
    QUERY_SYNTAX, {MF.PositiveSyntaxTest11: 200, MF.NegativeSyntaxTest11: 400}
)
UPDATE_CASES = _syntax_cases(
    UPDATE_SYNTAX, {MF.PositiveUpdateSyntaxTest11: 204, MF.NegativeUpdateSyntaxTest11: 400}
)


def test_the_suites_have_the_expected_size() -> None:
    assert [case.values[1] for case in QUERY_CASES].count(200) == 63
    assert [case.values[1] for case in QUERY_CASES].count(400) == 31
    assert [case.values[1] for case in UPDATE_CASES].count(204) == 41
    assert [case.values[1] for case in UPDATE_CASES].count(400) == 13
    assert len(PROTOCOL_CASES) == 34
    assert len(GRAPH_STORE_CASES) == 9


@pytest.mark.parametrize(("action", "status"), QUERY_CASES)
def test_query_syntax(module_client: TestClient, action: Path, status: int) -> None:
    """A positive test is answered (200), a negative one is a syntax-error answer."""
    response = module_client.post(
        "/sparql",
        content=action.read_bytes(),
        headers={"content-type": "application/sparql-query"},
    )
    if status == 200:
        assert response.status_code == 200, response.text
    else:
        assert syntax_error_answer(response), response.text


@pytest.mark.parametrize(("action", "status"), UPDATE_CASES)
def test_update_syntax(module_client: TestClient, action: Path, status: int) -> None:
    """No syntax-error answer to a positive test, a syntax-error answer to a negative one;
    a well-formed update that fails says why in its problem `type`."""
    response = module_client.post(
        "/update",
        content=action.read_bytes(),
        headers={"content-type": "application/sparql-update"},
    )
    if status == 400:
        assert syntax_error_answer(response), response.text
        return
    assert not syntax_error_answer(response), response.text
    kind = response.json()["type"] if response.content else "about:blank"
    assert ANSWERS_AFTER_A_WELL_FORMED_UPDATE.get(response.status_code) == kind, response.text


@dataclass(frozen=True)
class Exchange:
    """One HTTP request of a protocol test and what its response must show."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[str]
    boolean: bool | None
    result_format: str | None
    expected_body: str | None
    location_variable: str | None

    def status_ok(self, code: int) -> bool:
        """True if `code` is one of the expected codes (`Created`) or classes (`2xx`)."""
        for name in self.statuses:
            if name.startswith("StatusCode"):
                if name.removeprefix("StatusCode") == f"{code // 100}xx":
                    return True
            elif HTTPStatus[re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).upper()] == code:
                return True
        return False


def _exchanges(graph: Graph, entry: URIRef) -> Iterator[Exchange]:
    action = graph.value(entry, MF.action)
    for request in Collection(graph, graph.value(action, HT.requests)):
        headers = {}
        if (header_list := graph.value(request, HT.headers)) is not None:
            for header in Collection(graph, header_list):
                headers[str(graph.value(header, HT.fieldName))] = str(
                    graph.value(header, HT.fieldValue)
                )
        body = None
        if (content := graph.value(request, HT.body)) is not None:
            encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
            body = str(graph.value(content, CNT.chars)).encode(encoding)
        response = graph.value(request, HT.resp)
        boolean = graph.value(response, MF.expectedBoolean)
        result_format = graph.value(response, MF.expectedFormat)
        expected = graph.value(graph.value(response, HT.body), CNT.chars)
        location = graph.value(response, MF.expectedLocation)
        yield Exchange(
            method=str(graph.value(request, HT.methodName)),
            path=str(graph.value(request, HT.absolutePath)),
            headers=headers,
            body=body,
            statuses=frozenset(
                str(s).rsplit("#", 1)[-1] for s in graph.objects(response, MF.expectedStatus)
            ),
            boolean=None if boolean is None else boolean.toPython(),
            result_format=None if result_format is None else str(result_format),
            expected_body=None if expected is None else str(expected),
            location_variable=None if location is None else str(location),
        )


def _protocol_cases() -> list[object]:
    graph, entries = _manifest(PROTOCOL)
    cases = []
    for entry in entries:
        name = str(entry).rsplit("#", 1)[-1]
        data = {
            str(graph.value(node, RDFS.label)): PROTOCOL.parent / Path(urlsplit(str(g)).path).name
            for node in graph.objects(entry, UT.graphData)
            for g in [graph.value(node, UT.graph)]
        }
        cases.append(pytest.param(list(_exchanges(graph, entry)), data, id=name))
    return cases


PROTOCOL_CASES = _protocol_cases()


def _is_update(exchange: Exchange) -> bool:
    """Updates go to `/update`: a sparql-update body, or an `update`/`using-*` parameter."""
    split = urlsplit(exchange.path)
    fields = set(parse_qs(split.query)) | set(
        parse_qs((exchange.body or b"").decode("utf-8", "replace"))
    )
    content_type = exchange.headers.get("content-type", "")
    return content_type.startswith("application/sparql-update") or bool(
        fields & {"update", "using-graph-uri", "using-named-graph-uri"}
    )


def _boolean_of(content_type: str, body: bytes) -> bool:
    if content_type.startswith("application/sparql-results+json"):
        return bool(json.loads(body)["boolean"])
    ns = "{http://www.w3.org/2005/sparql-results#}"
    return ElementTree.fromstring(body).findtext(f"{ns}boolean") == "true"


@pytest.mark.parametrize(("exchanges", "data"), PROTOCOL_CASES)
def test_protocol(module_client: TestClient, exchanges: list[Exchange], data: dict) -> None:
    for graph, path in data.items():
        module_client.put(
            "/store",
            params={"graph": graph},
            content=path.read_bytes(),
            headers={"content-type": "application/n-triples"},
        ).raise_for_status()
    for exchange in exchanges:
        split = urlsplit(exchange.path)
        endpoint = "/update" if _is_update(exchange) else "/sparql"
        url = f"{endpoint}?{split.query}" if split.query else endpoint
        response = module_client.request(
            exchange.method, url, content=exchange.body, headers=exchange.headers
        )
        assert exchange.status_ok(response.status_code), (exchange.method, url, response.text)
        content_type = response.headers.get("content-type", "")
        if exchange.result_format == "boolean":
            assert content_type.split(";")[0] in BOOLEAN_TYPES
        if exchange.boolean is not None:
            assert _boolean_of(content_type, response.content) is exchange.boolean
        if exchange.result_format == "tabular":
            assert content_type.split(";")[0] in RESULT_TYPES
        if exchange.result_format == "RDF":
            assert content_type.split(";")[0] in GRAPH_TYPES


def _graph_store_cases() -> list[object]:
    graph, entries = _manifest(GRAPH_STORE)
    return [
        pytest.param(list(_exchanges(graph, entry)), id=name)
        for entry in entries
        for name in [str(entry).rsplit("#", 1)[-1]]
    ]


GRAPH_STORE_CASES = _graph_store_cases()


@pytest.mark.parametrize("exchanges", GRAPH_STORE_CASES)
def test_graph_store_protocol(
    make_client: Callable[..., TestClient], exchanges: list[Exchange]
) -> None:
    """The 9 indirect-identification tests, each on a fresh store, `/gsp` mapped to `/store`."""
    client = make_client(open=True)
    variables: dict[str, str] = {}
    for exchange in exchanges:
        url = exchange.path.replace("/gsp", "/store", 1)
        for name, value in variables.items():
            url = url.replace(name, value)
        response = client.request(
            exchange.method, url, content=exchange.body, headers=exchange.headers
        )
        assert exchange.status_ok(response.status_code), (exchange.method, url, response.text)
        if exchange.location_variable:
            variables[exchange.location_variable] = response.headers["location"]
        if exchange.expected_body is not None:
            got = Graph().parse(data=response.text, format="turtle")
            want = Graph().parse(data=exchange.expected_body, format="turtle")
            assert isomorphic(got, want), response.text
