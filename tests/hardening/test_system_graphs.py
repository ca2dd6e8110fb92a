"""Item 7 of issue 9: system graphs (`urn:triskel:…`, kept reports first) are written by the
service alone.

A write token used to be able to `PUT` a report graph (then `/reports` answered 500 for
everyone) and to write report or blank-node graphs through guarded updates, which were never
validated yet visible to queries. Every case asserts the answer (status and problem+json) and
that the store did not change.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import pytest

from service.errors import ForbiddenOperationError, InputError
from service.store.system_graphs import (
    check_update,
    is_system_graph,
    service_writes,
    update_targets,
)
from tests.hardening.conftest import READ, WRITE, Audit, Service, problem_of, unchanged

REPORT = "urn:triskel:report:20260101T000000000000Z-abcdef"
TTL = {"Content-Type": "text/turtle"} | WRITE
TRIG = {"Content-Type": "application/trig"} | WRITE
NQUADS = {"Content-Type": "application/n-quads"} | WRITE
UPDATE = {"Content-Type": "application/sparql-update"} | WRITE
TRIPLE = "<urn:ex:s> <urn:ex:p> <urn:ex:o> .\n"


def _with_a_report(service: Service) -> Service:
    """`service` given one data graph and one kept report."""
    assert service.client.put("/store?graph=urn:ex:data", content=TRIPLE, headers=TTL).is_success
    assert service.client.post("/validate", headers=WRITE).status_code == 200
    return service


@pytest.fixture(scope="module")
def module_kept(module_service: Service) -> Service:
    return _with_a_report(module_service)


@pytest.fixture
def kept(module_kept: Service, audit: Audit) -> Iterator[Service]:
    """A service with one data graph and one kept report, shared by the module's cases that
    are refused (each fails if the store changed)."""
    yield from unchanged(module_kept, audit)


@pytest.fixture
def own_kept(service: Service) -> Service:
    """A service with one data graph and one kept report, for a case that writes."""
    return _with_a_report(service)


def _refused(service: Service, send: Callable[[], object], status: int = 403) -> dict[str, object]:
    before = service.fingerprint()
    body = problem_of(send(), status)
    assert service.fingerprint() == before
    return body


@pytest.mark.parametrize("method", ["put", "post"])
@pytest.mark.parametrize("guard", [None, "violation"])
def test_a_graph_store_write_to_a_report_graph_is_403(
    kept: Service, method: str, guard: str | None
) -> None:
    send = getattr(kept.client, method)
    params = {"graph": REPORT} | ({"guard": guard} if guard else {})
    body = _refused(kept, lambda: send("/store", params=params, content=TRIPLE, headers=TTL))
    assert "system graph, written by the service alone" in str(body["detail"])
    assert kept.client.get("/reports", headers=READ).status_code == 200


@pytest.mark.parametrize(
    "graph", ["urn:triskel:derived", "URN:Triskel:report:x", "urn:triskel:analytics:people"]
)
def test_every_urn_triskel_graph_but_files_and_imports_is_a_system_graph(
    kept: Service, graph: str
) -> None:
    _refused(
        kept,
        lambda: kept.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL),
    )


def test_file_and_import_graphs_are_data(service: Service) -> None:
    for graph in ("urn:triskel:file:example/x.ttl", "urn:triskel:import:csv:ab12"):
        answer = service.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
        assert answer.status_code == 201, answer.text
    assert not is_system_graph("urn:triskel:import:csv:ab12")


def test_deleting_a_kept_report_through_the_graph_store_is_403(kept: Service) -> None:
    graph = next(g for g in kept.store.graphs() if g.startswith("urn:triskel:report:"))
    _refused(kept, lambda: kept.client.delete("/store", params={"graph": graph}, headers=WRITE))
    assert graph in kept.store.graphs()


def test_a_trig_upload_naming_a_report_graph_is_refused(kept: Service) -> None:
    """An upload may name only its target graph (400), and a system graph as target is 403."""
    trig = f"<{REPORT}> {{ {TRIPLE} }}"
    _refused(kept, lambda: kept.client.post("/store?default", content=trig, headers=TRIG), 400)
    _refused(
        kept,
        lambda: kept.client.post("/store", params={"graph": REPORT}, content=trig, headers=TRIG),
    )


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (f"_:g {{ {TRIPLE} }}", TRIG),
        ("<urn:ex:s> <urn:ex:p> <urn:ex:o> _:g .\n", NQUADS),
    ],
    ids=["trig", "nquads"],
)
@pytest.mark.parametrize("target", ["default", "graph=urn:ex:data"])
def test_a_blank_node_graph_name_in_an_upload_is_400(
    kept: Service, body: str, headers: dict[str, str], target: str
) -> None:
    detail = _refused(
        kept, lambda: kept.client.post(f"/store?{target}", content=body, headers=headers), 400
    )["detail"]
    assert "graph" in str(detail)


FINE_TRIG = f"<urn:ex:fine> {{ {TRIPLE} }}\n"
FINE_NQUADS = "<urn:ex:s> <urn:ex:p> <urn:ex:o> <urn:ex:fine> .\n"
DATASETS = {
    "trig-report": (TRIG, f"{FINE_TRIG}<{REPORT}> {{ {TRIPLE} }}", ForbiddenOperationError),
    "nquads-report": (
        NQUADS,
        f'{FINE_NQUADS}<urn:ex:s> <urn:ex:p> "1" <{REPORT}> .',
        ForbiddenOperationError,
    ),
    "trig-blank": (TRIG, f"{FINE_TRIG}_:g {{ {TRIPLE} }}", InputError),
    "nquads-blank": (NQUADS, f'{FINE_NQUADS}<urn:ex:s> <urn:ex:p> "1" _:g .', InputError),
}


@pytest.mark.parametrize(("headers", "data", "error"), DATASETS.values(), ids=DATASETS)
def test_a_dataset_load_keeping_its_graphs_refuses_system_and_blank_node_graphs(
    kept: Service, headers: dict[str, str], data: str, error: type[Exception]
) -> None:
    """The store's own load entrance (what `triskel load` of a dataset uses) checks every
    graph the data names, on both backends, and writes nothing."""
    before = kept.fingerprint()
    with pytest.raises(error, match=r"system graph|blank-node graph"):
        kept.store.load(
            data.encode(),
            media_type=headers["Content-Type"],
            graph=None,
            keep_graphs=True,
        )
    assert kept.fingerprint() == before


def test_a_load_into_a_system_graph_is_refused_by_the_store_itself(kept: Service) -> None:
    before = kept.fingerprint()
    with pytest.raises(ForbiddenOperationError, match="system graph"):
        kept.store.load(TRIPLE.encode(), media_type="text/turtle", graph=REPORT)
    assert kept.fingerprint() == before


UPDATES = {
    "insert-data": f"INSERT DATA {{ GRAPH <{REPORT}> {{ {TRIPLE} }} }}",
    "delete-data": f"DELETE DATA {{ GRAPH <{REPORT}> {{ {TRIPLE} }} }}",
    "prefixed": f"PREFIX r: <urn:triskel:report:> INSERT DATA {{ GRAPH r:x {{ {TRIPLE} }} }}",
    "escaped": f"INSERT DATA {{ GRAPH <urn:triskel:\\u0072eport:x> {{ {TRIPLE} }} }}",
    "cr-comment": f"INSERT DATA {{ <urn:a> <urn:b> 1 }} # x\r; INSERT DATA {{ GRAPH <{REPORT}>"
    f" {{ {TRIPLE} }} }}",
    "bnode-graph": f"INSERT {{ GRAPH ?g {{ {TRIPLE} }} }} WHERE {{ BIND(BNODE() AS ?g) }}",
    "graph-var": "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "delete-where": "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    "with": f"WITH <{REPORT}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "drop": f"DROP GRAPH <{REPORT}>",
    "clear-silent": f"CLEAR SILENT GRAPH <{REPORT}>",
    "create": "CREATE GRAPH <urn:triskel:report:new>",
    "drop-all": "DROP ALL",
    "clear-named": "CLEAR NAMED",
    "add": f"ADD DEFAULT TO <{REPORT}>",
    "copy": f"COPY <urn:ex:data> TO GRAPH <{REPORT}>",
    "move-from": f"MOVE <{REPORT}> TO DEFAULT",
    "base": f"BASE <urn:triskel:report:y> INSERT DATA {{ GRAPH <> {{ {TRIPLE} }} }}",
    "glued-graph": f"INSERT DATA {{ <urn:a> <urn:b> trueGRAPH <{REPORT}> {{ {TRIPLE} }} }}",
}


@pytest.mark.parametrize("guard", [None, "violation"])
@pytest.mark.parametrize("update", UPDATES.values(), ids=UPDATES.keys())
def test_an_update_that_may_write_a_system_graph_is_403(
    kept: Service, update: str, guard: str | None
) -> None:
    params = {"guard": guard} if guard else {}
    body = _refused(
        kept, lambda: kept.client.post("/update", params=params, content=update, headers=UPDATE)
    )
    assert "nothing was written" in str(body["detail"])
    assert kept.client.get("/reports", headers=READ).status_code == 200


ALLOWED = {
    "read-reports": "INSERT { GRAPH <urn:ex:copy> { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "copy-out": "ADD <{report}> TO <urn:ex:other>",
    "default": f"INSERT DATA {{ {TRIPLE} }}",
    "graph-in-string": f"INSERT DATA {{ <urn:a> <urn:b> 'GRAPH <{REPORT}>' }}",
    "graph-in-comment": f"INSERT DATA {{ <urn:a> <urn:b> 1 }} # GRAPH <{REPORT}>\n",
    "drop-data": "DROP GRAPH <urn:ex:data>",
}


@pytest.mark.parametrize("update", ALLOWED.values(), ids=ALLOWED.keys())
def test_updates_that_only_read_system_graphs_still_run(own_kept: Service, update: str) -> None:
    report = next(g for g in own_kept.store.graphs() if g.startswith("urn:triskel:report:"))
    answer = own_kept.client.post(
        "/update", content=update.replace("{report}", report), headers=UPDATE
    )
    assert answer.status_code == 204, answer.text
    assert report in own_kept.store.graphs()


def test_drop_all_and_delete_from_any_graph_run_while_no_system_graph_exists(
    service: Service,
) -> None:
    assert service.client.put("/store?graph=urn:ex:data", content=TRIPLE, headers=TTL).is_success
    delete = "DELETE WHERE { GRAPH ?g { ?s <urn:ex:p> ?o } }"
    answer = service.client.post("/update", content=delete, headers=UPDATE)
    assert answer.status_code == 204, answer.text
    insert = "INSERT { GRAPH ?g { <urn:a> <urn:b> 1 } } WHERE { VALUES ?g { <urn:ex:x> } }"
    problem_of(service.client.post("/update", content=insert, headers=UPDATE), 403)
    answer = service.client.post("/update", content="DROP ALL", headers=UPDATE)
    assert answer.status_code == 204, answer.text
    assert "urn:ex:data" not in service.store.graphs()


def test_the_service_itself_writes_system_graphs(embedded: Service) -> None:
    with service_writes():
        embedded.store.update(f"INSERT DATA {{ GRAPH <urn:triskel:derived> {{ {TRIPLE} }} }}")
    assert "urn:triskel:derived" in embedded.store.graphs()


def test_reports_survive_a_malformed_report_graph(
    own_kept: Service, caplog: pytest.LogCaptureFixture
) -> None:
    broken = (
        f"<{REPORT}> a <http://www.w3.org/ns/shacl#ValidationReport> ;"
        ' <http://purl.org/dc/terms/identifier> "x" ;'
        ' <http://purl.org/dc/terms/created> "not a date" ;'
        " <http://www.w3.org/ns/shacl#conforms> true ;"
        ' <https://w3id.org/social-business/report#dataFingerprint> "f" ;'
        ' <https://w3id.org/social-business/report#shapesVersion> "s" ;'
        ' <https://w3id.org/social-business/report#engine> "e" ;'
        ' <https://w3id.org/social-business/report#violations> "many" ;'
        " <https://w3id.org/social-business/report#warnings> 0 ;"
        " <https://w3id.org/social-business/report#infos> 0 ."
    )
    with service_writes():
        own_kept.store.load(broken.encode(), media_type="text/turtle", graph=REPORT)
    with caplog.at_level(logging.WARNING):
        listed = own_kept.client.get("/reports", headers=READ)
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["reports"]) == 1
    assert any("malformed" in r.getMessage() for r in caplog.records)
    problem_of(own_kept.client.get(f"/reports/{REPORT.rsplit(':', 1)[1]}", headers=READ), 404)


def test_the_update_scan_is_cheap_on_a_megabyte_insert() -> None:
    """Measured: the fast path (no keyword at all) and the full scan of 1 MB."""
    lines = "".join(f'<urn:ex:s{i}> <urn:ex:p> "value {i}" .\n' for i in range(25_000))
    plain = f"INSERT DATA {{ {lines} }}"
    named = f"INSERT DATA {{ GRAPH <urn:ex:g> {{ {lines} }} }}"
    assert len(plain) > 1_000_000
    assert update_targets(plain).graphs == frozenset()
    started = time.perf_counter()
    check_update(plain, None, list)
    fast = time.perf_counter() - started
    started = time.perf_counter()
    assert update_targets(named).graphs == frozenset({"urn:ex:g"})
    full = time.perf_counter() - started
    assert full < 10, full
    assert fast < 0.1, fast


def test_reports_page_and_the_history_is_bounded(embedded: Service) -> None:
    from service.reports.history import Retention, entries, prune

    for _ in range(3):
        assert embedded.client.post("/validate", headers=WRITE).status_code == 200
    answer = embedded.client.get("/reports", params={"limit": 2, "offset": 0}, headers=READ)
    assert answer.headers["x-total-count"] == "3"
    assert answer.headers["link"] == '</reports?limit=2&offset=2>; rel="next"'
    page = embedded.client.get("/reports", params={"limit": 2, "offset": 1}, headers=READ).json()
    assert len(page["reports"]) == 2
    newest = embedded.client.get("/reports", headers=READ).json()["reports"]
    assert [r["id"] for r in newest[1:]] == [r["id"] for r in page["reports"]]
    dropped = prune(embedded.store, Retention(1))
    assert len(dropped) == 2 and entries(embedded.store)[1] == 1
