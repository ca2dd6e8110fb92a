"""`triskel load | query | export`: output, and exit codes (0 ok, 2 bad input, one line)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from service.cli import main

TTL = "@prefix ex: <http://example.org/> .\nex:a ex:p 1 .\nex:b ex:p 2 .\n"


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with good and bad RDF files; the environment names no remote store."""
    for name in ("TRISKEL_SPARQL_URL", "TRISKEL_STORE_PATH"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "org.ttl").write_text(TTL)
    (tmp_path / "broken.ttl").write_text(TTL + "ex:c ex:p .\n")
    (tmp_path / "q.rq").write_text("SELECT ?s { ?s ?p 2 }")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_load_query_export(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(files / "store")
    code, _, err = run(capsys, "load", str(files / "org.ttl"), "--store", store)
    assert code == 0
    assert "loaded 2 triples" in err and "urn:triskel:file:" in err
    code, out, _ = run(capsys, "query", "SELECT ?s { ?s ?p 1 }", "--store", store)
    assert (code, out) == (0, "s\r\nhttp://example.org/a\r\n")
    code, out, _ = run(capsys, "query", f"@{files / 'q.rq'}", "--format", "tsv", "--store", store)
    assert (code, out) == (0, "?s\n<http://example.org/b>\n")
    code, out, _ = run(capsys, "export", "--store", store)
    assert code == 0
    assert len(list(parse(out.encode(), RdfFormat.N_QUADS))) == 2


def test_load_into_graph_and_replace(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(files / "store")
    graph = "http://example.org/g"
    load = ["load", str(files / "org.ttl"), "--graph", graph, "--store", store]
    for _ in range(2):
        assert run(capsys, *load)[0] == 0
    code, out, _ = run(capsys, "export", "--graph", graph, "--format", "nt", "--store", store)
    assert code == 0 and out.count("\n") == 2
    assert run(capsys, *load, "--replace")[0] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["load", "broken.ttl"], "line 4"),
        (["load", "missing.ttl"], "No such file"),
        (["load", "q.rq"], "unknown RDF file extension"),
        (["query", "SELECT * {"], "SPARQL syntax error at 1:"),
        (["query", "ASK {}", "--format", "csv"], "cannot be written as text/csv"),
        (["query", "SELECT * { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }"], "refused"),
        (["export", "--graph", "http://example.org/none"], "no graph"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    files: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(files)
    code, out, err = run(capsys, *argv, "--store", str(files / "store"))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("triskel: error:")
    assert message in err


def test_broken_load_changes_nothing(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(files / "store")
    assert run(capsys, "load", str(files / "broken.ttl"), "--store", store)[0] == 2
    code, out, _ = run(capsys, "export", "--store", store)
    assert (code, out) == (0, "")


REPORT = "urn:triskel:report:x"
REFUSED_LOADS = {
    "graph-option": ("org.ttl", TTL, ["--graph", REPORT], "system graph"),
    "trig-names-it": ("d.trig", f"<{REPORT}> {{ <urn:a> <urn:b> 1 }}", [], "system graph"),
    "trig-blank-graph": ("d.trig", "_:g { <urn:a> <urn:b> 1 }", [], "blank-node graph"),
    "nquads-blank-graph": ("d.nq", "<urn:a> <urn:b> <urn:c> _:g .\n", [], "blank-node graph"),
}


@pytest.mark.parametrize(
    ("name", "text", "options", "message"), REFUSED_LOADS.values(), ids=REFUSED_LOADS
)
def test_load_refuses_system_and_blank_node_graphs(
    files: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    options: list[str],
    message: str,
) -> None:
    """System graphs are written by the service alone, whoever loads (exit 2, one line)."""
    store = str(files / "store")
    assert run(capsys, "load", str(files / "org.ttl"), "--store", store)[0] == 0
    before = run(capsys, "export", "--store", store)
    (files / name).write_text(text)
    for replace in ([], ["--replace"]):
        code, out, err = run(
            capsys, "load", str(files / name), *options, *replace, "--store", store
        )
        assert (code, out) == (2, "")
        assert err.count("\n") == 1 and message in err, err
    assert run(capsys, "export", "--store", store) == before
