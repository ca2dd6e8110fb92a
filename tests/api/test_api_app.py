"""The app factory, lifespan, health, OpenAPI, problem+json mapping and access modes."""

from __future__ import annotations

import doctest
import importlib
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service import __version__
from service.api import create_app
from service.api.problems import PROBLEM_JSON, position, status_of
from service.errors import (
    AuthError,
    DiskFullError,
    ForbiddenOperationError,
    InputError,
    LimitExceededError,
    NotAcceptableError,
    NotFoundError,
    OperationFailedError,
    QuerySyntaxError,
    RDFSyntaxError,
    StoreError,
    TooLargeError,
    TriskelError,
    UnsupportedFormatError,
)
from service.resources import ONTOLOGY_VERSION
from service.settings import Settings

ASK = {"query": "ASK {}"}
INSERT = {"update": "INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }"}


def test_building_an_app_touches_no_disk(tmp_path: Path) -> None:
    create_app(Settings(store_path=tmp_path / "store"))
    assert not (tmp_path / "store").exists()


def test_a_malformed_token_list_is_refused_when_the_app_is_built(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="TRISKEL_TOKENS"):
        create_app(Settings(store_path=tmp_path, tokens="superuser:x"))


def test_health_reports_store_counts_and_versions(make_client: Callable[..., TestClient]) -> None:
    client = make_client(open=True)
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["version"] == __version__
    assert health["ontology_version"] == ONTOLOGY_VERSION
    assert health["graphs"] == 2  # the ontology and the live findings' stamp (no findings)
    assert health["triples"] > 100
    client.post("/update", data=INSERT)
    # the triple, and the `sbr:lastWrite` the service's first write adds to the stamp
    assert client.get("/health").json()["triples"] == health["triples"] + 2


def test_openapi_documents_every_route(make_client: Callable[..., TestClient]) -> None:
    client = make_client(open=True)
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/sparql", "/update", "/store"} <= set(paths)
    assert set(paths["/store"]) == {"get", "put", "post", "delete"}


def test_unknown_routes_and_methods_answer_problem_json(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(open=True)
    missing = client.get("/nowhere")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM_JSON)
    wrong = client.put("/sparql", params=ASK)
    assert (wrong.status_code, wrong.headers["content-type"]) == (405, PROBLEM_JSON)
    assert client.get("/store", params={"graph": "http://x/", "extra": "1"}).status_code == 404


def test_an_unexpected_error_is_a_bare_500_and_a_store_failure_a_503(tmp_path: Path) -> None:
    app = create_app(Settings(store_path=tmp_path / "store", open=True))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/shadow")

    @app.get("/store-down")
    def store_down() -> None:
        raise StoreError("the store at var/store could not be opened")

    with TestClient(app, base_url="http://localhost:8000", raise_server_exceptions=False) as client:
        response = client.get("/boom")
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM_JSON
        assert "secret" not in response.text
        assert "/etc/shadow" not in response.text
        down = client.get("/store-down")
        assert down.status_code == 503
        assert down.headers["retry-after"]


def test_public_read_lets_anyone_read_but_not_write(
    make_client: Callable[..., TestClient], token_spec: str
) -> None:
    client = make_client(tokens=token_spec, public_read=True)
    assert client.get("/sparql", params=ASK).status_code == 200
    assert client.post("/update", data=INSERT).status_code == 401
    private = make_client(tokens=token_spec)
    assert private.get("/sparql", params=ASK).status_code == 401


def test_open_mode_writes_only_from_loopback(make_client: Callable[..., TestClient]) -> None:
    local = make_client(open=True)
    assert local.post("/update", data=INSERT).status_code == 204
    remote = make_client(open=True, client=("192.0.2.7", 40000))
    assert remote.get("/sparql", params=ASK).status_code == 200
    refused = remote.post("/update", data=INSERT)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == PROBLEM_JSON


def test_the_public_surface_is_the_factory() -> None:
    import service.api

    assert service.api.__all__ == ["create_app"]
    assert all(hasattr(service.api, name) for name in service.api.__all__)


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (AuthError("no token"), 401),
        (AuthError("weak token", forbidden=True), 403),
        (NotAcceptableError("html"), 406),
        (UnsupportedFormatError("text/x"), 415),
        (TooLargeError("big"), 413),
        (ForbiddenOperationError("LOAD"), 403),
        (OperationFailedError("the graph <g> does not exist"), 400),
        (QuerySyntaxError("SPARQL syntax error at 3:7: expected"), 400),
        (NotFoundError("graph"), 404),
        (LimitExceededError("slow"), 503),
        (StoreError("down"), 503),
    ],
)
def test_each_error_kind_has_its_status(exc: TriskelError, status: int) -> None:
    assert status_of(exc) == status


def test_a_full_disk_is_a_507_and_a_syntax_error_gives_its_position() -> None:
    assert status_of(DiskFullError("the update failed: the disk is full")) == 507
    assert status_of(StoreError("the endpoint is down")) == 503
    assert position(QuerySyntaxError("SPARQL syntax error at 3:7: expected")) == (3, 7)
    assert position(RDFSyntaxError("bad", source="x.ttl", line=1002, column=4)) == (1002, 4)


@pytest.mark.parametrize(
    "module",
    [
        "service.api.auth",
        "service.api.edge",
        "service.api.problems",
        "service.api.routers.graph_store",
        "service.api.routers.sparql",
    ],
)
def test_the_edge_modules_examples_run(module: str) -> None:
    """The examples in the docstrings of the HTTP edge are doctests: they cannot rot."""
    failures, tried = doctest.testmod(importlib.import_module(module))
    assert tried > 0 and failures == 0
