"""Comunica (`@comunica/query-sparql`), unmodified, against a live `triskel serve`.

`tests/clients/comunica.js` runs updates with `queryVoid` (destination: Triskel's `/update`
as a SPARQL endpoint), then a SELECT with `queryBindings` and an ASK with `queryBoolean` over
`/sparql`; with `httpAuth` it sends HTTP Basic credentials (the token as password). The
packages are pinned by `tests/clients/package-lock.json` and installed by `make test`
(`npm ci`): without them these tests fail, saying so. The lock file's one override,
`rdf-data-factory` 2.1.0 everywhere, is needed by Comunica 4.5 itself: its SPARQL endpoint
source hands its own factory (1.x) to `sparqljson-parse` 3, which passes
`{language, direction}` where 1.x expects a language string, so every language-tagged literal
read from any endpoint came back untagged. Comunica 5 needs Node 22; the machine has Node 20.

An `INSERT DATA` reaches the server as Comunica writes it; a `DELETE ... INSERT ... WHERE` is
evaluated by Comunica itself (the WHERE as a query over `/sparql`) and sent as data. The
store must then hold exactly the result.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.live import LiveServer
from tests.api.conftest import REFUSED_PASSWORDS, SECURED_READER, SECURED_TOKENS

CLIENTS = Path(__file__).resolve().parents[1] / "clients"
EX = "http://example.org/"
GRAPH = f"{EX}comunica"
INSERT = (
    f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}a> <{EX}p> "één"@nl, 7, "tab\\tquote\\"" .'
    f" <{EX}b> <{EX}p> <{EX}a> }} }}"
)
REPLACE = (
    f"DELETE {{ GRAPH <{GRAPH}> {{ ?s <{EX}p> 7 }} }} "
    f"INSERT {{ GRAPH <{GRAPH}> {{ ?s <{EX}p> 8 }} }} "
    f"WHERE {{ GRAPH <{GRAPH}> {{ ?s <{EX}p> 7 }} }}"
)
SELECT = f"SELECT ?s ?o WHERE {{ GRAPH <{GRAPH}> {{ ?s <{EX}p> ?o }} }}"
ASK = f"ASK {{ GRAPH <{GRAPH}> {{ <{EX}a> <{EX}p> 8 }} }}"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
EXPECTED = sorted(
    [
        (f"{EX}a", "één"),
        (f"{EX}a", "8"),
        (f"{EX}a", 'tab\tquote"'),
        (f"{EX}b", f"{EX}a"),
    ]
)


@pytest.fixture(scope="module")
def comunica() -> list[str]:
    """The `node` command running tests/clients/comunica.js, minus its job."""
    node = shutil.which("node")
    if node is None or not (CLIENTS / "node_modules" / "@comunica" / "query-sparql").is_dir():
        pytest.fail(
            "Comunica needs Node.js and `npm ci` in tests/clients (make test runs it)",
            pytrace=False,
        )
    return [node, str(CLIENTS / "comunica.js")]


def _run(
    comunica: list[str], server: LiveServer, auth: str | None
) -> subprocess.CompletedProcess[str]:
    job = {
        "sparql": server.sparql,
        "update": server.update,
        "auth": auth,
        "updates": [INSERT, REPLACE],
        "select": SELECT,
        "ask": ASK,
    }
    return subprocess.run(
        [*comunica, json.dumps(job)], capture_output=True, text=True, timeout=120, check=False
    )


def _stored(server: LiveServer, headers: dict[str, str] | None = None) -> list[tuple[str, str]]:
    answer = httpx.post(
        server.sparql,
        data={"query": SELECT},
        headers={"Accept": "application/sparql-results+json"} | (headers or {}),
    )
    answer.raise_for_status()
    rows = answer.json()["results"]["bindings"]
    return sorted((row["s"]["value"], row["o"]["value"]) for row in rows)


def _assert_answers(answers: dict[str, Any]) -> None:
    rows = answers["select"]
    assert sorted((row["s"]["value"], row["o"]["value"]) for row in rows) == EXPECTED
    terms = {row["o"]["value"]: row["o"] for row in rows}
    assert terms["één"]["language"] == "nl"
    assert terms["8"]["datatype"] == XSD_INTEGER
    assert terms[f"{EX}a"]["termType"] == "NamedNode"
    assert answers["ask"] is True


def test_comunica_updates_and_queries(comunica: list[str], open_server: LiveServer) -> None:
    done = _run(comunica, open_server, None)
    assert done.returncode == 0, done.stderr
    _assert_answers(json.loads(done.stdout))
    assert _stored(open_server) == EXPECTED


def test_comunica_with_basic_credentials(comunica: list[str], secured_server: LiveServer) -> None:
    done = _run(comunica, secured_server, f"anyone:{SECURED_TOKENS['write']}")
    assert done.returncode == 0, done.stderr
    _assert_answers(json.loads(done.stdout))
    assert _stored(secured_server, SECURED_READER) == EXPECTED

    for password, status in REFUSED_PASSWORDS:
        refused = _run(comunica, secured_server, f"anyone:{password}")
        assert refused.returncode != 0
        assert f"HTTP status {status}" in refused.stderr, refused.stderr
        assert _stored(secured_server, SECURED_READER) == EXPECTED
