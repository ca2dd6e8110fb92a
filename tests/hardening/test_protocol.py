"""Cases 20, 21 and 26 of the hardening issue: who may do what, and what a request must say.

Tokens: no token is a 401, a token without the role a 403, an unknown token a 401 (RFC 6750:
`invalid_token` vs `insufficient_scope`); no answer and no log line repeats a token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from service.api.auth import AccessPolicy, Role
from service.api.problems import CHALLENGE
from service.cli import main
from tests.api.conftest import TOKENS
from tests.hardening.conftest import READ, WRITE, Audit, Service, problem_of

INSERT = "INSERT DATA { <urn:s> <urn:p> 1 }"
SPARQL_UPDATE = {"Content-Type": "application/sparql-update"}
RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.mark.parametrize(
    "value",
    ['foo" } ; DROP ALL ; #', "x> ?p ?o } UNION { ?s ?p ?o", "' } ; CLEAR DEFAULT ; #"],
)
def test_case_20_a_named_query_parameter_is_a_term_never_text(service: Service, value: str) -> None:
    assert service.client.put(
        "/store?graph=urn:g",
        content='<urn:s> <http://www.w3.org/2000/01/rdf-schema#label> "foo" .',
        headers={"Content-Type": "application/n-triples"} | WRITE,
    ).is_success
    before = service.fingerprint()
    response = service.client.get(
        "/queries/find-by-name", params={"text": value}, headers=RESULTS | READ
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == []
    wrong_type = service.client.get(
        "/queries/conversations-since", params={"since": value}, headers=READ
    )
    problem_of(wrong_type, 400)
    assert service.fingerprint() == before


def test_case_20_named_queries_have_the_row_cap_and_time_limit(
    make_service: Callable[..., Service],
) -> None:
    service = make_service(max_rows=1)
    triples = "".join(
        f'<urn:s{i}> <http://www.w3.org/2000/01/rdf-schema#label> "foo {i}" .\n' for i in range(3)
    )
    service.client.put(
        "/store?graph=urn:g",
        content=triples,
        headers={"Content-Type": "application/n-triples"} | WRITE,
    )
    response = service.client.get(
        "/queries/find-by-name", params={"text": "foo"}, headers=RESULTS | READ
    )
    assert response.status_code == 200, response.text
    assert response.headers["triskel-truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == 1


def test_case_21_an_update_on_the_query_endpoint_is_a_400(service: Service) -> None:
    before = service.fingerprint()
    direct = service.client.post("/sparql", content=INSERT, headers=SPARQL_UPDATE | WRITE)
    assert "send a SPARQL update to POST /update" in problem_of(direct, (400, 415))["detail"]
    as_query = service.client.post(
        "/sparql", content=INSERT, headers={"Content-Type": "application/sparql-query"} | WRITE
    )
    problem_of(as_query, 400)
    in_url = service.client.get("/sparql", params={"update": INSERT}, headers=WRITE)
    problem_of(in_url, 400)
    assert service.fingerprint() == before


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer not-a-token-we-know"}, 401),
        ({"Authorization": "Basic d3JpdGU6bm90LWEtdG9rZW4td2Uta25vdw=="}, 401),
        ({"Authorization": "Basic bm90IGJhc2U2NA"}, 401),
        (READ, 403),
    ],
    ids=["none", "unknown", "basic-unknown", "basic-malformed", "read-role"],
)
def test_case_21_an_update_without_the_write_role_is_refused(
    shared: Service,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    status: int,
) -> None:
    before = shared.fingerprint()
    caplog.set_level(logging.DEBUG)
    response = shared.client.post("/update", content=INSERT, headers=SPARQL_UPDATE | headers)
    body = problem_of(response, status)
    if status == 401:
        assert response.headers["www-authenticate"] == CHALLENGE
    presented = headers.get("Authorization", "").partition(" ")[2]
    for secret in [*TOKENS.values(), presented]:
        if secret:
            assert secret not in response.text and secret not in str(body)
            assert secret not in caplog.text
    assert shared.fingerprint() == before


def test_case_21_reads_need_the_read_role_unless_public(
    make_service: Callable[..., Service],
) -> None:
    closed = make_service()
    reads = ("/sparql?query=ASK%7B%7D", "/queries", "/store?default", "/ontology", "/shapes")
    for path in reads:
        problem_of(closed.client.get(path), 401)
        assert closed.client.get(path, headers=READ).status_code == 200
    public = make_service(public_read=True)
    for path in reads:
        assert public.client.get(path).status_code == 200
    problem_of(public.client.post("/update", content=INSERT, headers=SPARQL_UPDATE), 401)
    assert public.client.post("/update", content=INSERT, headers=SPARQL_UPDATE | WRITE).is_success


def test_case_21_tokens_are_kept_only_as_digests() -> None:
    policy = AccessPolicy.from_settings(
        tokens="admin:very-secret-admin", public_read=False, open=False
    )
    assert "very-secret-admin" not in repr(policy)
    assert all(b"very-secret-admin" not in known for known, _ in policy.tokens)
    policy.check(Role.WRITE, "very-secret-admin", client_host=None)  # admin implies write


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/x-unknown", 415),
        ("", 415),
        ("application/rdf+xml", 400),
        ("application/ld+json", 400),
    ],
    ids=["unknown", "missing", "turtle-as-xml", "turtle-as-jsonld"],
)
def test_case_26_a_graph_in_a_wrong_or_unknown_content_type_is_refused(
    shared: Service, content_type: str, status: int
) -> None:
    before = shared.fingerprint()
    headers = WRITE | ({"Content-Type": content_type} if content_type else {})
    body = "@prefix : <urn:x#> . :s :p :o ."
    for method in (shared.client.put, shared.client.post):
        problem_of(method("/store?graph=urn:g", content=body, headers=headers), status)
    assert shared.fingerprint() == before


@pytest.mark.parametrize(
    "content_type",
    ["application/x-unknown", "", "text/turtle", "application/sparql-query; charset=latin-1"],
)
def test_case_26_sparql_in_a_wrong_or_unknown_content_type_is_refused(
    shared: Service, content_type: str
) -> None:
    before = shared.fingerprint()
    headers = WRITE | ({"Content-Type": content_type} if content_type else {})
    problem_of(shared.client.post("/update", content=INSERT, headers=headers), (400, 415))
    problem_of(shared.client.post("/sparql", content="ASK {}", headers=headers), (400, 415))
    assert shared.fingerprint() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sparql?query=ASK%7B%7D"),
        ("POST", "/update"),
        ("PUT", "/store?default"),
        ("GET", "/queries"),
        ("POST", "/validate"),
    ],
)
def test_cors_is_off_outside_the_published_ontology_and_shapes(
    service: Service, method: str, path: str
) -> None:
    """A browser page from another origin gets no CORS grant: neither on a preflight nor on
    the request itself (only GET /ontology and /shapes are public, see their own tests)."""
    origin = {"Origin": "https://evil.example"}
    preflight = service.client.options(
        path, headers=origin | {"Access-Control-Request-Method": method}
    )
    assert "access-control-allow-origin" not in preflight.headers
    response = service.client.request(method, path, headers=origin | READ)
    assert "access-control-allow-origin" not in response.headers
    public = service.client.get("/ontology", headers=origin)
    assert public.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7"])
def test_serve_refuses_a_public_address_without_tokens_before_binding(
    host: str,
    audit: Audit,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("TRISKEL_TOKENS", raising=False)
    assert main(["serve", "--host", host, "--store", "unused"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "needs TRISKEL_TOKENS" in error
    assert audit.binds == []


def test_no_token_is_kept_in_a_report(service: Service) -> None:
    """A validation of the store is kept (history graph and `/reports/{id}`): no token in it."""
    admin = {"Authorization": f"Bearer {TOKENS['admin']}"}
    response = service.client.post("/validate", headers=admin)
    assert response.status_code == 200, response.text
    kept = service.client.get(response.headers["location"], headers=READ)
    assert kept.status_code == 200, kept.text
    listing = service.client.get("/reports", headers=READ)
    dataset = service.store.export(None, media_type="application/n-quads", dataset=True)
    for text in (response.text, kept.text, listing.text, dataset.decode()):
        assert not any(token in text for token in TOKENS.values())
