"""`triskel ontology check` and `triskel ontology export`, through the CLI's `main`."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS

from service.cli import main
from service.namespaces import SB
from service.ontology import read_graph
from service.resources import ONTOLOGY_FILE, ONTOLOGY_FILES, ONTOLOGY_IRI

needs_java = pytest.mark.java
"""HermiT runs in Java: without a runtime these fail (exit 2 naming it), never skip."""

BROKEN_INDIVIDUAL = """
<https://example.org/test#teams> a sb:Tool , sb:Person .
"""


def _copy_ontology(tmp_path: Path, extra: str = "") -> list[str]:
    """The three ontology files copied to tmp_path, `extra` Turtle appended to the core."""
    copies = []
    for path in ONTOLOGY_FILES:
        copy = tmp_path / path.name
        text = path.read_text(encoding="utf-8")
        copy.write_text(text + extra if path == ONTOLOGY_FILE else text, encoding="utf-8")
        copies.append(str(copy))
    return copies


@pytest.mark.java
@needs_java
def test_check_passes_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ontology", "check"]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {len(ONTOLOGY_FILES)} files")


@pytest.mark.java
@needs_java
def test_check_fails_on_a_member_of_disjoint_classes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ontology", "check", *_copy_ontology(tmp_path, BROKEN_INDIVIDUAL)]) == 1
    out = capsys.readouterr().out
    assert "inconsistent" in out
    assert "https://example.org/test#teams is both" in out
    assert str(SB.Person) in out and str(SB.Tool) in out


@pytest.mark.java
@needs_java
def test_check_fails_on_an_unsatisfiable_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = """
sb:ToolPerson a owl:Class ; rdfs:subClassOf sb:Tool , sb:Person ;
    rdfs:label "tool person"@en ; skos:definition "Cannot exist."@en ;
    sb:layer sb:technologyLayer ; rdfs:isDefinedBy <https://w3id.org/social-business> .
"""
    assert main(["ontology", "check", *_copy_ontology(tmp_path, extra)]) == 1
    assert f"unsatisfiable class: {SB._NS}ToolPerson" in capsys.readouterr().out


@pytest.mark.java
@needs_java
def test_check_fails_on_a_pitfall(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = "\nsb:Orphan a owl:Class .\n"
    assert main(["ontology", "check", *_copy_ontology(tmp_path, extra)]) == 1
    out = capsys.readouterr().out
    assert f"P04: {SB._NS}Orphan is connected to no other term" in out
    assert f"P08: {SB._NS}Orphan has no label" in out


def test_check_exits_2_on_unparseable_turtle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix sb: <https://w3id.org/social-business#> .\nsb:Practice a \n")
    assert main(["ontology", "check", str(broken)]) == 2
    assert "broken.ttl" in capsys.readouterr().err


def test_check_exits_2_on_a_missing_file(tmp_path: Path) -> None:
    assert main(["ontology", "check", str(tmp_path / "absent.ttl")]) == 2


RDF_FORMATS = {"ttl": "turtle", "xml": "xml", "jsonld": "json-ld", "nt": "nt"}


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_export_writes_the_core_document_as_published(fmt: str, tmp_path: Path) -> None:
    """The core alone, with its imports, as `GET /ontology` serves it: one header."""
    target = tmp_path / f"ontology.{fmt}"
    assert main(["ontology", "export", "--format", fmt, "--output", str(target)]) == 0
    exported = Graph().parse(target, format=RDF_FORMATS[fmt])
    assert isomorphic(exported, read_graph([ONTOLOGY_FILE]))
    assert set(exported.subjects(RDF.type, OWL.Ontology)) == {URIRef(ONTOLOGY_IRI)}
    assert len(set(exported.objects(URIRef(ONTOLOGY_IRI), OWL.imports))) == len(ONTOLOGY_FILES) - 1


def test_export_jsonld_has_an_inline_context(tmp_path: Path) -> None:
    """Linked-data tools need nothing from the network to read the JSON-LD export."""
    target = tmp_path / "ontology.jsonld"
    assert main(["ontology", "export", "--format", "jsonld", "--output", str(target)]) == 0
    context = json.loads(target.read_text(encoding="utf-8"))["@context"]
    assert context["sb"] == str(SB._NS)


def test_export_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ontology", "export", "--format", "nt"]) == 0
    exported = Graph().parse(data=capsys.readouterr().out, format="nt")
    assert isomorphic(exported, read_graph([ONTOLOGY_FILE]))


class _Ids(HTMLParser):
    """Collects every element id and every in-page link of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        if (values.get("href") or "").startswith("#"):
            self.links.add((values["href"] or "")[1:])


def test_export_html_has_an_anchor_per_term(tmp_path: Path) -> None:
    target = tmp_path / "index.html"
    assert main(["ontology", "export", "--format", "html", "--output", str(target)]) == 0
    parser = _Ids()
    parser.feed(target.read_text(encoding="utf-8"))
    terms = {
        str(term).removeprefix(str(SB._NS))
        for term in read_graph().subjects(RDFS.isDefinedBy, URIRef(ONTOLOGY_IRI))
    }
    assert len(terms) > 70
    assert terms <= set(parser.ids), f"no anchor for {sorted(terms - set(parser.ids))}"
    assert len(parser.ids) == len(set(parser.ids)), "duplicate ids"
    assert parser.links <= set(parser.ids), f"dangling links {parser.links - set(parser.ids)}"
    assert "The three layers of social business" in target.read_text(encoding="utf-8")
