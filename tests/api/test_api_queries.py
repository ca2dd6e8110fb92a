"""`GET /queries` and `GET|POST /queries/{name}`: listing, every fixture case over HTTP on both
backends, parameters from the URL, a form or JSON, negotiation, errors, injection, start-up."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.catalog import Catalog
from service.errors import QuerySyntaxError
from service.resources import QUERIES_DIR
from service.settings import Settings

CASES_DIR = Path(__file__).parent.parent / "query_cases"
CASES = sorted(path.name for path in CASES_DIR.iterdir() if (path / "expected.csv").is_file())
CASE_GRAPH = "urn:test:case"
SALES = {"practice": "https://example.org/case/sales"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
VIRTUOSO_DIFFERS = {
    "brokers": "a comparison's boolean comes back as the integer 1 or 0",
    "key-people-per-practice": "a comparison's boolean comes back as the integer 1 or 0",
    "network-vs-org-chart": 'it finds no nested units where the chart nests them ("nested")',
}
"""Named queries Virtuoso 7.2 answers otherwise than SPARQL 1.1 says (README, Engines)."""
INJECTIONS = ['x" } ; DROP ALL ; #', "x> ?p ?o } UNION { ?s ?p ?o"]


def _params(case: str) -> dict[str, str]:
    path = CASES_DIR / case / "params.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def case_client(module_client: TestClient) -> Iterator[Callable[[str], TestClient]]:
    """`load(case)`: the module's app with one fixture case in its own graph, for one test."""

    def load(case: str) -> TestClient:
        put = module_client.put(
            "/store",
            params={"graph": CASE_GRAPH},
            content=(CASES_DIR / case / "data.ttl").read_bytes(),
            headers={"content-type": "text/turtle"},
        )
        assert put.status_code in (201, 204), put.text
        return module_client

    yield load
    module_client.delete("/store", params={"graph": CASE_GRAPH})


def test_the_listing_shows_every_query_with_its_metadata(module_client: TestClient) -> None:
    response = module_client.get("/queries")
    assert response.status_code == 200
    listed = {entry["name"]: entry for entry in response.json()}
    catalog = Catalog.load(QUERIES_DIR)
    assert list(listed) == [query.name for query in catalog]
    assert len(listed) >= 12
    for query in catalog:
        entry = listed[query.name]
        assert (entry["title"], entry["description"]) == (query.title, query.description)
        assert entry["sparql"] == query.text
        assert entry["parameters"] == [
            {"name": p.name, "type": p.type, "description": p.description} for p in query.parameters
        ]


@pytest.mark.parametrize("case", CASES)
def test_every_case_gives_its_expected_rows(
    case_client: Callable[[str], TestClient], case: str
) -> None:
    """The exact rows of tests/query_cases over HTTP; parameters bound on both backends."""
    _expected_rows(case_client, case)


@pytest.mark.backends("virtuoso")
@pytest.mark.parametrize("case", sorted(set(CASES) - set(VIRTUOSO_DIFFERS)))
def test_every_case_gives_its_expected_rows_on_virtuoso(
    case_client: Callable[[str], TestClient], case: str
) -> None:
    """The same rows from Virtuoso, but for the cases it answers otherwise."""
    _expected_rows(case_client, case)


def _expected_rows(case_client: Callable[[str], TestClient], case: str) -> None:
    client = case_client(case)
    response = client.get(f"/queries/{case}", params=_params(case), headers={"accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.headers["vary"] == "Accept"
    expected = (CASES_DIR / case / "expected.csv").read_text(encoding="utf-8")
    assert _rows(response.text) == _rows(expected)


def test_get_form_and_json_bodies_give_the_same_answer(
    case_client: Callable[[str], TestClient],
) -> None:
    client = case_client("strong-external-ties")
    url = "/queries/strong-external-ties"
    by_get = client.get(url, params={"min_weight": "5"})
    by_form = client.post(url, data={"min_weight": "5"})
    by_json = client.post(url, json={"min_weight": 5})
    assert by_get.status_code == by_form.status_code == by_json.status_code == 200
    assert by_get.json()["results"]["bindings"]
    assert by_get.json() == by_form.json() == by_json.json()


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_answers_are_negotiated_as_on_sparql(
    module_client: TestClient, accept: str | None, media_type: str
) -> None:
    headers = {"accept": accept} if accept else {}
    named = module_client.get("/queries/people-by-practice", params=SALES, headers=headers)
    assert named.status_code == 200
    assert named.headers["content-type"].split(";")[0] == media_type


def test_a_type_no_select_answer_has_is_406(module_client: TestClient) -> None:
    response = module_client.get(
        "/queries/brokers", headers={"accept": "text/turtle, application/n-triples"}
    )
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.json()["detail"]


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("strong-external-ties", {"min_weight": "five"}, "must be an integer"),
        ("conversations-since", {"since": "yesterday"}, "must be a date"),
        ("people-by-practice", {"practice": "sales"}, "must be an absolute IRI"),
        ("people-by-practice", {}, "needs parameter practice"),
        ("brokers", {"limit": "3"}, "has no parameter limit"),
    ],
)
def test_a_wrong_parameter_is_400(
    module_client: TestClient, name: str, params: dict[str, str], message: str
) -> None:
    response = module_client.get(f"/queries/{name}", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"min_weight=1&min_weight=2", "application/x-www-form-urlencoded", 400),
        (b'{"min_weight": true}', "application/json", 400),
        (b'["min_weight"]', "application/json", 400),
        (b'{"min_weight": ', "application/json", 400),
        (b"min_weight=1", "text/plain", 415),
    ],
)
def test_a_malformed_body_is_refused(
    module_client: TestClient, body: bytes, content_type: str, status: int
) -> None:
    response = module_client.post(
        "/queries/strong-external-ties", content=body, headers={"content-type": content_type}
    )
    assert response.status_code == status, response.text


def test_an_unknown_query_is_404(module_client: TestClient) -> None:
    response = module_client.get("/queries/no-such-query")
    assert response.status_code == 404
    assert "no-such-query" in response.json()["detail"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_an_injection_attempt_finds_nothing_and_changes_nothing(
    case_client: Callable[[str], TestClient], value: str
) -> None:
    client = case_client("find-by-name")
    before = client.get("/sparql", params={"query": COUNT}).json()
    as_string = client.get("/queries/find-by-name", params={"text": value})
    assert as_string.status_code == 200
    assert as_string.json()["results"]["bindings"] == []
    as_iri = client.get("/queries/tool-impact", params={"tool": value})
    assert as_iri.status_code == 400
    assert client.get("/sparql", params={"query": COUNT}).json() == before


def test_named_queries_keep_the_row_cap(make_client: Callable[..., TestClient]) -> None:
    client = make_client(open=True, max_rows=1)
    response = client.get("/queries/people-by-practice", params=SALES)
    assert response.status_code == 200
    assert "triskel-truncated" not in response.headers  # the empty store has no row to cut
    put = client.put(
        "/store",
        params={"graph": CASE_GRAPH},
        content=(CASES_DIR / "people-by-practice" / "data.ttl").read_bytes(),
        headers={"content-type": "text/turtle"},
    )
    assert put.status_code == 201
    response = client.get("/queries/people-by-practice", params=SALES)
    assert response.headers["triskel-truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == 1


@pytest.mark.own_remote_server
def test_named_queries_keep_the_time_limit(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    (tmp_path / "triple-product.rq").write_text(
        "# title: Triple product\n# description: Slow on purpose: a cube of the triples.\n"
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?p ?d . ?e ?p ?f }\n",
        encoding="utf-8",
    )
    client = make_client(open=True, query_timeout_s=0.3, queries_dir=tmp_path)
    triples = " ".join(f"<urn:s{i}> <urn:p> {i} ." for i in range(150))
    put = client.put(
        "/store",
        params={"graph": CASE_GRAPH},
        content=triples,
        headers={"content-type": "text/turtle"},
    )
    assert put.status_code == 201
    response = client.get("/queries/triple-product")
    assert response.status_code == 503
    assert "TRISKEL_QUERY_TIMEOUT_S" in response.json()["detail"]


def test_queries_need_read_access(make_client: Callable[..., TestClient], token_spec: str) -> None:
    client = make_client(tokens=token_spec)
    assert client.get("/queries").status_code == 401
    authorised = {"authorization": "Bearer read-token"}
    assert client.get("/queries", headers=authorised).status_code == 200


def test_a_queries_folder_of_its_own_is_served(tmp_path: Path) -> None:
    (tmp_path / "all-graphs.rq").write_text(
        "# title: All graphs\n# description: The named graphs.\n"
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }\n",
        encoding="utf-8",
    )
    app = create_app(Settings(store_path=tmp_path / "store", queries_dir=tmp_path, open=True))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert [q["name"] for q in client.get("/queries").json()] == ["all-graphs"]
        assert client.get("/queries/all-graphs").status_code == 200


def test_a_broken_query_file_stops_the_start_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken-query.rq").write_text(
        "# title: Broken\n# description: Does not parse.\nSELECT ?x WHERE { ?x \n",
        encoding="utf-8",
    )
    app = create_app(Settings(store_path=tmp_path / "store", queries_dir=tmp_path, open=True))
    with pytest.raises(QuerySyntaxError, match=r"broken-query\.rq"), TestClient(app):
        pass
