"""The OWL API (Protégé's library) loads each ontology file as OWL 2 DL.

`tests/owlapi/ProfileCheck.java` is compiled at test time against Debian's `libowlapi-java`
jars in /usr/share/java; it prints one line per OWL 2 DL profile violation and per IRI
declared with two property kinds, and the OWL API itself logs illegal punning and
redeclarations to stderr (through slf4j-simple). Each file must produce none of these. The
deliberately bad `tests/owlapi/bad-punning.ttl` proves the checker reports them. Skips when
Java or the jars are absent (`.ci/run` installs them).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from service.ontology import read_graph
from service.resources import DATA_DIR, ONTOLOGY_FILES, REPORT_VOCABULARY_FILE

JAR_DIR = Path("/usr/share/java")
SOURCE = Path(__file__).parent / "owlapi" / "ProfileCheck.java"
BAD_CASE = Path(__file__).parent / "owlapi" / "bad-punning.ttl"
EXAMPLE_FILES = sorted((DATA_DIR / "example").glob("*.ttl"))
VOCABULARY_FILES = (*ONTOLOGY_FILES, REPORT_VOCABULARY_FILE)
OTHER_SLF4J_BINDINGS = re.compile(
    r"slf4j-(jdk14|log4j12|nop|jcl|migrator)|maven3-slf4j-provider|log4j-over-slf4j|"
    r"jul-to-slf4j|jcl-over-slf4j"
)
PROBLEM_LINE = re.compile(r"^(VIOLATION|PUNNING|LOAD-FAILED)", re.MULTILINE)
PROBLEM_LOG = re.compile(r"illegal|punning|redeclar", re.IGNORECASE)

pytestmark = pytest.mark.skipif(
    shutil.which("javac") is None
    or shutil.which("java") is None
    or not (JAR_DIR / "owlapi-distribution.jar").exists(),
    reason="needs java, javac and Debian's libowlapi-java jars in /usr/share/java",
)


def _classpath() -> str:
    """Every unversioned jar of /usr/share/java, with slf4j-simple as the only binding."""
    jars = [
        jar
        for jar in sorted(JAR_DIR.glob("*.jar"))
        if not re.search(r"-\d[\d.]*(-[a-z]+)?\.jar$", jar.name)
        and not OTHER_SLF4J_BINDINGS.search(jar.name)
    ]
    return ":".join(str(jar) for jar in jars)


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The java command line that runs the compiled ProfileCheck, minus the file argument."""
    classes = tmp_path_factory.mktemp("owlapi")
    classpath = _classpath()
    subprocess.run(
        ["javac", "-d", str(classes), "-cp", classpath, str(SOURCE)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return ["java", "-cp", f"{classpath}:{classes}", "ProfileCheck"]


def _check(checker: list[str], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*checker, str(path)], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.java
@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=[p.name for p in VOCABULARY_FILES])
def test_ontology_file_is_owl2_dl(checker: list[str], path: Path) -> None:
    result = _check(checker, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "AXIOMS " in result.stdout
    assert not PROBLEM_LINE.findall(result.stdout), result.stdout
    assert not PROBLEM_LOG.search(result.stderr), result.stderr


@pytest.mark.java
@pytest.mark.skipif(not EXAMPLE_FILES, reason="data/example/ has no Turtle file yet")
def test_ontology_with_example_data_is_owl2_dl(checker: list[str], tmp_path: Path) -> None:
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
