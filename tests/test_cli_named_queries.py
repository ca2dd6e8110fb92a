"""`triskel query --named NAME --param k=v`: the catalog's queries from the command line.

Every parameterised fixture case of `tests/query_cases/` gives its expected CSV through the
CLI; wrong names, types and options exit 2 with one line on stderr.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from service.cli import main
from service.resources import ONTOLOGY_FILES, ONTOLOGY_IRI

CASES_DIR = Path(__file__).parent / "query_cases"
PARAMETERISED = sorted(path.parent.name for path in CASES_DIR.glob("*/params.json"))


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An embedded store holding the ontology (as the service holds it); no remote named."""
    for name in ("TRISKEL_SPARQL_URL", "TRISKEL_STORE_PATH", "TRISKEL_QUERIES_DIR"):
        monkeypatch.delenv(name, raising=False)
    path = str(tmp_path / "store")
    ontology = [str(file) for file in ONTOLOGY_FILES]
    assert main(["load", *ontology, "--graph", ONTOLOGY_IRI, "--store", path]) == 0
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", PARAMETERISED)
def test_a_named_query_gives_the_expected_csv(
    store: str, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    case = CASES_DIR / name
    assert main(["load", str(case / "data.ttl"), "--store", store]) == 0
    params = json.loads((case / "params.json").read_text(encoding="utf-8"))
    options = [f"--param={key}={value}" for key, value in params.items()]
    code, out, _ = run(capsys, "query", "--named", name, *options, "--store", store)
    assert code == 0
    expected = (case / "expected.csv").read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(out))) == list(csv.reader(io.StringIO(expected)))


def test_the_format_option_applies(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "query", "--named", "brokers", "--format", "json", "--store", store)
    assert code == 0
    assert json.loads(out)["results"]["bindings"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--named", "no-such-query"], "no named query 'no-such-query'"),
        (["--named", "strong-external-ties", "--param", "min_weight=many"], "an integer"),
        (["--named", "strong-external-ties"], "needs parameter min_weight"),
        (["--named", "brokers", "--param", "limit"], "NAME=VALUE"),
        (["--named", "find-by-name", "--param", "text=a", "--param", "text=b"], "more than once"),
        (["--named", "brokers", "SELECT * {}"], "one of the two"),
        ([], "one of the two"),
        (["ASK {}", "--param", "a=b"], "--param goes with --named"),
    ],
)
def test_bad_named_query_options_exit_2_with_one_line(
    store: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "query", *argv, "--store", store)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err
