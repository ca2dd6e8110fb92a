"""`triskel whatif`: the answer as text or JSON, the store left exactly as it was, bad
scenarios exit 2 with one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.cli import main
from service.reports.canonical import canonical_hash
from service.resources import DATA_DIR
from service.store.embedded import EmbeddedStore

EX = "https://example.org/larkspur/"
DROP = {"steps": [{"kind": "drop-arc", "arc": EX + "arcMayaBen"}]}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example in an embedded store folder, shared by the module (no test writes)."""
    folder = tmp_path_factory.mktemp("cli-whatif") / "store"
    opened = EmbeddedStore(folder)
    for path in sorted((DATA_DIR / "example").glob("*.ttl")):
        opened.load(path.read_bytes(), media_type="text/turtle", graph=f"urn:test:{path.name}")
    opened.close()
    with pytest.MonkeyPatch.context() as patch:
        for name in ("TRISKEL_SPARQL_URL", "TRISKEL_STORE_PATH"):
            patch.delenv(name, raising=False)
        yield str(folder)


def _hash(store: str) -> str:
    opened = EmbeddedStore(Path(store))
    try:
        return canonical_hash(opened.export(None, media_type="application/n-quads", dataset=True))
    finally:
        opened.close()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_and_json_answers_leave_the_store_alone(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "drop.json"
    scenario.write_text(json.dumps(DROP), encoding="utf-8")
    before = _hash(store)
    code, out, _ = _run(capsys, "whatif", str(scenario), "--store", store)
    assert code == 0
    assert "findings: 2 new, 0 resolved" in out and "42 -> 41 ties" in out
    assert "brokerage lost: gatekeeper 1, liaison 1 (1 brokers)" in out
    assert EX + "ben" not in out  # people are named with --people only
    code, out, _ = _run(
        capsys, "whatif", str(scenario), "--format", "json", "--people", "--store", store
    )
    answer = json.loads(out)
    assert code == 0 and answer["network"]["brokerage_lost"]["brokers"]["people"] == [EX + "ben"]
    assert _hash(store) == before


def test_a_sparql_update_file(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    update = tmp_path / "leave.ru"
    update.write_text(f"DELETE WHERE {{ GRAPH ?g {{ <{EX}maya> ?p ?o }} }}", encoding="utf-8")
    before = _hash(store)
    code, out, _ = _run(
        capsys, "whatif", str(update), "--update", "--format", "json", "--store", store
    )
    answer = json.loads(out)
    assert code == 0 and answer["network"]["people"] == {"before": 27, "after": 26}
    assert _hash(store) == before


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", "not JSON"),
        (json.dumps({"steps": [{"kind": "drop-arc", "arc": EX + "maya"}]}), "is not a"),
        (json.dumps({"steps": [{"kind": "quit"}]}), "quit"),
    ],
)
def test_bad_scenarios_exit_2_with_one_line(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, words: str
) -> None:
    scenario = tmp_path / "bad.json"
    scenario.write_text(text, encoding="utf-8")
    code, out, err = _run(capsys, "whatif", str(scenario), "--store", store)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and words in err


def test_a_missing_file_exits_2(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "whatif", str(tmp_path / "absent.json"), "--store", store)
    assert code == 2 and err.startswith("triskel: error:")
