"""Cases 14-16 and 22 of the hardening issue: a failed write changes nothing at all.

Each case fingerprints the whole store (sorted canonical N-Quads) before and after.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hardening.conftest import WRITE, Audit, Service, problem_of, unchanged

EX = "http://example.org/h#"
TTL = {"Content-Type": "text/turtle"} | WRITE
UPDATE = {"Content-Type": "application/sparql-update"} | WRITE
ORIGINAL = f"<{EX}a> <{EX}p> <{EX}b> .\n<{EX}b> <{EX}p> <{EX}c> .\n"


@pytest.fixture(scope="module")
def module_graphs(module_service: Service) -> Service:
    """The module's service with `ORIGINAL` in the graphs `urn:g` and `urn:B`."""
    for graph in ("urn:g", "urn:B"):
        put = module_service.client.put(f"/store?graph={graph}", content=ORIGINAL, headers=TTL)
        assert put.is_success, put.text
    return module_service


@pytest.fixture
def service(module_graphs: Service, audit: Audit) -> Iterator[Service]:
    """`module_graphs` for one case: every case here is a failed write, which must leave the
    store as it was (each case fails if it changed)."""
    yield from unchanged(module_graphs, audit)


def _broken_on_line_1002() -> str:
    """One prefix line, 1,000 valid triples (lines 2-1,001), then a broken line 1,002."""
    lines = [f"@prefix : <{EX}> ."] + [f":s{i} :p {i} ." for i in range(1_000)]
    return "\n".join([*lines, ":s :p :o :extra ."]) + "\n"


def test_case_14_a_break_after_1000_triples_names_its_line_and_stores_nothing(
    service: Service,
) -> None:
    before = service.fingerprint()
    response = service.client.put(
        "/store?graph=urn:new", content=_broken_on_line_1002(), headers=TTL
    )
    body = problem_of(response, 400)
    assert body["line"] == 1_002 and body["column"] > 1
    assert "line 1002" in body["detail"]
    assert service.fingerprint() == before
    assert "urn:new" not in service.store.graphs()


@pytest.mark.parametrize("method", ["put", "post"])
def test_case_15_a_broken_body_over_an_existing_graph_leaves_it_unchanged(
    service: Service, method: str
) -> None:
    before = service.fingerprint()
    send = getattr(service.client, method)
    response = send("/store?graph=urn:g", content=ORIGINAL + "<urn:s> <urn:p> .\n", headers=TTL)
    body = problem_of(response, 400)
    assert body["line"] == 3
    assert service.fingerprint() == before
    assert service.client.get("/store?graph=urn:g", headers=WRITE).text.count(EX) >= 6


@pytest.mark.parametrize(
    ("middle", "status"),
    [
        ("LOAD <http://127.0.0.1:1/bad>", 403),
        ("LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:x>", 403),
        ("INSERT DATA { <urn:s> <urn:p> }", 400),
        ("CREATE GRAPH <urn:g>", (400, 503)),
    ],
    ids=["load", "load-silent", "syntax", "create-existing"],
)
def test_case_16_a_failing_operation_undoes_the_whole_update(
    service: Service, middle: str, status: int | tuple[int, ...]
) -> None:
    """The last variant fails only when run (`CREATE GRAPH` of a graph that exists): the
    `INSERT DATA` before it, already applied inside the transaction, is undone too. The
    embedded store calls that a 400; Oxigraph server answers it with a 500, which the remote
    store passes on as a 503 (the endpoint failed, we cannot tell why)."""
    before = service.fingerprint()
    update = (
        f"INSERT DATA {{ GRAPH <urn:g> {{ <{EX}new> <{EX}p> 1 }} }} ;\n{middle} ;\n"
        f"DELETE DATA {{ GRAPH <urn:g> {{ <{EX}a> <{EX}p> <{EX}b> }} }}"
    )
    response = service.client.post("/update", content=update, headers=UPDATE)
    problem_of(response, status)
    assert service.fingerprint() == before


@pytest.mark.parametrize(
    ("media_type", "document"),
    [
        ("application/n-quads", '<urn:s> <urn:p> "1" <urn:B> .\n'),
        ("application/trig", "<urn:B> { <urn:s> <urn:p> 1 }\n"),
        (
            "application/ld+json",
            '{"@id": "urn:B", "@graph": [{"@id": "urn:s", "urn:p": 1}]}',
        ),
    ],
    ids=["nquads", "trig", "jsonld"],
)
def test_case_22_quads_for_another_graph_are_refused(
    service: Service, media_type: str, document: str
) -> None:
    before = service.fingerprint()
    mixed = document.replace('"1" <urn:B> .', '"1" <urn:B> .\n<urn:s> <urn:p> "2" <urn:A> .')
    response = service.client.put(
        "/store?graph=urn:A",
        content=mixed,
        headers={"Content-Type": media_type} | WRITE,
    )
    body = problem_of(response, 400)
    assert "urn:B" in body["detail"] and "urn:A" in body["detail"]
    assert service.fingerprint() == before
