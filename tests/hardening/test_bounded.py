"""Cases 7-13 of the hardening issue: no input makes the service hang, blow up or crash.

Parser guards (XML entities, bracket depth, term size), the request body cap, query time
and row limits; and a slow request holds one worker while the others are answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tests.hardening.conftest import READ, WRITE, Service, problem_of, refused_upload

EX = "http://example.org/h#"
TTL = {"Content-Type": "text/turtle"} | WRITE
JSONLD = {"Content-Type": "application/ld+json"} | WRITE
RESULTS = {"Accept": "application/sparql-results+json"} | READ
DEPTH = 100_000

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n<!ENTITY l0 "ha">\n'
    + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">\n' for i in range(1, 10))
    + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:e="http://e/"><rdf:Description rdf:about="http://e/s"><e:p>&l9;</e:p>'
    "</rdf:Description></rdf:RDF>\n"
)
QUADRATIC = (
    f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY a "{"a" * 50_000}">]>\n'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
    f'<rdf:Description rdf:about="http://e/s"><e:p>{"&a;" * 50_000}</e:p>'
    "</rdf:Description></rdf:RDF>\n"
)


@pytest.mark.parametrize("document", [BILLION_LAUGHS, QUADRATIC], ids=["laughs", "quadratic"])
def test_case_07_xml_entity_bombs_are_refused(service: Service, document: str) -> None:
    body = refused_upload(service, document, "application/rdf+xml", 400)
    assert "DTD entity declarations are not accepted in RDF/XML" in body["detail"]


def _load_long_literals(service: Service, count: int, length: int) -> None:
    literal = "a" * length + "!"
    triples = "".join(f'<{EX}s{i}> <{EX}p> "{literal}" .\n' for i in range(count))
    response = service.client.put(
        "/store?graph=urn:long",
        content=triples,
        headers={"Content-Type": "application/n-triples"} | WRITE,
    )
    assert response.status_code == 201, response.text


@pytest.fixture
def background() -> Iterator[Callable[[Callable[[], object]], dict[str, object]]]:
    """Run a call on a thread; its outcome lands in the returned dict under `done`."""
    threads: list[threading.Thread] = []

    def start(call: Callable[[], object]) -> dict[str, object]:
        outcome: dict[str, object] = {}
        thread = threading.Thread(target=lambda: outcome.setdefault("done", call()))
        thread.start()
        threads.append(thread)
        return outcome

    yield start
    for thread in threads:
        thread.join(timeout=60)


@pytest.mark.own_remote_server
def test_case_08_a_backtracking_regex_is_linear_or_a_503_and_others_are_answered(
    make_service: Callable[..., Service],
    background: Callable[[Callable[[], object]], dict[str, object]],
) -> None:
    """The engines match regexes in linear time, so `^(a+)+$` over a long literal just
    answers; over a cartesian product of long literals it runs past the budget (503) while
    other requests, queries included, are answered."""
    service = make_service(query_timeout_s=1.0)
    _load_long_literals(service, 300, 10_000)
    before = service.fingerprint()
    single = f'SELECT ?s {{ ?s <{EX}p> ?o FILTER regex(?o, "^(a+)+$") }}'
    answer = service.client.get("/sparql", params={"query": single}, headers=RESULTS)
    assert answer.status_code == 200 and answer.json()["results"]["bindings"] == []
    product = (
        f"SELECT (COUNT(*) AS ?n) {{ ?s <{EX}p> ?o . ?t <{EX}p> ?q "
        'FILTER regex(CONCAT(?o, ?q), "^(a+)+$") }'
    )
    slow = background(
        lambda: service.client.get("/sparql", params={"query": product}, headers=RESULTS)
    )
    time.sleep(0.2)
    assert service.client.get("/health").status_code == 200
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    assert service.client.get("/sparql", params={"query": count}, headers=RESULTS).is_success
    assert "done" not in slow  # both answered while the slow query still ran
    deadline = time.monotonic() + 30
    while "done" not in slow and time.monotonic() < deadline:
        time.sleep(0.05)
    body = problem_of(slow["done"], 503)
    assert "TRISKEL_QUERY_TIMEOUT_S" in body["detail"]
    assert service.fingerprint() == before


@pytest.mark.own_remote_server
def test_case_09_a_cartesian_product_is_cut_at_the_row_cap(
    make_service: Callable[..., Service],
) -> None:
    """The embedded store streams rows and stops at the cap (`Triskel-Truncated: true`).
    The remote store reads Oxigraph server's answer first: it abandons it (503) once it
    passes `TRISKEL_MAX_BODY_MB` or the time limit, so memory stays bounded either way."""
    service = make_service(max_rows=1_000, query_timeout_s=10.0, max_body_mb=2)
    triples = "".join(f"<{EX}s{i}> <{EX}p> {i} .\n" for i in range(10_000))
    service.client.put(
        "/store?graph=urn:g",
        content=triples,
        headers={"Content-Type": "application/n-triples"} | WRITE,
    )
    before = service.fingerprint()
    query = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    response = service.client.get("/sparql", params={"query": query}, headers=RESULTS)
    if type(service.store).__name__ == "RemoteStore":
        assert "TRISKEL_MAX_BODY_MB" in problem_of(response, 503)["detail"]
    else:
        assert response.status_code == 200, response.text
        assert response.headers["triskel-truncated"] == "true"
        assert len(response.json()["results"]["bindings"]) == 1_000
    assert service.fingerprint() == before


@pytest.mark.parametrize("endpoint", ["/sparql", "/update"])
def test_case_10_a_thousand_nested_groups_are_too_complex(service: Service, endpoint: str) -> None:
    before = service.fingerprint()
    if endpoint == "/sparql":
        text = "SELECT * WHERE " + "{ " * 1_000 + "?s ?p ?o " + "} " * 1_000
        headers = {"Content-Type": "application/sparql-query"} | READ
    else:
        text = "INSERT { <urn:s> <urn:p> 1 } WHERE " + "{ " * 1_000 + "} " * 1_000
        headers = {"Content-Type": "application/sparql-update"} | WRITE
    body = problem_of(service.client.post(endpoint, content=text, headers=headers), 400)
    assert "too complex" in body["detail"]
    assert service.fingerprint() == before


@pytest.mark.parametrize(
    ("opening", "closing"), [("[ :p ", " ]"), ("( ", " )")], ids=["blank-nodes", "lists"]
)
def test_case_11_turtle_nested_100k_deep_is_refused(
    service: Service, opening: str, closing: str
) -> None:
    service.client.put("/store?graph=urn:g", content="<urn:s> <urn:p> 1 .", headers=TTL)
    before = service.fingerprint()
    document = f"@prefix : <{EX}> . :s :p {opening * DEPTH}1{closing * DEPTH} ."
    for method in (service.client.put, service.client.post):
        response = method("/store?graph=urn:g", content=document, headers=TTL)
        body = problem_of(response, 400)
        assert "nested deeper than 1000 levels" in body["detail"]
    trig = f"@prefix : <{EX}> . <urn:g> {{ :s :p {opening * DEPTH}1{closing * DEPTH} . }}"
    response = service.client.put(
        "/store?graph=urn:g",
        content=trig,
        headers={"Content-Type": "application/trig"} | WRITE,
    )
    problem_of(response, 400)
    assert service.fingerprint() == before


def test_case_11_the_nesting_limit_is_a_setting(make_service: Callable[..., Service]) -> None:
    """Up to the limit nesting is fine; one level more is refused."""
    service = make_service(max_rdf_nesting=50)
    ok = f"@prefix : <{EX}> . :s :p {'[ :p ' * 50}1{' ]' * 50} ."
    assert service.client.put("/store?graph=urn:g", content=ok, headers=TTL).status_code == 201
    deeper = f"@prefix : <{EX}> . :s :p {'[ :p ' * 51}1{' ]' * 51} ."
    problem_of(service.client.put("/store?graph=urn:g", content=deeper, headers=TTL), 400)


def test_case_11_validate_reads_with_the_nesting_setting(
    make_service: Callable[..., Service],
) -> None:
    """`POST /validate` reads its body and its shapes parts with the limit `/store` uses."""
    service = make_service(max_rdf_nesting=50)
    before = service.fingerprint()
    ok = f"@prefix : <{EX}> . :s :p {'[ :p ' * 50}1{' ]' * 50} ."
    deeper = f"@prefix : <{EX}> . :s :p {'[ :p ' * 51}1{' ]' * 51} ."
    posted = {"Content-Type": "text/turtle"} | READ
    assert service.client.post("/validate", content=ok, headers=posted).status_code == 200
    body = problem_of(service.client.post("/validate", content=deeper, headers=posted), 400)
    assert "nested deeper than 50 levels" in body["detail"]
    parts = {"shapes": ("deep.ttl", deeper.encode(), "text/turtle")}
    body = problem_of(service.client.post("/validate", files=parts, headers=READ), 400)
    assert "nested deeper than 50 levels" in body["detail"]
    assert service.fingerprint() == before


def test_case_12_jsonld_nested_100k_deep_is_refused(service: Service) -> None:
    before = service.fingerprint()
    document = '{"@id": "urn:s", "urn:p": ' * DEPTH + '"x"' + "}" * DEPTH
    response = service.client.put("/store?graph=urn:g", content=document, headers=JSONLD)
    body = problem_of(response, 400)
    assert "nested deeper than" in body["detail"]
    arrays = '{"@id": "urn:s", "urn:p": ' + "[" * DEPTH + "1" + "]" * DEPTH + "}"
    response = service.client.put("/store?graph=urn:g", content=arrays, headers=JSONLD)
    problem_of(response, 400)
    assert service.fingerprint() == before


def test_case_13_a_50_mb_literal_is_too_large(service: Service) -> None:
    document = b'<urn:s> <urn:p> "' + b"x" * (50 * 1024 * 1024) + b'" .\n'
    body = refused_upload(service, document, "application/n-triples", 413)
    assert "over the parser's limit" in body["detail"]


def test_case_13_a_body_over_the_cap_is_refused_while_streaming(
    make_service: Callable[..., Service],
) -> None:
    """Without a Content-Length (chunked), the cap is checked as the body streams in."""
    service = make_service(max_body_mb=1)
    before = service.fingerprint()
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        line = b"<urn:s> <urn:p> " + b'"' + b"y" * 1_000 + b'" .\n'
        for _ in range(5_000):  # 5 MB offered
            sent.append(len(line))
            yield line

    response = service.client.post(
        "/store?graph=urn:g",
        content=chunks(),
        headers={"Content-Type": "application/n-triples"} | WRITE,
    )
    body = problem_of(response, 413)
    assert "TRISKEL_MAX_BODY_MB" in body["detail"]
    declared = service.client.post(
        "/store?graph=urn:g",
        content=b"x",
        headers={"Content-Type": "application/n-triples", "Content-Length": "9999999"} | WRITE,
    )
    problem_of(declared, (413, 400))
    assert service.fingerprint() == before


def test_validation_past_its_budget_is_a_503_while_others_are_answered(
    make_embedded: Callable[..., Service],
    background: Callable[[Callable[[], object]], dict[str, object]],
) -> None:
    """`TRISKEL_VALIDATION_TIMEOUT_S` ends a validation with a 503, nothing kept; the worker
    it leaves behind holds no one else up. (The payload takes about 2 s; the budget is 50 ms.)"""
    service = make_embedded(validation_timeout_s=0.05)
    people = "".join(
        f"<{EX}p{i}> a <https://w3id.org/social-business#Person> ; <{EX}knows> <{EX}p{i + 1}> .\n"
        for i in range(20_000)
    )
    before = service.fingerprint()
    slow = background(
        lambda: service.client.post("/validate?engine=pyshacl", content=people, headers=TTL | READ)
    )
    assert service.client.get("/health").status_code == 200
    deadline = time.monotonic() + 30
    while "done" not in slow and time.monotonic() < deadline:
        time.sleep(0.02)
    body = problem_of(slow["done"], 503)
    assert "TRISKEL_VALIDATION_TIMEOUT_S" in body["detail"]
    assert service.client.get("/reports", headers=READ).json() == {"reports": []}
    assert service.fingerprint() == before
