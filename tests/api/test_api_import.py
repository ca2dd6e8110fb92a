"""`POST /import/{kind}` on both backends: the summary, an idempotent re-import, a dry run and
a failed import that change nothing, the guard, multipart sources with a mapping, and the
write role."""

from __future__ import annotations

import doctest
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.routers import imports
from service.reports.canonical import canonical_hash
from tests.shared import fixture

XES = "eventlogs/pm4py/running-example.xes"
NAMED = {"Content-Disposition": 'attachment; filename="running-example.xes"'}
NQUADS = "application/n-quads"


def canonical(client: TestClient) -> str:
    """The canonical hash of everything in the store."""
    store = client.app.state.store  # type: ignore[attr-defined]
    return canonical_hash(store.export(None, media_type=NQUADS, dataset=True))


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(open=True)


def test_import_then_again_changes_nothing(client: TestClient) -> None:
    log = fixture(XES).read_bytes()
    dry = client.post("/import/eventlog", params={"dry_run": "true"}, content=log)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["written"], dry.json()["arcs"]) == (False, 18)
    assert client.get("/store", params={"graph": dry.json()["graph"]}).status_code == 404
    first = client.post("/import/eventlog", content=log, headers=NAMED)
    summary = first.json()
    assert (first.status_code, summary["written"], summary["graph"]) == (
        200, True, dry.json()["graph"]
    )  # fmt: skip
    assert (summary["people"], summary["conversations"], summary["acts"]) == (6, 6, 42)
    assert int(first.headers["Triskel-Findings-Opened"]) > 0, "the live findings follow"
    once = canonical(client)
    again = client.post("/import/eventlog", content=log, headers=NAMED)
    assert (again.status_code, again.json()["written"]) == (200, False)
    assert canonical(client) == once
    findings = client.get("/findings", params={"rule": "R14"}).json()
    assert [f["focus"] for f in findings["results"]] == [
        "urn:triskel:practice:eventlog:running-example"
    ]


def test_a_failed_import_changes_nothing(client: TestClient) -> None:
    client.post("/import/eventlog", content=fixture(XES).read_bytes())
    before = canonical(client)
    for params, body, status, detail in (
        ({}, b"<log><trace></log>", 400, "not well-formed XML"),
        ({}, b"id,when\n1,2\n", 400, "not an event log"),
        ({"option": "colour=red"}, b"", 400, "no option 'colour'"),
        ({"pseudonymise": "true"}, b"", 400, "TRISKEL_PSEUDONYM_KEY"),
        ({"graph": "urn:triskel:report:1"}, fixture(XES).read_bytes(), 403, "urn:triskel:"),
        (
            {"guard": "violation", "option": "log=other"},
            fixture(XES).read_bytes(),
            409,
            "add 7 finding",
        ),
    ):
        answer = client.post("/import/eventlog", params=params, content=body)
        assert answer.status_code == status, (params, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert detail in answer.json()["detail"]
    assert client.post("/import/fax", content=b"x").status_code == 404
    assert canonical(client) == before


def test_multipart_sources_with_a_mapping_and_options(client: TestClient) -> None:
    log = (
        "Ticket;Step;When;Who\n"
        "T-1;ask;2024-01-02T09:00:00Z;Ann\nT-1;answer;2024-01-02T10:00:00Z;Bob\n"
    )
    mapping = '[act_types]\nask = "request"\n'
    options = ["case=Ticket", "activity=Step", "timestamp=When", "resource=Who", "delimiter=;"]
    answer = client.post(
        "/import/eventlog",
        params={"option": options, "graph": "urn:example:helpdesk"},
        files=[("source", ("tickets.csv", log)), ("mapping", ("map.toml", mapping))],
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["graph"], answer.json()["arcs"]) == ("urn:example:helpdesk", 1)
    rows = client.post(
        "/sparql",
        data={
            "query": "SELECT ?t { GRAPH <urn:example:helpdesk> { ?a "
            "<https://w3id.org/social-business#actType> ?t } }"
        },
        headers={"Accept": "text/csv"},
    )
    assert rows.text.split() == ["t", "https://w3id.org/social-business#request"]


def test_importing_needs_the_write_role(
    make_client: Callable[..., TestClient], token_spec: str, tokens: dict[str, str]
) -> None:
    secured = make_client(tokens=token_spec)
    log = fixture(XES).read_bytes()
    reader = {"Authorization": f"Bearer {tokens['read']}"}
    assert secured.post("/import/eventlog", content=log).status_code == 401
    assert secured.post("/import/eventlog", content=log, headers=reader).status_code == 403
    writer = {"Authorization": f"Bearer {tokens['write']}"}
    assert secured.post("/import/eventlog", content=log, headers=writer).status_code == 200


def test_the_kinds_and_their_options(
    make_client: Callable[..., TestClient], token_spec: str, tokens: dict[str, str]
) -> None:
    """`GET /import/kinds` lists every kind with the options `POST /import/{kind}` takes; reading
    it needs the read role."""
    secured = make_client(tokens=token_spec)
    assert secured.get("/import/kinds").status_code == 401
    reader = {"Authorization": f"Bearer {tokens['read']}"}
    kinds = secured.get("/import/kinds", headers=reader).json()["kinds"]
    assert [k["kind"] for k in kinds] == ["archimate", "chat", "csv", "eventlog", "mbox"]
    eventlog = next(k for k in kinds if k["kind"] == "eventlog")
    case = next(o for o in eventlog["options"] if o["name"] == "case")
    assert case["default"] == "case:concept:name" and case["help"]


def test_doctests() -> None:
    assert doctest.testmod(imports).failed == 0


def test_mail_and_chat_archives_over_http(make_client: Callable[..., TestClient]) -> None:
    """An mbox and a zipped Slack export import as from the command; a zip slip is a 400, a
    zip that unpacks past the body limit a 413, and neither changes anything."""
    from tests.test_import_chat import slack_zip, zipped

    client = make_client(open=True, max_body_mb=1)
    mbox = (Path(__file__).parents[1] / "import_cases/mbox/threads/input.mbox").read_bytes()
    mail = client.post("/import/mbox", content=mbox)
    assert (mail.status_code, mail.json()["arcs"], mail.json()["people"]) == (200, 7, 4)
    chat = client.post("/import/chat", content=slack_zip())
    assert (chat.status_code, chat.json()["arcs"], chat.json()["details"]["bots"]) == (200, 4, 2)
    before = canonical(client)
    bomb = zipped({"users.json": b"[]", "general/2024-01-01.json": b" " * 2_000_000})
    for body, status, detail in (
        (zipped({"../users.json": b"[]"}), 400, "zip slip"),
        (bomb, 413, "zip bomb"),
    ):
        answer = client.post("/import/chat", content=body)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert detail in answer.json()["detail"]
    assert canonical(client) == before


def test_registers_over_http(client: TestClient) -> None:
    """An HR register named by its Content-Disposition is read with its shipped mapping; one
    without a register's name (and no mapping) is a 400 and changes nothing."""
    people = (Path(__file__).parents[2] / "data/import-tour/people.csv").read_bytes()
    named = {"Content-Disposition": 'attachment; filename="people.csv"'}
    answer = client.post("/import/csv", content=people, headers=named)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["people"], answer.json()["organisations"]) == (3, 2)
    before = canonical(client)
    refused = client.post("/import/csv", content=people)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "upload is no register with a shipped mapping" in refused.json()["detail"]
    assert canonical(client) == before


def test_an_engine_missing_a_library_is_a_503(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A register the RML engine cannot read for want of a system library is the server's
    problem (503, naming the library), not the caller's, and changes nothing."""
    (tmp_path / "pyodbc.py").write_text(
        'raise ImportError("libodbc.so.2: cannot open shared object file")\n', encoding="utf-8"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    people = (Path(__file__).parents[2] / "data/import-tour/people.csv").read_bytes()
    before = canonical(client)
    named = {"Content-Disposition": 'attachment; filename="people.csv"'}
    answer = client.post("/import/csv", content=people, headers=named)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "libodbc.so.2" in answer.json()["detail"]
    assert canonical(client) == before
