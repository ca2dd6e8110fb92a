"""Cases 1-6 of the hardening issue: nothing the caller sends makes the service fetch.

Every case runs with the audit hook on (no connection but to the test's own servers, no file
read outside the repository and temporary folders) and, where the target can be chosen, a
loopback trap that fails the test if anything connects to it.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator

import pytest
from rdflib import OWL, RDF, Graph

from service.reasoning import _ntriples_without_imports
from tests.hardening.conftest import (
    READ,
    WRITE,
    Audit,
    Service,
    Trap,
    data_lines,
    problem_of,
    refused_upload,
    unchanged,
)

SPARQL_QUERY = {"Content-Type": "application/sparql-query"} | READ
SPARQL_UPDATE = {"Content-Type": "application/sparql-update"} | WRITE
NT = {"Content-Type": "application/n-triples"}
TTL = {"Content-Type": "text/turtle"}
JSON = {"Accept": "application/sparql-results+json"}
SH = "http://www.w3.org/ns/shacl#"


@pytest.fixture(scope="module")
def module_g(module_service: Service) -> Service:
    """The module's service with one triple in `urn:g` (the row `S_O`)."""
    _put(module_service, "urn:g", '<urn:s> <urn:p> "1" .')
    return module_service


@pytest.fixture
def shared_g(module_g: Service, audit: Audit) -> Iterator[Service]:
    """`module_g` for a case that changes nothing (it fails if the store changed)."""
    yield from unchanged(module_g, audit)


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "TRAP", "file:///etc/passwd"],
)
def test_case_01_service_is_refused_without_connecting(
    shared_g: Service, trap: Trap, target: str
) -> None:
    target = trap.url if target == "TRAP" else target
    before = shared_g.fingerprint()
    query = f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
    response = shared_g.client.post("/sparql", content=query, headers=SPARQL_QUERY)
    body = problem_of(response, 403)
    assert "SERVICE" in body["detail"] and "refused" in body["detail"]
    assert shared_g.fingerprint() == before


POLICY = "https://w3id.org/social-business/problems#policy"
S_O = {"s": "urn:s", "o": "1"}
"""The one row of `?s <urn:p> ?o` in the data the SERVICE SILENT cases put."""


def test_case_01_a_refused_service_is_a_policy_problem(shared_g: Service, trap: Trap) -> None:
    query = f"ASK {{ ?s ?p ?o SERVICE <{trap.url}> {{ ?s ?p ?o }} }}"
    response = shared_g.client.post("/sparql", content=query, headers=SPARQL_QUERY)
    assert problem_of(response, 403)["type"] == POLICY


def _solutions(service: Service, query: str, trap: Trap) -> list[dict[str, str]]:
    """The rows of a SELECT (trap and refused targets filled in) as {name: value}."""
    query = query.replace("TRAP", trap.url).replace("REFUSED", "http://169.254.169.254/")
    response = service.client.post("/sparql", content=query, headers=SPARQL_QUERY | JSON)
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    return [{name: term["value"] for name, term in row.items()} for row in rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * { SERVICE SILENT <TRAP> { ?s ?p ?o } }", [{}]),
        ("SELECT * { ?s <urn:p> ?o SERVICE SILENT <TRAP> { ?s <urn:q> ?x } }", [S_O]),
        ("SELECT * { ?s <urn:p> ?o . service silent <REFUSED> { } }", [S_O]),
        ("PREFIX t: <TRAP> SELECT * { ?s <urn:p> ?o SERVICE SILENT t:x { ?s ?p ?x } }", [S_O]),
        ("SELECT * { ?s <urn:p> ?o SERVICE SILENT <file:///etc/passwd> { ?s ?p ?x } }", [S_O]),
        ("SELECT * { ?s <urn:p> ?o OPTIONAL { SERVICE SILENT <TRAP> { ?s ?p ?x } } }", [S_O]),
        ("SELECT * { { ?s <urn:p> ?o } UNION { SERVICE SILENT <TRAP> { ?s ?p ?o } } }", [S_O, {}]),
        ("SELECT * { SERVICE SILENT <TRAP> { SERVICE <REFUSED> { ?s ?p ?o } } }", [{}]),
        ("SELECT * { ?s <urn:p> ?o # x\rSERVICE SILENT <TRAP> { ?s ?p ?x } }", [S_O]),
        ("SELECT * { ?s <urn:p> ?o SERVICE SILENT ?s { ?s ?p ?x } }", [S_O]),
        ("SELECT (COUNT(*) AS ?n) { SERVICE SILENT <TRAP> { ?s ?p ?o } }", [{"n": "1"}]),
    ],
)
def test_case_01_a_silent_service_to_a_refused_host_fails_silently(
    shared_g: Service, trap: Trap, query: str, expected: list[dict[str, str]]
) -> None:
    """SPARQL 1.1 Federated Query §4: a SILENT service that fails gives one empty solution,
    the join identity. Refusing to fetch is such a failure: the answer is 200, joined with the
    rest of the query, and nothing connects to the trap. A variable target is refused
    whatever it is bound to while no host is allowed, so it fails silently too."""
    before = shared_g.fingerprint()
    assert _solutions(shared_g, query, trap) == expected
    assert shared_g.fingerprint() == before


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE SILENT <TRAP> {} SERVICE <TRAP> {} }",
        "SELECT * { SERVICE SILENT <TRAP> { ?s ?p ?o ) } SERVICE <TRAP> {} }",
        "SELECT * { SERVICESILENT <TRAP> {} }",
        "SELECT * { SERVICE SILENT undeclared:x {} }",
    ],
)
def test_case_01_only_the_silent_service_is_silenced(
    shared_g: Service, trap: Trap, query: str
) -> None:
    """Any SERVICE that is not a well-formed `SERVICE SILENT target { ... }` is refused."""
    query = query.replace("TRAP", trap.url)
    response = shared_g.client.post("/sparql", content=query, headers=SPARQL_QUERY)
    assert problem_of(response, 403)["type"] == POLICY


def test_case_01_a_silent_service_is_checked_for_syntax(shared_g: Service, trap: Trap) -> None:
    """The pattern the rewrite drops is still SPARQL: a syntax error in it is a 400."""
    query = f"SELECT * {{ SERVICE SILENT <{trap.url}> {{ ?s ?p }} }}"
    response = shared_g.client.post("/sparql", content=query, headers=SPARQL_QUERY)
    assert problem_of(response, 400)["type"].endswith("#syntax")


def test_case_01_a_silent_variable_service_is_refused_when_a_host_is_allowed(
    make_service: Callable[..., Service], trap: Trap
) -> None:
    """With a host allowed, what `SERVICE SILENT ?s` would reach is known only at run time:
    the query is refused rather than fetched. A SILENT service naming another host is still
    silenced."""
    service = make_service(allowed_hosts="example.org")
    query = "SELECT * { VALUES ?s { <http://example.org/> } SERVICE SILENT ?s { ?a ?b ?c } }"
    response = service.client.post("/sparql", content=query, headers=SPARQL_QUERY)
    assert problem_of(response, 403)["type"] == POLICY
    assert _solutions(service, "SELECT * { SERVICE SILENT <TRAP> { ?s ?p ?o } }", trap) == [{}]


@pytest.mark.parametrize("guard", ["", "?guard=violation"])
@pytest.mark.parametrize(
    ("update", "added"),
    [
        ("INSERT { <urn:a> <urn:b> ?o } WHERE { SERVICE SILENT <TRAP> { ?s ?p ?o } }", ""),
        (
            "INSERT { GRAPH <urn:g> { ?s <urn:q> 2 } } "
            "WHERE { GRAPH <urn:g> { ?s <urn:p> ?o } SERVICE SILENT <REFUSED> { ?s ?p ?x } }",
            '<urn:s> <urn:q> "2"^^<http://www.w3.org/2001/XMLSchema#integer> <urn:g> .',
        ),
        ("DELETE { ?s ?p ?o } WHERE { SERVICE SILENT ?s { ?s ?p ?o } }", ""),
    ],
)
def test_case_01_a_silent_service_in_an_update_fails_silently(
    service: Service, trap: Trap, update: str, added: str, guard: str
) -> None:
    """In an update's `WHERE` too (issue 9, item 14): the refused SILENT service is the
    empty solution, so an update that needs its variables writes nothing (204), one that
    joins with it keeps the rest of its solutions, and nothing connects to the trap,
    guarded or not."""
    _put(service, "urn:g", '<urn:s> <urn:p> "1" .')
    before = data_lines(service.store)
    update = update.replace("TRAP", trap.url).replace("REFUSED", "http://169.254.169.254/")
    response = service.client.post(f"/update{guard}", content=update, headers=SPARQL_UPDATE)
    assert response.status_code == 204, response.text
    after = data_lines(service.store)
    new = set(after) - set(before)
    assert new == ({added} if added else set())
    assert len(after) == len(before) + len(new)


def test_case_01_a_silent_service_in_an_update_is_checked_for_syntax(
    service: Service, trap: Trap
) -> None:
    update = f"INSERT {{ <urn:a> <urn:b> ?o }} WHERE {{ SERVICE SILENT <{trap.url}> {{ ?s ?p }} }}"
    response = service.client.post("/update", content=update, headers=SPARQL_UPDATE)
    assert problem_of(response, 400)["type"].endswith("#syntax")


def test_the_audit_and_the_trap_see_what_they_must(audit: Audit, trap: Trap) -> None:
    """The guards of every case can fail: a file read outside the allowed folders and a
    connection to an undeclared port are both recorded (then cleared, so this test passes)."""
    with open("/etc/hostname", "rb"):
        pass
    with socket.create_connection(("127.0.0.1", trap.port), timeout=1):
        pass
    assert audit.seen == ["open of /etc/hostname", f"socket.connect to 127.0.0.1:{trap.port}"]
    audit.seen.clear()
    deadline = time.monotonic() + 2
    while not trap.hits and time.monotonic() < deadline:
        time.sleep(0.01)
    assert trap.hits
    trap.hits.clear()


def _put(service: Service, graph: str, triples: str) -> None:
    response = service.client.put(f"/store?graph={graph}", content=triples, headers=NT | WRITE)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "clause", ["FROM <http://127.0.0.1:22/>", "FROM NAMED <file:///etc/passwd>", "FROM <TRAP>"]
)
def test_case_02_from_a_graph_not_in_the_store_is_an_empty_graph(
    shared_g: Service, trap: Trap, clause: str
) -> None:
    """FROM / FROM NAMED naming a graph the store does not hold read an empty graph (as
    Fuseki and Oxigraph do): nothing is fetched or read, and the store's own graphs are not
    in that dataset."""
    before = shared_g.fingerprint()
    clause = clause.replace("TRAP", trap.url)
    query = f"SELECT * {clause} WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
    response = shared_g.client.post("/sparql", content=query, headers=SPARQL_QUERY | JSON)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == []
    assert shared_g.fingerprint() == before


COPY = "INSERT { GRAPH <urn:copy> { ?s ?p ?o } }"
"""An update template that writes whatever its WHERE finds: nothing, from an empty graph."""


@pytest.mark.parametrize(
    ("path", "params", "text"),
    [
        ("/sparql", {"default-graph-uri": "TRAP"}, "SELECT * { ?s ?p ?o }"),
        (
            "/sparql",
            {"named-graph-uri": "file:///etc/passwd"},
            "SELECT * { GRAPH ?g { ?s ?p ?o } }",
        ),
        ("/update", {}, f"{COPY} USING <file:///etc/passwd> WHERE {{ ?s ?p ?o }}"),
        ("/update", {}, f"{COPY} USING NAMED <TRAP> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
        ("/update", {"using-graph-uri": "TRAP"}, f"{COPY} WHERE {{ ?s ?p ?o }}"),
        (
            "/update",
            {"using-named-graph-uri": "file:///etc/passwd"},
            f"{COPY} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        ),
    ],
)
def test_case_02_any_dataset_naming_a_graph_not_in_the_store_is_an_empty_graph(
    service: Service, trap: Trap, path: str, params: dict[str, str], text: str
) -> None:
    """The protocol's dataset parameters and an update's USING follow the FROM rule: a query
    finds nothing, an update copies nothing, nothing is fetched. (The update is a committed
    write all the same: the live findings' stamp records its time, so the data is compared.)"""
    _put(service, "urn:g", '<urn:s> <urn:p> "1" .')
    before = sorted(data_lines(service.store))
    text = text.replace("TRAP", trap.url)
    params = {key: value.replace("TRAP", trap.url) for key, value in params.items()}
    headers = SPARQL_QUERY | JSON if path == "/sparql" else SPARQL_UPDATE
    response = service.client.post(path, params=params, content=text, headers=headers)
    if path == "/sparql":
        assert response.status_code == 200, response.text
        assert response.json()["results"]["bindings"] == []
    else:
        assert response.status_code == 204, response.text
    assert sorted(data_lines(service.store)) == before


def test_case_02_a_dataset_of_graphs_in_the_store_is_read(service: Service) -> None:
    _put(service, "urn:g", '<urn:s> <urn:p> "1" .')
    _put(service, "urn:h", '<urn:t> <urn:p> "2" .')
    query = (
        "SELECT ?s FROM <urn:g> FROM NAMED <urn:h> { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    )
    response = service.client.post("/sparql", content=query, headers=SPARQL_QUERY | JSON)
    assert response.status_code == 200, response.text
    found = {row["s"]["value"] for row in response.json()["results"]["bindings"]}
    assert found == {"urn:s", "urn:t"}


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <file:///etc/passwd>",
        "LOAD <http://127.0.0.1/x> INTO GRAPH <urn:g>",
        "LOAD SILENT <TRAP> INTO GRAPH <urn:g>",
        "INSERT DATA { <urn:s> <urn:p> -0.5 } ; LOAD <http://127.0.0.1/x>",  # found by fuzzing
    ],
)
def test_case_03_load_is_refused_not_a_silent_204(
    shared_g: Service, trap: Trap, update: str
) -> None:
    before = shared_g.fingerprint()
    response = shared_g.client.post(
        "/update", content=update.replace("TRAP", trap.url), headers=SPARQL_UPDATE
    )
    body = problem_of(response, 403)
    assert body["detail"].startswith("LOAD ") and "refused" in body["detail"]
    assert shared_g.fingerprint() == before


@pytest.mark.parametrize("context", ["TRAP", "http://169.254.169.254/ctx", "file:///etc/passwd"])
def test_case_04_jsonld_remote_context_is_refused(
    service: Service, trap: Trap, context: str
) -> None:
    document = {"@context": context.replace("TRAP", trap.url), "@id": "urn:s", "p": 1}
    body = refused_upload(service, json.dumps(document), "application/ld+json", 400)
    assert "remote contexts are not fetched" in body["detail"]


def test_case_05_owl_imports_of_an_uploaded_ontology_is_not_followed(
    service: Service, trap: Trap
) -> None:
    """The store keeps `owl:imports` as a triple; nothing reads the imported IRI."""
    ontology = (
        f"<urn:onto> a <{OWL}Ontology> ; <{OWL}imports> <{trap.url}onto.ttl> , "
        "<http://169.254.169.254/onto> .\n"
    )
    response = service.client.put("/store?graph=urn:onto", content=ontology, headers=TTL | WRITE)
    assert response.status_code == 201, response.text
    assert service.store.count("urn:onto") == 3


def test_case_05_ontology_check_strips_owl_imports(trap: Trap) -> None:
    """What the reasoner is given has no `owl:imports` left to follow (owlready2 would)."""
    graph = Graph().parse(
        data=f"<urn:onto> a <{OWL}Ontology> ; <{OWL}imports> <{trap.url}onto.ttl> .",
        format="turtle",
    )
    given = Graph().parse(data=_ntriples_without_imports(graph), format="nt")
    assert (None, OWL.imports, None) not in given and len(given) == 1


def test_case_06_xml_external_entity_is_refused_unread(service: Service) -> None:
    document = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n'
        f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:e="http://e/">\n'
        '<rdf:Description rdf:about="http://e/s"><e:p>&x;</e:p></rdf:Description></rdf:RDF>\n'
    )
    body = refused_upload(service, document, "application/rdf+xml", 400)
    assert "external entity file:///etc/hostname is not read" in body["detail"]
    assert body["line"] == 2  # refused where it is declared, never referenced


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_case_05_sh_shapes_graph_and_owl_imports_in_posted_rdf_are_not_followed(
    service: Service, trap: Trap, engine: str
) -> None:
    """A data graph naming its shapes (`sh:shapesGraph`) or importing an ontology, and
    shapes importing one, are validated with what was posted and the rules only."""
    data = (
        f"<urn:data> <{SH}shapesGraph> <{trap.url}shapes.ttl> ; "
        f"<{OWL}imports> <http://169.254.169.254/onto> .\n"
    )
    shapes = (
        f"<urn:shapes> <{OWL}imports> <{trap.url}more-shapes.ttl> .\n"
        f"<urn:S> a <{SH}NodeShape> ; <{SH}targetNode> <urn:data> ; "
        f"<{SH}property> [ <{SH}path> <{OWL}imports> ; <{SH}maxCount> 1 ] .\n"
    )
    files = {
        "data": ("data.ttl", data, "text/turtle"),
        "shapes": ("shapes.ttl", shapes, "text/turtle"),
    }
    before = service.fingerprint()
    response = service.client.post(f"/validate?engine={engine}", files=files, headers=READ)
    assert response.status_code == 200, response.text
    assert service.fingerprint() == before
