"""The OWL API (Protégé's library) loads each ontology document as OWL 2 DL, and the core
with its imports resolved offline through `ontology/catalog-v001.xml`, as Protégé would.

`tests/owlapi/ProfileCheck.java` is compiled at test time against Debian's `libowlapi-java`
jars in /usr/share/java; it prints one line per OWL 2 DL profile violation and per IRI
declared with two property kinds, and the OWL API itself logs illegal punning and
redeclarations to stderr (through slf4j-simple). Each document must produce none of these. The
deliberately bad `tests/owlapi/bad-punning.ttl` proves the checker reports them. With a catalog
it lists every ontology of the imports closure with its version IRI and titles: one title and
one version IRI each, the failure the merged `/ontology` document once had. A JDK and the jars
are part of the test environment (`.ci/run` installs them): without them these tests fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from service.ontology import read_graph
from service.publishing import export_document
from service.resources import (
    CORE,
    DATA_DIR,
    DOCUMENTS,
    ONTOLOGY_CATALOG,
    ONTOLOGY_FILES,
    REPORT_VOCABULARY_FILE,
    imports_closure,
)
from tests.jvm import compile_main, require

SOURCE = Path(__file__).parent / "owlapi" / "ProfileCheck.java"
BAD_CASE = Path(__file__).parent / "owlapi" / "bad-punning.ttl"
EXAMPLE_FILES = sorted((DATA_DIR / "example").glob("*.ttl"))
VOCABULARY_FILES = (*ONTOLOGY_FILES, REPORT_VOCABULARY_FILE)
PROBLEM_LINE = re.compile(r"^(VIOLATION|PUNNING|LOAD-FAILED|UNMAPPED)", re.MULTILINE)
PROBLEM_LOG = re.compile(r"illegal|punning|redeclar", re.IGNORECASE)


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The java command line that runs the compiled ProfileCheck, minus the file argument."""
    require("owlapi-distribution.jar", "libowlapi-java")
    return compile_main(SOURCE, tmp_path_factory.mktemp("owlapi"))


def _check(
    checker: list[str], path: Path, *, catalog: Path | None = None
) -> subprocess.CompletedProcess[str]:
    options = ["--catalog", str(catalog)] if catalog else []
    return subprocess.run(
        [*checker, *options, str(path)], capture_output=True, text=True, timeout=300, check=False
    )


def _closure(stdout: str) -> tuple[dict[str, str], dict[str, list[str]], set[tuple[str, str]]]:
    """The checker's listing: ontology -> version IRI, ontology -> titles, import pairs."""
    versions = dict(re.findall(r"^ONTOLOGY (\S+) VERSION (\S+)$", stdout, re.MULTILINE))
    titles: dict[str, list[str]] = {}
    for iri, title in re.findall(r"^TITLE (\S+) (.*)$", stdout, re.MULTILINE):
        titles.setdefault(iri, []).append(title)
    imports = set(re.findall(r"^IMPORTS (\S+) (\S+)$", stdout, re.MULTILINE))
    return versions, titles, imports


def _assert_core_closure(result: subprocess.CompletedProcess[str]) -> None:
    """The core and what it imports: one title and its version IRI each, OWL 2 DL together."""
    assert result.returncode == 0, result.stdout + result.stderr
    assert not PROBLEM_LINE.findall(result.stdout), result.stdout
    assert not PROBLEM_LOG.search(result.stderr), result.stderr
    versions, titles, imports = _closure(result.stdout)
    closure = imports_closure(CORE)
    assert versions == {doc.iri: doc.version_iri for doc in closure}
    assert {iri: len(found) for iri, found in titles.items()} == {doc.iri: 1 for doc in closure}
    assert titles[CORE.iri] == ["Social business ontology"]
    assert imports == {(CORE.iri, imported) for imported in CORE.imports}


@pytest.mark.java
@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=[p.name for p in VOCABULARY_FILES])
def test_ontology_file_is_owl2_dl(checker: list[str], path: Path) -> None:
    result = _check(checker, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "AXIOMS " in result.stdout
    assert not PROBLEM_LINE.findall(result.stdout), result.stdout
    assert not PROBLEM_LOG.search(result.stderr), result.stderr


@pytest.mark.java
def test_the_core_with_its_imports_resolved_by_the_catalog_is_owl2_dl(
    checker: list[str],
) -> None:
    _assert_core_closure(_check(checker, CORE.path, catalog=ONTOLOGY_CATALOG))


@pytest.mark.java
@pytest.mark.parametrize(("fmt", "extension"), [("ttl", "ttl"), ("xml", "owl")])
def test_the_published_documents_load_as_one_ontology_each(
    checker: list[str], tmp_path: Path, fmt: str, extension: str
) -> None:
    """What `/ontology` serves (Turtle or RDF/XML), imports fetched from what the service
    serves at their IRIs, mirrored here by a catalog of the served bodies."""
    entries = []
    for document in DOCUMENTS:
        served = tmp_path / f"{document.name or 'core'}.{extension}"
        served.write_text(export_document(document, fmt), encoding="utf-8")
        entries += [
            f'<uri name="{iri}" uri="{served.name}"/>'
            for iri in (document.iri, document.version_iri)
        ]
    catalog = tmp_path / "catalog-v001.xml"
    catalog.write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:1.0">' + "".join(entries) + "</catalog>",
        encoding="utf-8",
    )
    _assert_core_closure(_check(checker, tmp_path / f"core.{extension}", catalog=catalog))


@pytest.mark.java
def test_an_import_missing_from_the_catalog_fails_the_load(
    checker: list[str], tmp_path: Path
) -> None:
    """Imports are resolved from the catalog or not at all: never from the network."""
    for document in DOCUMENTS:
        shutil.copy(document.path, tmp_path)
    catalog = ONTOLOGY_CATALOG.read_text(encoding="utf-8")
    (tmp_path / ONTOLOGY_CATALOG.name).write_text(
        "\n".join(line for line in catalog.splitlines() if 'uri="mappings.ttl"' not in line),
        encoding="utf-8",
    )
    result = _check(checker, tmp_path / CORE.path.name, catalog=tmp_path / ONTOLOGY_CATALOG.name)
    assert result.returncode == 1
    assert "UNMAPPED https://w3id.org/social-business/mappings" in result.stdout
    assert "LOAD-FAILED" in result.stdout


@pytest.mark.java
def test_ontology_with_example_data_is_owl2_dl(checker: list[str], tmp_path: Path) -> None:
    assert EXAMPLE_FILES, "data/example/ holds no Turtle file"
    merged = tmp_path / "ontology-and-example.nt"
    merged.write_bytes(
        read_graph([*ONTOLOGY_FILES, *EXAMPLE_FILES]).serialize(format="nt").encode()
    )
    result = _check(checker, merged)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not PROBLEM_LINE.findall(result.stdout), result.stdout
    assert not PROBLEM_LOG.search(result.stderr), result.stderr


@pytest.mark.java
def test_ontology_with_report_vocabulary_is_owl2_dl(checker: list[str], tmp_path: Path) -> None:
    """The report vocabulary declares the ontology terms it reuses with the same kinds."""
    merged = tmp_path / "ontology-and-report.nt"
    merged.write_bytes(read_graph(VOCABULARY_FILES).serialize(format="nt").encode())
    result = _check(checker, merged)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not PROBLEM_LINE.findall(result.stdout), result.stdout
    assert not PROBLEM_LOG.search(result.stderr), result.stderr


@pytest.mark.java
def test_checker_reports_punning_and_undeclared_terms(checker: list[str]) -> None:
    result = _check(checker, BAD_CASE)
    assert "PUNNING https://example.org/bad#layer" in result.stdout
    assert "VIOLATION Use of undeclared class: <https://example.org/bad#Animal>" in result.stdout
    assert PROBLEM_LOG.search(result.stderr)
