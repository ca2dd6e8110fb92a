"""The dashboard with tokens, and CORS for `/sparql`, against a live `triskel serve` with
`TRISKEL_TOKENS` and `TRISKEL_CORS_ORIGINS`: nothing shows without the read role; a token
entered once is kept for the tab and sent as a bearer header; pages of a listed origin may
query `/sparql` (preflight included) and no other route; other origins may not."""

from __future__ import annotations

import doctest
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import expect

from benchmarks import live
from benchmarks.browser import OfflinePage
from benchmarks.live import LiveServer
from service.api import cors, create_app
from service.errors import InputError
from service.resources import DATA_DIR
from service.settings import Settings
from tests.web.conftest import screenshot, visit

READ, WRITE = "read-1", "write-1"
ASK = "ASK { ?s ?p ?o }"

Opened = Callable[..., OfflinePage]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The example behind tokens; `http://localhost:PORT` (another origin than the
    `127.0.0.1` the server is reached at) is the listed CORS origin."""
    folder = tmp_path_factory.mktemp("web-tokens")
    port = live.free_port()
    env = {
        "TRISKEL_STORE_PATH": str(folder / "store"),
        "TRISKEL_TOKENS": f"read:{READ},write:{WRITE}",
        "TRISKEL_CORS_ORIGINS": f"http://localhost:{port}",
    }
    args = ["--load-if-empty", str(DATA_DIR / "example")]
    running = live.start(args, env=env, log=folder / "log", port=port)
    yield running
    running.stop()


def listed(server: LiveServer) -> str:
    return f"http://localhost:{server.port}"


def test_nothing_without_a_token_then_data_with_it(server: LiveServer, opened: Opened) -> None:
    assert httpx.get(f"{server.url}/findings").status_code == 401
    page = opened(server.url).page
    assert visit(page, f"{server.url}/") == "error"
    expect(page.locator("#token-form")).to_be_visible()
    assert page.locator("#findings-total").count() == 0
    screenshot(page, "token-form")
    expect(page.locator("#token-form [role=alert]")).to_contain_text("needs a token")
    page.fill("#token", "not-a-token")
    page.click("#token-form button")
    expect(page.locator("#token-form [role=alert]")).to_contain_text("the token is not valid")
    page.fill("#token", READ)
    page.click("#token-form button")
    total = httpx.get(
        f"{server.url}/findings", params={"limit": 0}, headers={"Authorization": f"Bearer {READ}"}
    ).json()["page"]["total"]
    expect(page.locator("#findings-total")).to_have_text(str(total))
    assert page.evaluate("sessionStorage.getItem('triskel.token')") == READ
    visit(page, f"{server.url}/findings?limit=10")  # a new page: the token is still there
    expect(page.locator("tr.finding")).to_have_count(min(total, 10))
    page.click("#forget-token")
    expect(page.locator("#token-form")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('triskel.token')") is None


def test_a_listed_origin_may_query_sparql(server: LiveServer, opened: Opened) -> None:
    """A page of the listed origin (`localhost`) reads `/sparql` at `127.0.0.1` with a
    bearer token, GET and POST; the browser refuses it `/findings` (no CORS there)."""
    page = opened(server.url, listed(server)).page
    page.goto(f"{listed(server)}/static/favicon.svg")
    answers = page.evaluate(
        """async ([url, token, query]) => {
            const auth = {
                Authorization: `Bearer ${token}`, Accept: "application/sparql-results+json"
            };
            const asked = `${url}/sparql?query=${encodeURIComponent(query)}`;
            const get = await fetch(asked, { headers: auth });
            const post = await fetch(`${url}/sparql`, {
                method: "POST", headers: { ...auth, "Content-Type": "application/sparql-query" },
                body: query,
            });
            let findings = "read";
            try { await fetch(`${url}/findings`, { headers: auth }); }
            catch { findings = "refused"; }
            return [(await get.json()).boolean, (await post.json()).boolean, findings];
        }""",
        [server.url, READ, ASK],
    )
    assert answers == [True, True, "refused"]


def test_preflight_allows_the_listed_origin_only(server: LiveServer) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = httpx.options(f"{server.sparql}", headers={"Origin": listed(server), **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == listed(server)
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    other = httpx.options(
        server.sparql, headers={"Origin": "https://elsewhere.example", **preflight}
    )
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    read = {"Authorization": f"Bearer {READ}", "Accept": "application/sparql-results+json"}
    for origin, expected in ((listed(server), listed(server)), ("https://elsewhere.example", None)):
        answer = httpx.get(server.sparql, params={"query": ASK}, headers={"Origin": origin, **read})
        assert answer.status_code == 200
        assert answer.headers.get("access-control-allow-origin") == expected


def test_writes_stay_same_origin(server: LiveServer) -> None:
    preflight = {"Origin": listed(server), "Access-Control-Request-Method": "POST"}
    for path in ("/update", "/store"):
        answer = httpx.options(f"{server.url}{path}", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
    update = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> 1 } }"
    cross = httpx.post(
        f"{server.url}/update",
        data={"update": update},
        headers={"Origin": listed(server), "Authorization": f"Bearer {WRITE}"},
    )
    assert "access-control-allow-origin" not in cross.headers


def test_cors_origins_setting_is_checked() -> None:
    assert doctest.testmod(cors).failed == 0
    with pytest.raises(InputError, match="TRISKEL_CORS_ORIGINS entry 2"):
        create_app(Settings(cors_origins="https://ok.example, https://bad.example/path"))
