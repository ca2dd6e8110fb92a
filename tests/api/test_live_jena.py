"""Apache Jena's RDFConnection, unmodified, against a live `triskel serve`.

`tests/java/JenaClient.java` is compiled at test time against Debian's `libapache-jena-java`
(4.5.0) and run with Jena's own HTTP client (java.net.http, which offers an HTTP/2 upgrade on
every cleartext request), its default formats, Accept headers and GET-or-POST choice. It puts
a graph (Graph Store PUT of a model Jena parsed), loads a file into another (POST of the file
as it is), appends a model, runs an update, then a SELECT, an ASK and a CONSTRUCT; the test
checks Jena's answers and that the store holds exactly what was sent (graph isomorphism, so
blank nodes count too). Then with HTTP Basic credentials (the token as password, answered
through a `java.net.Authenticator` after the server's challenge): a write token writes, a read
token's write is refused and a wrong password is 401, both leaving the store unchanged.

Debian's jena-core.jar moved its bundled Xerces classes to the package `xerces` but left
their message bundles under `org/apache/jena/ext/xerces`, so Jena fails at start ("internal
error" in `XSSimpleTypeDecl`) for any program. The fixture copies those bundles to where the
moved classes look for them, first on the class path; Jena's code is run as shipped.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import httpx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from benchmarks.live import LiveServer
from tests.api.conftest import REFUSED_PASSWORDS, SECURED_READER, SECURED_TOKENS
from tests.jvm import JAR_DIR, compile_main, require

SOURCE = Path(__file__).resolve().parents[1] / "java" / "JenaClient.java"
MISPLACED_BUNDLES = "org/apache/jena/ext/xerces/"
EX = "http://example.org/"
GRAPH_A = f"{EX}jena-a"
GRAPH_B = f"{EX}jena-b"
PUT = f"""@prefix ex: <{EX}> .
ex:s ex:p "één"@nl, "tab\\there", "quote \\" and \\\\ backslash", 42, 1.5e0 ;
     ex:q [ ex:r ex:o ; ex:n "nested" ] ;
     ex:t "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .
"""
LOAD = f"""@prefix ex: <{EX}> .
ex:b ex:p "loaded as a file"^^ex:dt ; ex:q ( 1 2 3 ) .
"""
APPEND = f'<{EX}c> <{EX}p> <{EX}a> , _:x . _:x <{EX}p> "appended" .\n'
UPDATE_TRIPLE = f'<{EX}u> <{EX}p> "from the update"@en'
UPDATE = f"INSERT DATA {{ GRAPH <{GRAPH_B}> {{ {UPDATE_TRIPLE} }} }}"


@pytest.fixture(scope="module")
def jena(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The `java` command running the compiled JenaClient, minus its arguments."""
    require("jena-rdfconnection.jar", "libapache-jena-java")
    folder = tmp_path_factory.mktemp("jena")
    bundles = folder / "bundles"
    with zipfile.ZipFile(JAR_DIR / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(MISPLACED_BUNDLES) and not name.endswith("/"):
                target = bundles / "xerces" / name.removeprefix(MISPLACED_BUNDLES)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    return compile_main(SOURCE, folder / "classes", prefix=str(bundles))


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The three Turtle files Jena sends, as paths (Jena picks the syntax by extension)."""
    folder = tmp_path_factory.mktemp("documents")
    paths = []
    for name, text in (("put.ttl", PUT), ("load.ttl", LOAD), ("append.ttl", APPEND)):
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(str(folder / name))
    return paths


def _run(
    jena: list[str], url: str, documents: list[str], *credentials: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*jena, url, GRAPH_A, GRAPH_B, *documents, UPDATE, *credentials],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _stored(url: str, graph: str, headers: dict[str, str] | None = None) -> Graph:
    answer = httpx.get(
        f"{url}/store",
        params={"graph": graph},
        headers={"Accept": "application/n-triples"} | (headers or {}),
    )
    answer.raise_for_status()
    return Graph().parse(data=answer.text, format="nt")


def _expected() -> tuple[Graph, Graph]:
    """What graphs A and B must hold after the client's run."""
    graph_a = Graph().parse(data=PUT, format="turtle").parse(data=APPEND, format="turtle")
    graph_b = Graph().parse(data=LOAD, format="turtle")
    graph_b.parse(data=f"{UPDATE_TRIPLE} .", format="nt")
    return graph_a, graph_b


def _assert_answers(stdout: str) -> None:
    """Jena's SELECT, ASK and CONSTRUCT answers agree with what it sent."""
    graph_a, graph_b = _expected()
    lines, _, constructed = stdout.partition("CONSTRUCT\n")
    counts = dict(line.split()[1:] for line in lines.splitlines() if line.startswith("SELECT "))
    assert counts[GRAPH_A] == str(len(graph_a))
    assert counts[GRAPH_B] == str(len(graph_b))
    assert "ASK true" in lines.splitlines()
    assert isomorphic(Graph().parse(data=constructed, format="nt"), graph_a)


def test_jena_puts_loads_updates_and_queries(
    jena: list[str], documents: list[str], open_server: LiveServer
) -> None:
    url = open_server.url
    done = _run(jena, url, documents)
    assert done.returncode == 0, done.stderr
    _assert_answers(done.stdout)
    graph_a, graph_b = _expected()
    assert isomorphic(_stored(url, GRAPH_A), graph_a)
    assert isomorphic(_stored(url, GRAPH_B), graph_b)

    again = _run(jena, url, documents)  # PUT replaces, so A is the same; B grows by LOAD
    assert again.returncode == 0, again.stderr
    assert isomorphic(_stored(url, GRAPH_A), graph_a)


def test_jena_with_basic_credentials(
    jena: list[str], documents: list[str], secured_server: LiveServer
) -> None:
    url = secured_server.url
    done = _run(jena, url, documents, "anyone", SECURED_TOKENS["write"])
    assert done.returncode == 0, done.stderr
    _assert_answers(done.stdout)
    graph_a, graph_b = _expected()
    assert isomorphic(_stored(url, GRAPH_A, SECURED_READER), graph_a)

    for password, status in REFUSED_PASSWORDS:
        refused = _run(jena, url, documents, "anyone", password)
        assert refused.returncode != 0
        assert f"HttpException: {status}" in refused.stderr, refused.stderr
        assert isomorphic(_stored(url, GRAPH_A, SECURED_READER), graph_a)
        assert isomorphic(_stored(url, GRAPH_B, SECURED_READER), graph_b)
