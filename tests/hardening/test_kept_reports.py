"""Item 9 of issue 9: a read token cannot fill the disk with kept reports.

Posted shapes are never kept; a read-only caller's validation of an unchanged store is kept
once; the number of kept reports and the results each holds are capped
(`TRISKEL_MAX_REPORTS`, `TRISKEL_MAX_REPORT_RESULTS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.reports.snapshot import REPORT_GRAPH_PREFIX
from tests.hardening.conftest import READ, WRITE, Service

SB = "https://w3id.org/social-business#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
NT = {"Content-Type": "application/n-triples"}


def people(count: int) -> bytes:
    """`count` people in no organisation: one R17 warning each."""
    return "".join(f"<urn:p{i}> <{RDF_TYPE}> <{SB}Person> .\n" for i in range(count)).encode()


def kept(service: Service) -> list[str]:
    return [g for g in service.store.graphs() if g.startswith(REPORT_GRAPH_PREFIX)]


def ids(results: list[dict[str, Any]]) -> list[str]:
    """Result ids (a kept report's blank nodes come back with the store's labels)."""
    return [result["id"] for result in results]


def shapes_file(index: int) -> tuple[str, bytes, str]:
    body = (
        f"<urn:S{index}> <{RDF_TYPE}> <http://www.w3.org/ns/shacl#NodeShape> ;\n"
        f"  <http://www.w3.org/ns/shacl#targetClass> <{SB}Person> .\n"
    )
    return (f"s{index}.ttl", body.encode(), "text/turtle")


def test_fifty_posted_shapes_from_a_read_token_keep_nothing(embedded: Service) -> None:
    embedded.client.put("/store?graph=urn:test:data", content=people(3), headers=NT | WRITE)
    before = embedded.fingerprint()
    files = [("shapes", shapes_file(i)) for i in range(50)]
    response = embedded.client.post("/validate", headers=READ, files=files)
    assert response.status_code == 200, response.text
    assert "Location" not in response.headers and "report" not in response.json()
    assert kept(embedded) == [] and embedded.fingerprint() == before


def test_posted_shapes_are_not_kept_for_a_writer_either(embedded: Service) -> None:
    response = embedded.client.post("/validate", headers=WRITE, files=[("shapes", shapes_file(1))])
    assert response.status_code == 200 and kept(embedded) == []


def test_twenty_read_only_validations_of_an_unchanged_store_keep_one_report(
    embedded: Service,
) -> None:
    embedded.client.put("/store?graph=urn:test:data", content=people(3), headers=NT | WRITE)
    answers = [embedded.client.post("/validate", headers=READ) for _ in range(20)]
    assert all(a.status_code == 200 for a in answers)
    assert "Location" in answers[0].headers
    assert not any("Location" in a.headers for a in answers[1:])
    assert len(kept(embedded)) == 1
    embedded.client.post("/store?graph=urn:test:data", content=people(4), headers=NT | WRITE)
    assert "Location" in embedded.client.post("/validate", headers=READ).headers, "new state"
    assert "Location" in embedded.client.post("/validate?engine=pyshacl", headers=READ).headers
    assert len(kept(embedded)) == 3


def test_a_writer_has_every_validation_of_the_store_kept(embedded: Service) -> None:
    for _ in range(3):
        assert "Location" in embedded.client.post("/validate", headers=WRITE).headers
    assert len(kept(embedded)) == 3


def test_at_most_max_reports_are_kept(make_embedded: Callable[..., Service]) -> None:
    service = make_embedded(max_reports=3)
    ids = [service.client.post("/validate", headers=WRITE).headers["Location"] for _ in range(5)]
    listed = service.client.get("/reports", headers=READ)
    assert listed.headers["X-Total-Count"] == "3"
    assert [f"/reports/{r['id']}" for r in listed.json()["reports"]] == ids[:1:-1]


def test_a_kept_report_holds_at_most_max_report_results(
    make_embedded: Callable[..., Service],
) -> None:
    service = make_embedded(max_report_results=2)
    service.client.put("/store?graph=urn:test:data", content=people(5), headers=NT | WRITE)
    answer = service.client.post("/validate", headers=WRITE)
    assert answer.status_code == 200, answer.text
    whole = answer.json()
    found = sum(whole["counts"].values())
    assert len(whole["results"]) == found >= 5, "the caller gets every result"
    assert answer.headers["Triskel-Report-Truncated"] == f"2 of {found} results kept"
    assert whole["report"]["truncated"] is True and whole["report"]["results_kept"] == 2
    again = service.client.get(answer.headers["Location"], headers=READ)
    assert again.headers["Triskel-Report-Truncated"] == f"2 of {found} results kept"
    document = again.json()
    assert len(document["results"]) == 2 and document["truncated"] is True
    assert document["counts"] == whole["counts"] and document["conforms"] == whole["conforms"]
    assert ids(document["results"]) == ids(whole["results"])[:2]
    listed = service.client.get("/reports", headers=READ).json()["reports"]
    assert listed[0]["truncated"] is True and listed[0]["results_kept"] == 2


def test_a_report_within_the_cap_is_whole(make_embedded: Callable[..., Service]) -> None:
    service = make_embedded(max_report_results=100)
    service.client.put("/store?graph=urn:test:data", content=people(5), headers=NT | WRITE)
    answer = service.client.post("/validate", headers=WRITE)
    assert "Triskel-Report-Truncated" not in answer.headers
    again = service.client.get(answer.headers["Location"], headers=READ).json()
    assert "truncated" not in again and again["report"]["truncated"] is False
    assert ids(again["results"]) == ids(answer.json()["results"])
