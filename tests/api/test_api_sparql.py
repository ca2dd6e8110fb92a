"""`/sparql`: the SPARQL 1.1 Protocol query operation, negotiation, limits, service description."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Callable
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from service.findings.saved import STATE_GRAPH
from service.resources import ONTOLOGY_IRI
from service.store.system_graphs import is_system_graph
from tests.api.conftest import EVERY_ENGINE

EX = "http://example.org/"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
PEOPLE = f"""@prefix ex: <{EX}> .
ex:ada ex:knows ex:bob ; ex:name "Ada" .
ex:bob ex:knows ex:cy ; ex:name "Bob" .
ex:cy ex:name "Cy" .
"""
TOOLS = f"""@prefix ex: <{EX}> .
ex:wiki a ex:Tool ; ex:name "Wiki" .
"""
NAMES = f"SELECT ?name WHERE {{ ?s <{EX}name> ?name }} ORDER BY ?name"


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """An open dev-mode app holding two named graphs, people and tools."""
    client = make_client(open=True)
    for name, body in (("people", PEOPLE), ("tools", TOOLS)):
        put = client.put(
            "/store",
            params={"graph": EX + name},
            content=body,
            headers={"content-type": "text/turtle"},
        )
        assert put.status_code == 201, put.text
    return client


def names(response_json: dict) -> list[str]:
    return [b["name"]["value"] for b in response_json["results"]["bindings"]]


@EVERY_ENGINE
def test_get_answers_sparql_json_by_default_over_the_union_of_graphs(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": NAMES})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert response.headers["vary"] == "Accept"
    assert "triskel-truncated" not in response.headers
    assert names(response.json()) == ["Ada", "Bob", "Cy", "Wiki"]


def test_post_form_and_post_direct_give_the_same_answer(client: TestClient) -> None:
    form = client.post("/sparql", data={"query": NAMES})
    direct = client.post(
        "/sparql", content=NAMES, headers={"content-type": "application/sparql-query"}
    )
    assert form.status_code == direct.status_code == 200
    assert names(form.json()) == names(direct.json()) == ["Ada", "Bob", "Cy", "Wiki"]


@EVERY_ENGINE
def test_dataset_parameters_replace_the_union_default_graph(client: TestClient) -> None:
    only_tools = client.get("/sparql", params={"query": NAMES, "default-graph-uri": EX + "tools"})
    assert names(only_tools.json()) == ["Wiki"]
    named = client.post(
        "/sparql",
        params={"named-graph-uri": EX + "people"},
        content="SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }",
        headers={"content-type": "application/sparql-query"},
    )
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [EX + "people"]


def test_the_ontology_graph_is_loaded_by_the_lifespan(client: TestClient) -> None:
    response = client.get(
        "/sparql",
        params={"query": f"ASK {{ GRAPH <{ONTOLOGY_IRI}> {{ <{ONTOLOGY_IRI}> a ?type }} }}"},
    )
    assert response.json()["boolean"] is True


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
    ],
)
def test_select_answers_in_the_negotiated_format(
    client: TestClient, accept: str, media_type: str
) -> None:
    response = client.get("/sparql", params={"query": NAMES}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    text = response.text
    if media_type.endswith("xml"):
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        literals = ElementTree.fromstring(text).findall(".//r:literal", ns)
        assert [lit.text for lit in literals] == ["Ada", "Bob", "Cy", "Wiki"]
    elif media_type == "text/csv":
        assert [row["name"] for row in csv.DictReader(io.StringIO(text))] == [
            "Ada",
            "Bob",
            "Cy",
            "Wiki",
        ]
    elif media_type == "text/tab-separated-values":
        assert text.splitlines() == ["?name", '"Ada"', '"Bob"', '"Cy"', '"Wiki"']


@EVERY_ENGINE
def test_ask_answers_json_xml_or_a_csv_table_and_refuses_rdf(client: TestClient) -> None:
    query = {"query": f"ASK {{ <{EX}ada> <{EX}knows> <{EX}bob> }}"}
    assert client.get("/sparql", params=query).json() == {"head": {}, "boolean": True}
    xml = client.get("/sparql", params=query, headers={"accept": "application/sparql-results+xml"})
    assert "<boolean>true</boolean>" in xml.text
    csv = client.get("/sparql", params=query, headers={"accept": "text/csv"})
    assert csv.text == "_askResult\r\ntrue\r\n"
    refused = client.get("/sparql", params=query, headers={"accept": "text/turtle"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        (None, "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_construct_and_describe_answer_rdf(
    client: TestClient, accept: str | None, media_type: str, rdflib_format: str
) -> None:
    headers = {"accept": accept} if accept else {}
    construct = client.get(
        "/sparql",
        params={"query": f"CONSTRUCT {{ ?a <{EX}knows> ?b }} WHERE {{ ?a <{EX}knows> ?b }}"},
        headers=headers,
    )
    assert construct.status_code == 200
    assert construct.headers["content-type"].split(";")[0] == media_type
    graph = Graph().parse(data=construct.content, format=rdflib_format)
    assert len(graph) == 2
    assert (URIRef(EX + "ada"), URIRef(EX + "knows"), URIRef(EX + "bob")) in graph
    describe = client.get("/sparql", params={"query": f"DESCRIBE <{EX}cy>"}, headers=headers)
    assert len(Graph().parse(data=describe.content, format=rdflib_format)) == 1


def test_construct_refuses_a_results_format(client: TestClient) -> None:
    response = client.get(
        "/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"accept": "application/sparql-results+json"},
    )
    assert response.status_code == 406


def test_a_syntax_error_is_a_400_giving_the_position(client: TestClient) -> None:
    garbage = client.get("/sparql", params={"query": "SLECT *"}, headers={"accept": "text/html"})
    assert garbage.status_code == 400
    response = client.get("/sparql", params={"query": "SELECT *\nWHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 400
    assert problem["line"] == 4
    assert isinstance(problem["column"], int)
    assert "4" in problem["detail"]


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "url": "/sparql", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "url": "/sparql", "data": {"update": "CLEAR ALL"}},
        {
            "method": "POST",
            "url": "/sparql",
            "content": "CLEAR ALL",
            "headers": {"content-type": "application/sparql-update"},
        },
        {"method": "GET", "url": "/sparql", "params": {"query": "CLEAR ALL"}},
    ],
)
def test_an_update_sent_to_sparql_is_a_400_and_changes_nothing(
    client: TestClient, request_kwargs: dict
) -> None:
    response = client.request(**request_kwargs)
    assert response.status_code == 400, response.text
    assert names(client.get("/sparql", params={"query": NAMES}).json())[0] == "Ada"


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": "ASK {}", "headers": {"content-type": "text/plain"}}, 415),
        ({"content": "query=ASK%20%7B%7D"}, 415),
        (
            {
                "content": "ASK {}".encode("utf-16"),
                "headers": {"content-type": "application/sparql-query; charset=UTF-16"},
            },
            415,
        ),
        ({"data": {"query": ["ASK {}", "SELECT * {}"]}}, 400),
        ({"data": {"other": "x"}}, 400),
    ],
)
def test_malformed_posts_are_refused(client: TestClient, kwargs: dict, status: int) -> None:
    assert client.post("/sparql", **kwargs).status_code == status


def test_service_description_says_the_default_graph_is_the_union(client: TestClient) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    endpoint = URIRef("http://127.0.0.1:8000/sparql")
    assert (endpoint, RDF.type, SD.Service) in graph
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.feature, SD.UnionDefaultGraph) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    dataset = graph.value(endpoint, SD.defaultDataset)
    assert (graph.value(dataset, SD.defaultGraph), RDF.type, SD.Graph) in graph
    named = {graph.value(node, SD.name) for node in graph.objects(dataset, SD.namedGraph)}
    data = {name for name in named if not is_system_graph(str(name))}
    assert data == {URIRef(EX + "people"), URIRef(EX + "tools"), URIRef(ONTOLOGY_IRI)}
    assert URIRef(STATE_GRAPH) in named  # system graphs are named graphs of the dataset too
    update = URIRef("http://127.0.0.1:8000/update")
    assert (update, SD.supportedLanguage, SD.SPARQL11Update) in graph


def test_row_cap_is_signalled_in_a_header(make_client: Callable[..., TestClient]) -> None:
    client = make_client(open=True, max_rows=2)
    client.put(
        "/store",
        params={"graph": EX + "people"},
        content=PEOPLE,
        headers={"content-type": "text/turtle"},
    )
    response = client.get("/sparql", params={"query": NAMES})
    assert response.headers["triskel-truncated"] == "true"
    assert names(response.json()) == ["Ada", "Bob"]


@pytest.mark.own_remote_server
def test_a_timed_out_query_is_a_503_while_other_requests_are_answered(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(open=True, query_timeout_s=1.0)
    triples = " ".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(300))
    client.post(
        "/update",
        content=f"INSERT DATA {{ {triples} }}",
        headers={"content-type": "application/sparql-update"},
    )
    slow = f"SELECT (COUNT(*) AS ?n) {{ ?a <{EX}p> ?c . ?d <{EX}p> ?f . ?g <{EX}p> ?i }}"
    outcome: dict[str, object] = {}

    def run_slow() -> None:
        outcome["response"] = client.get("/sparql", params={"query": slow})

    worker = threading.Thread(target=run_slow)
    worker.start()
    time.sleep(0.2)
    quick = client.get("/health")
    assert quick.status_code == 200
    assert "response" not in outcome  # answered while the slow query still ran
    worker.join(timeout=30)
    response = outcome["response"]
    assert response.status_code == 503
    assert "TRISKEL_QUERY_TIMEOUT_S" in response.json()["detail"]
    assert json.loads(response.text)["status"] == 503
