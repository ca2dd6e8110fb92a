"""The validation core: data preparation semantics, the shape pack contract, the inputs
`validate` accepts, and runs that share one shape pack at the same time."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import FOAF, PROV, RDF, SH

from service.errors import InputError, ShapesError, UnsupportedFormatError
from service.namespaces import SB, SBSH
from service.validation import PreparedData, from_files, from_sources, load_builtin, validate
from service.validation.rdfio import Source, to_oxigraph, to_rdflib

CASES = Path(__file__).parent / "shape_cases"
EX = "https://example.org/case/"


def _prepared(case: str) -> PreparedData:
    return PreparedData.from_paths([CASES / f"{case}.ttl"])


def test_subproperty_and_subclass_axioms_are_applied() -> None:
    graph = _prepared("R02-conforming").graph
    conversation, bob = URIRef(EX + "followUp"), URIRef(EX + "bob")
    assert (conversation, SB.participant, bob) in graph  # sb:initiator ⊑ sb:participant
    assert (conversation, PROV.wasAssociatedWith, bob) in graph  # ... ⊑ prov:wasAssociatedWith
    assert (URIRef(EX + "annBob"), SB.endpoint, bob) in graph  # sb:target ⊑ sb:endpoint
    assert (conversation, RDF.type, PROV.Activity) in graph
    assert (bob, RDF.type, FOAF.Person) in graph


def test_domain_and_range_never_type_a_node() -> None:
    graph = _prepared("R16-violating-end-not-person").graph
    assert (URIRef(EX + "acme"), RDF.type, SB.Person) not in graph


def test_the_ontology_and_concepts_are_joined() -> None:
    graph = _prepared("R13-conforming").graph
    assert graph.value(SB.confidential, SB.rank) == Literal(2)


def test_graph_and_store_hold_the_same_triples_and_blank_nodes() -> None:
    data = _prepared("R13-conforming")
    from_store = {tuple(to_rdflib(t) for t in q.triple) for q in data.store}
    assert from_store == set(data.graph)
    assert any(isinstance(s, BNode) for s, _, _ in data.graph)


def test_named_graphs_are_merged_into_one(tmp_path: Path) -> None:
    trig = tmp_path / "data.trig"
    trig.write_bytes(
        (CASES / "R17-violating.ttl").read_bytes().replace(b"# -- Data --", b"<urn:g> {", 1)
        + b"}\n"
    )
    keys = {f.key for f in validate([trig], engine="pyshacl").findings}
    assert ("R17", "warning", URIRef(EX + "zoe"), None) in keys


def test_merged_graphs_keep_one_blank_node_and_one_copy_of_each_triple() -> None:
    quads = (
        b"_:b <urn:p> <urn:o> <urn:g1> .\n"
        b'_:b <urn:q> "x" <urn:g2> .\n'
        b"<urn:s> <urn:p> _:b .\n"
        b"<urn:s> <urn:p> _:b <urn:g1> .\n"
    )
    store = PreparedData.from_sources([Source("data.nq", quads, "nq")]).store
    assert not list(store.named_graphs())
    mine = [q for q in store if q.predicate.value in ("urn:p", "urn:q")]
    assert len(mine) == 3
    subjects = {q.subject for q in mine if isinstance(q.subject, ox.BlankNode)}
    objects = {q.object for q in mine if isinstance(q.object, ox.BlankNode)}
    assert len(subjects) == 1 and subjects == objects


def test_terms_cross_between_libraries_unchanged() -> None:
    terms = [URIRef(EX + "a"), BNode("b1"), Literal("x"), Literal("x", lang="en"), Literal(2)]
    assert [to_rdflib(to_oxigraph(t)) for t in terms] == terms
    assert to_oxigraph(Literal("x")) == ox.Literal("x")


def test_the_builtin_pack_describes_every_rule() -> None:
    pack = load_builtin()
    assert sorted(pack.rules) == [f"R{n:02d}" for n in range(1, 21)]
    for rule, info in pack.rules.items():
        assert info.shape == getattr(SBSH, rule)
        assert info.label and info.comment and info.remediation and info.layers, rule
    nested = pack.graph.value(SBSH.R13, SH.property)
    assert pack.rule_of(nested) == "R13"


def test_rule_severities_follow_the_contract() -> None:
    severities = {rule: info.severity for rule, info in load_builtin().rules.items()}
    assert {r for r, s in severities.items() if s == "warning"} == {
        "R07",
        "R08",
        "R10",
        "R17",
        "R18",
        "R20",
    }
    assert {r for r, s in severities.items() if s == "info"} == {"R15"}


def test_runs_never_change_the_shapes_and_may_share_them() -> None:
    pack = load_builtin()
    before = set(pack.graph)
    cases = ["R04-violating-through-units", "R19-violating-across-policies"] * 2

    def keys(case: str) -> frozenset[tuple[object, ...]]:
        return frozenset(
            f.key for f in validate([CASES / f"{case}.ttl"], engine="pyshacl").findings
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(keys, cases))
    assert results[0] == results[2] and results[1] == results[3] and results[0] != results[1]
    assert set(pack.graph) == before


def test_validate_accepts_paths_bytes_sources_and_graphs() -> None:
    path = CASES / "R05-violating.ttl"
    expected = {f.key for f in validate([path], engine="pyshacl").findings}
    graph = Graph().parse(path, format="turtle")
    for data in (
        [str(path)],
        str(path),
        path,
        Source.from_path(path),
        graph,
        PreparedData.from_paths([path]),
    ):
        assert {f.key for f in validate(data, engine="pyshacl").findings} == expected
    absolute = path.read_bytes().replace(b"<>", b"<urn:case>")  # bytes come with no base IRI
    as_bytes = validate(absolute, format="ttl", engine="pyshacl")
    assert {f.key for f in as_bytes.findings} == expected


def test_bad_calls_raise_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="need a format"):
        validate(b"")
    with pytest.raises(UnsupportedFormatError):
        validate(b"", format="docx")
    with pytest.raises(InputError, match="unknown engine"):
        validate([CASES / "R13-conforming.ttl"], engine="jena")  # type: ignore[arg-type]
    with pytest.raises(ShapesError, match="no shapes"):
        from_files([], builtin=False)


def test_builtin_sparql_stays_within_what_shacl_allows() -> None:
    """SHACL-SPARQL forbids MINUS, VALUES and SERVICE in constraints; a FILTER alone in a
    group sees no outer bindings. Every query projects $this and ?value."""
    graph = load_builtin().graph
    queries = [str(q) for q in graph.objects(None, SH.select)]
    assert len(queries) >= 15
    for query in queries:
        assert not re.search(r"\b(MINUS|VALUES|SERVICE)\b", query, re.IGNORECASE), query
        assert not re.search(r"\{\s*FILTER", query), query
        assert re.search(r"SELECT DISTINCT \$this \?value WHERE", query), query


def test_shapes_may_arrive_as_bytes() -> None:
    custom = Path(__file__).parent / "cli_cases" / "custom-shapes.ttl"
    pack = from_sources([Source("upload.ttl", custom.read_bytes(), "ttl")], builtin=False)
    assert list(pack.rules) == ["https://example.org/cli/PracticeLabel"]
    with pytest.raises(ShapesError, match=r"upload\.ttl: not a SHACL shapes file"):
        from_sources([Source("upload.ttl", b"<urn:a> <urn:b> <urn:c> .", "ttl")])
