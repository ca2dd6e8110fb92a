"""Items 8, 15 and 17 of the second hardening issue: the HTTP edge.

* DNS rebinding: a request whose `Host` is not a name the service is served under is a 421
  before anything runs.
* Cross-site request forgery: in open mode a page on another origin could write with a plain
  form (`/update`) or a multipart upload (`/store`); a request that may change state from
  another origin is a 403 unless it carries a bearer token (Basic credentials are cached and
  sent by browsers on their own, so they do not count).
* HTTP Basic beside Bearer (the token as password), with a challenge clients answer.
* Smaller: a token under two roles, graph IRIs and service description independent of `Host`,
  `Allow` of `OPTIONS`, gzip, a `Location` that answers, ASK as CSV/TSV, "querys".

Each refused write asserts the problem+json answer and that the store is unchanged.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import anyio
import pytest
from rdflib import Graph, URIRef
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from service.api import create_app
from service.api.edge import Compression
from service.api.problems import CHALLENGE
from service.errors import InputError
from service.settings import Settings
from tests.api.conftest import TOKENS
from tests.hardening.conftest import READ, WRITE, Service, problem_of

INSERT = "INSERT DATA { GRAPH <urn:csrf> { <urn:s> <urn:p> 1 } }"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
EVIL = "https://evil.example"
SD_ENDPOINT = URIRef("http://www.w3.org/ns/sparql-service-description#endpoint")


def basic(user: str, token: str) -> dict[str, str]:
    """An `Authorization: Basic` header with the token as password."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


def multipart(boundary: str = "x") -> tuple[bytes, dict[str, str]]:
    """A browser-style multipart upload of one Turtle file."""
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="x.ttl"\r\n'
        "Content-Type: text/turtle\r\n\r\n"
        "<urn:s> <urn:p> <urn:o> .\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


# -- DNS rebinding: the Host header ------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8000", "127.0.0.1.evil.example:8000", "testserver", "[::2]"],
)
def test_a_foreign_host_is_a_421_and_nothing_runs(
    make_embedded: Callable[..., Service], host: str
) -> None:
    service = make_embedded(open=True)
    before = service.fingerprint()
    read = service.client.get("/sparql", params={"query": "ASK {}"}, headers={"Host": host})
    body = problem_of(read, 421)
    assert "TRISKEL_SERVED_HOSTS" in body["detail"]
    write = service.client.post("/update", data={"update": INSERT}, headers={"Host": host})
    problem_of(write, 421)
    token_write = service.client.post(
        "/update", data={"update": INSERT}, headers={"Host": host} | WRITE
    )
    problem_of(token_write, 421)
    assert service.fingerprint() == before


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST", "127.0.0.1:9999"]
)
def test_loopback_names_are_answered_on_any_port(
    make_embedded: Callable[..., Service], host: str
) -> None:
    service = make_embedded(open=True)
    response = service.client.get("/health", headers={"Host": host})
    assert response.status_code == 200, response.text


def test_served_hosts_and_the_public_url_add_names(make_embedded: Callable[..., Service]) -> None:
    service = make_embedded(
        open=True,
        served_hosts="kg.internal, proxy.example:443",
        public_url="https://kg.example.org/",
    )
    for host in ("kg.internal", "kg.internal:8000", "proxy.example:443", "kg.example.org"):
        assert service.client.get("/health", headers={"Host": host}).status_code == 200, host
    problem_of(service.client.get("/health", headers={"Host": "proxy.example:8443"}), 421)
    problem_of(service.client.get("/health", headers={"Host": "evil.example"}), 421)


def test_served_hosts_star_answers_any_host(make_embedded: Callable[..., Service]) -> None:
    service = make_embedded(served_hosts="*")
    assert service.client.get("/health", headers={"Host": "anything.example"}).status_code == 200


def test_a_bad_public_url_or_served_hosts_entry_stops_the_start(tmp_path: object) -> None:
    with pytest.raises(InputError, match="TRISKEL_PUBLIC_URL"):
        create_app(Settings(public_url="kg.example.org"))
    with pytest.raises(InputError, match="TRISKEL_SERVED_HOSTS entry 2 is empty"):
        create_app(Settings(served_hosts="a.example,,b.example"))


# -- Cross-site request forgery -----------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Origin": "http://localhost:8000"},  # another origin than the one the page targets
        {"Origin": "http://127.0.0.1:3000"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
    ids=["foreign", "null", "other-name", "other-port", "fetch-cross-site", "fetch-same-site"],
)
def test_open_mode_refuses_a_cross_site_form_post_to_update(
    make_service: Callable[..., Service], origin: dict[str, str]
) -> None:
    service = make_service(open=True)
    before = service.fingerprint()
    response = service.client.post("/update", content=f"update={INSERT}", headers=FORM | origin)
    body = problem_of(response, 403)
    assert "another origin" in body["detail"]
    assert service.fingerprint() == before


def test_open_mode_refuses_a_cross_site_multipart_upload_and_other_writes(
    make_service: Callable[..., Service],
) -> None:
    service = make_service(open=True)
    before = service.fingerprint()
    content, headers = multipart()
    origin = {"Origin": EVIL}
    problem_of(service.client.post("/store", content=content, headers=headers | origin), 403)
    problem_of(
        service.client.post(
            "/store", params={"graph": "urn:g"}, content=content, headers=headers | origin
        ),
        403,
    )
    turtle = {"Content-Type": "text/turtle"}
    problem_of(
        service.client.put(
            "/store",
            params={"graph": "urn:g"},
            content="<urn:s> <urn:p> 1 .",
            headers=turtle | origin,
        ),
        403,
    )
    problem_of(service.client.delete("/store", params={"default": ""}, headers=origin), 403)
    problem_of(service.client.post("/validate", headers=origin), 403)
    assert service.fingerprint() == before


def test_the_same_origin_and_clients_without_origin_still_write(
    make_embedded: Callable[..., Service],
) -> None:
    service = make_embedded(open=True)
    own = {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
    assert service.client.post("/update", data={"update": INSERT}, headers=own).status_code == 204
    content, headers = multipart()
    assert service.client.post("/store", content=content, headers=headers).status_code == 201
    assert service.store.graphs()


def test_a_bearer_token_may_write_from_another_origin_basic_may_not(
    make_embedded: Callable[..., Service],
) -> None:
    """A browser never adds a bearer token by itself; it does resend cached Basic credentials."""
    service = make_embedded()
    before = service.fingerprint()
    origin = {"Origin": EVIL}
    by_basic = service.client.post(
        "/update", data={"update": INSERT}, headers=origin | basic("me", TOKENS["write"])
    )
    problem_of(by_basic, 403)
    assert service.fingerprint() == before
    by_bearer = service.client.post("/update", data={"update": INSERT}, headers=origin | WRITE)
    assert by_bearer.status_code == 204, by_bearer.text
    assert service.fingerprint() != before


def test_reads_from_another_origin_are_unchanged(make_embedded: Callable[..., Service]) -> None:
    service = make_embedded(open=True)
    origin = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    query = service.client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    assert query.status_code == 200
    assert "access-control-allow-origin" not in query.headers
    published = service.client.get("/ontology", headers=origin)
    assert published.status_code == 200
    assert published.headers["access-control-allow-origin"] == "*"
    preflight = service.client.options(
        "/update", headers=origin | {"Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


# -- HTTP Basic beside Bearer -------------------------------------------------------------------


def test_basic_credentials_carry_the_token_as_password(
    make_embedded: Callable[..., Service],
) -> None:
    service = make_embedded()
    insert = {"update": INSERT}
    written = service.client.post("/update", data=insert, headers=basic("any", TOKENS["write"]))
    assert written.status_code == 204, written.text
    ask = service.client.get(
        "/sparql",
        params={"query": "ASK { GRAPH <urn:csrf> { ?s ?p ?o } }"},
        headers=basic("someone-else", TOKENS["read"]),
    )
    assert ask.json()["boolean"] is True
    before = service.fingerprint()
    reader = service.client.post("/update", data=insert, headers=basic("x", TOKENS["read"]))
    problem_of(reader, 403)
    for headers in (basic("write", "wrong"), basic("write", ""), {"Authorization": "Basic !!"}):
        refused = service.client.post("/update", data=insert, headers=headers)
        body = problem_of(refused, 401)
        assert refused.headers["www-authenticate"] == CHALLENGE
        assert "wrong" not in json.dumps(body)
    assert service.fingerprint() == before


def test_the_challenge_names_basic_first_with_a_realm(
    make_embedded: Callable[..., Service],
) -> None:
    """Java's HTTP client (Jena) answers only a challenge whose first scheme is Basic."""
    service = make_embedded()
    refused = service.client.get("/sparql", params={"query": "ASK {}"})
    problem_of(refused, 401)
    challenge = refused.headers["www-authenticate"]
    assert challenge.startswith('Basic realm="triskel"') and "Bearer" in challenge


def test_a_token_under_two_roles_stops_the_start_naming_positions_not_the_token() -> None:
    with pytest.raises(InputError) as refused:
        create_app(Settings(tokens="read:shared-secret,admin:other,write:shared-secret"))
    assert "entry 3 repeats the token of entry 1" in str(refused.value)
    assert "shared-secret" not in str(refused.value)


# -- Smaller edges (item 17) --------------------------------------------------------------------


def test_a_graph_created_by_post_is_named_independently_of_host(
    make_embedded: Callable[..., Service],
) -> None:
    """GSP §5.5: `Location` is the new graph's IRI; it is built on the configured base and
    answers a GET itself."""
    for settings, base in (
        ({}, "http://127.0.0.1:8000"),
        ({"public_url": "https://kg.example.org/"}, "https://kg.example.org"),
    ):
        service = make_embedded(open=True, **settings)
        created = service.client.post(
            "/store",
            content="<urn:s> <urn:p> <urn:o> .",
            headers={"Content-Type": "text/turtle", "Host": "localhost:8000"},
        )
        assert created.status_code == 201, created.text
        location = created.headers["location"]
        assert location.startswith(f"{base}/store/graphs/")
        assert location in service.store.graphs()
        path = urlsplit(location).path
        back = service.client.get(path, headers={"Accept": "application/n-triples"})
        assert back.status_code == 200, back.text
        assert back.text.strip() == "<urn:s> <urn:p> <urn:o> ."


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/sparql", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/update", {"POST", "OPTIONS"}),
        ("/store", {"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"}),
    ],
)
def test_options_and_405_name_every_method_of_the_path(
    make_embedded: Callable[..., Service], path: str, methods: set[str]
) -> None:
    service = make_embedded()
    options = service.client.options(path)
    assert options.status_code == 204
    assert set(options.headers["allow"].split(", ")) == methods
    refused = service.client.patch(path, headers=WRITE)
    assert set(problem_of(refused, 405)["detail"].split("allowed: ")[1].split(", ")) == methods
    assert set(refused.headers["allow"].split(", ")) == methods


def test_the_service_description_does_not_echo_the_host(
    make_embedded: Callable[..., Service],
) -> None:
    for settings, expected in (
        ({}, "http://127.0.0.1:8000/sparql"),
        ({"public_url": "https://kg.example.org/triskel"}, "https://kg.example.org/triskel/sparql"),
    ):
        service = make_embedded(open=True, **settings)
        described = service.client.get("/sparql", headers={"Host": "localhost:8000"})
        assert described.status_code == 200
        graph = Graph().parse(data=described.text, format="turtle")
        assert set(graph.objects(None, SD_ENDPOINT)) >= {URIRef(expected)}
        assert "localhost" not in described.text


def test_relative_iris_of_an_update_resolve_against_the_configured_base(
    make_embedded: Callable[..., Service],
) -> None:
    service = make_embedded(open=True)
    update = "INSERT DATA { GRAPH <urn:g> { <thing> <urn:p> 1 } }"
    headers = {"Content-Type": "application/sparql-update", "Host": "localhost:8000"}
    assert service.client.post("/update", content=update, headers=headers).status_code == 204
    rows = service.client.get(
        "/sparql", params={"query": "SELECT ?s { GRAPH <urn:g> { ?s ?p ?o } }"}
    ).json()["results"]["bindings"]
    assert [row["s"]["value"] for row in rows] == ["http://127.0.0.1:8000/thing"]


@pytest.mark.parametrize(
    ("accept", "true", "false"),
    [
        ("text/csv", "_askResult\r\ntrue\r\n", "_askResult\r\nfalse\r\n"),
        ("text/tab-separated-values", "?_askResult\ntrue\n", "?_askResult\nfalse\n"),
    ],
)
def test_ask_in_csv_and_tsv_is_a_one_column_table(
    service: Service, accept: str, true: str, false: str
) -> None:
    for query, expected in (("ASK {}", true), ("ASK { <urn:none> ?p ?o }", false)):
        response = service.client.get(
            "/sparql", params={"query": query}, headers={"Accept": accept} | READ
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(accept)
        assert response.text == expected


def test_no_error_says_querys(service: Service) -> None:
    before = service.fingerprint()
    wrong = service.client.post(
        "/sparql", content=INSERT, headers={"Content-Type": "application/sparql-update"} | WRITE
    )
    detail = problem_of(wrong, (400, 415))["detail"]
    assert "querys" not in detail and "runs SPARQL queries" in detail
    assert service.fingerprint() == before


# -- gzip ---------------------------------------------------------------------------------------


def test_large_answers_are_gzipped_small_ones_not(make_embedded: Callable[..., Service]) -> None:
    service = make_embedded(open=True)
    triples = "".join(f'<urn:s{i}> <urn:p> "value {i}" .\n' for i in range(2000))
    nt = {"Content-Type": "application/n-triples"}
    assert service.client.put("/store?graph=urn:big", content=triples, headers=nt).is_success
    zipped = {"Accept-Encoding": "gzip", "Accept": "application/n-triples"}
    big = service.client.get("/store?graph=urn:big", headers=zipped)
    assert big.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in big.headers["vary"]
    assert len(big.text.splitlines()) == 2000
    assert int(big.headers["content-length"]) < len(big.content) / 3
    small = service.client.get("/health", headers=zipped)
    assert "content-encoding" not in small.headers
    identity = {"Accept": "text/turtle", "Accept-Encoding": "identity"}
    plain = service.client.get("/store?graph=urn:big", headers=identity)
    assert "content-encoding" not in plain.headers


def test_a_gzipped_published_file_has_a_weak_etag_that_still_revalidates(
    make_embedded: Callable[..., Service],
) -> None:
    service = make_embedded(open=True)
    first = service.client.get("/ontology", headers={"Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    again = service.client.get(
        "/ontology", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert again.status_code == 304
    identity = service.client.get("/ontology", headers={"Accept-Encoding": "identity"})
    assert identity.headers["etag"] == etag.removeprefix("W/")


def test_compression_keeps_a_streamed_answer_streaming() -> None:
    """Each chunk of a streamed answer leaves compressed (and decodable) before the next one is
    produced: the body is not gathered first."""
    produced: list[int] = []
    sent: list[tuple[int, bytes, bool]] = []

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(5):
            produced.append(i)
            yield (f"chunk {i} " * 400).encode()

    async def stream(request: Request) -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="text/plain")

    app = Compression(Starlette(routes=[Route("/stream", stream)]))
    start: dict[str, object] = {}

    requested: list[bool] = []

    async def receive() -> dict[str, object]:
        if requested:  # the client stays connected: nothing more to receive
            await anyio.sleep_forever()
        requested.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            assert isinstance(body, bytes)
            sent.append((len(produced), body, bool(message.get("more_body"))))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/stream",
        "raw_path": b"/stream",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    anyio.run(app, scope, receive, send)
    headers = {bytes(k).decode(): bytes(v).decode() for k, v in start["headers"]}  # type: ignore[attr-defined]
    assert headers["content-encoding"] == "gzip" and "content-length" not in headers
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    for number, (seen, body, _) in enumerate(sent[:5]):
        assert seen == number + 1  # sent before the next chunk was produced
        assert decoder.decompress(body).decode() == f"chunk {number} " * 400
    assert not sent[-1][2]
