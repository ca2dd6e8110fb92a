"""Validation pushed down to a remote SPARQL 1.1 engine: the data stays where it is.

With a `RemoteStore`, copying the dataset into memory to validate it is what runs out of
memory first. A run here (`run`) instead:

1. names the validated data: every named graph but the system graphs and the engine's own
   graphs (`validated_graphs`: Virtuoso's `virtrdf:` and the others), and the engine's
   own default graph, copied by the engine into a scratch graph when it holds anything
   (a SPARQL dataset can list named graphs, not "the engine's default graph");
2. writes scratch system graphs of its own (`urn:triskel:pushdown:<run>:…`) through the
   engine: the ontology and concepts, the entailments of their subproperty/subclass
   axioms (one `INSERT … USING` the data graphs: the triples `prepare` materialises in
   memory, and every class a node is an instance of through the data's own subclass
   axioms too, so the rule queries read `rdf:type` for `rdf:type/rdfs:subClassOf*`), each
   shared derived relation (`derived`, one `INSERT` each: the engine
   computes it, blank nodes included) and, for shapes that read it, the shapes graph;
3. runs each compiled constraint with the data, ontology and entailment graphs as its
   default graph (`default-graph-uri`) and the derived relations as a named graph, its
   answer read in pages of `page_rows` (ORDER BY every projected variable, LIMIT,
   OFFSET: a stable order, so the pages neither skip nor repeat a row), so the service
   holds one page at a time;
4. reads what the report needs (`Context`, blank-node names) by predicate: the triples of
   the few predicates a report's context reads and the triples that touch a blank node,
   not the data;
5. fingerprints the validated graphs on the engine (`fingerprint`) and drops its scratch
   graphs, also when it failed.

Roots the compiler cannot handle would need pySHACL over the whole data: they are refused
(`ShapesError`), never run on a copy. The findings are those of `fast.run` on the same data
(the differential test over the remote matrix proves it).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.plugins.sparql import prepareQuery

from service.errors import NotFoundError, ShapesError
from service.namespaces import SB
from service.rdf.formats import NTRIPLES
from service.reports.snapshot import validated_graphs
from service.store.system_graphs import ANALYTICS_GRAPH, service_writes
from service.validation import derived
from service.validation.analytics import current_in
from service.validation.compile import CompiledPack, compile_pack
from service.validation.compile_sparql import SHAPES_GRAPH_IRI
from service.validation.fast import Row, findings_of
from service.validation.model import Finding
from service.validation.prepare import PreparedData, hierarchies, ontology_triples, pairs_text
from service.validation.rdfio import graph_to_triples, to_rdflib
from service.validation.shapes import ShapePack

if TYPE_CHECKING:
    from service.store.remote import RemoteStore

PREFIX = "urn:triskel:pushdown:"
"""Every scratch graph of a run starts with this (a system graph: never validated)."""

_ORG = "http://www.w3.org/ns/org#"
CONTEXT_PREDICATES = tuple(
    str(p)
    for p in (
        RDF.type, RDFS.label, SKOS.prefLabel, SB.enacts, SB.hasAct, SB.occursWithin,
        SB.conveys, SB.endpoint, SB.performedBy, SB.addressedTo, SB.participant, SB.ownedBy,
        _ORG + "unitOf", _ORG + "subOrganizationOf",
    )
)  # fmt: skip
"""What `service.reports.context` reads of the data (with entailments)."""

_INSTANCE_OF = (f"(<{RDF.type}>/(<{RDFS.subClassOf}>)*)", f"<{RDF.type}>/<{RDFS.subClassOf}>*")
"""`rdf:type/rdfs:subClassOf*` as the compiled queries write it. A run materialises the
types it entails (every class a node is an instance of, through the ontology's and the
data's own subclass axioms) in its entailment graph, so the rule queries read `rdf:type`
instead: Virtuoso 7.2 answered wrongly (no rows) where this path met a `NOT EXISTS` that
compares values, or the right side of a `MINUS`."""
_SLICES = 2
_DIGITS = 7
"""The fingerprint sums two 28-bit slices of each triple's SHA-256 (no overflow of a
64-bit integer below 2^35 triples per graph); each slice costs the engine ~40 µs a triple."""


@dataclass(frozen=True)
class Run:
    """A pushed-down validation's findings, the data its report reads, its fingerprint."""

    findings: list[Finding]
    context: PreparedData
    fingerprint: str


@dataclass(frozen=True)
class _Scratch:
    """The scratch graphs of one run."""

    base: str

    def graph(self, name: str) -> str:
        return f"{self.base}{name}"


def run(
    store: RemoteStore,
    shapes: ShapePack,
    *,
    scope: str | None = None,
    page_rows: int = 10_000,
    check: Callable[[], object] = lambda: None,
) -> Run:
    """Validate the store's validated graphs (or the named graph `scope`) on the engine.

    `check` is called between requests (the caller's budget: it raises to stop the run).
    Raises `ShapesError` for shapes the compiler cannot handle, `NotFoundError` for an
    absent `scope`.
    """
    compiled = compile_pack(shapes)
    if compiled.fallback:
        reasons = "; ".join(f"{shape}: {why}" for shape, why in sorted(compiled.fallback.items()))
        raise ShapesError(
            "these shapes cannot be validated on a remote store (their checks do not compile "
            f"to SPARQL, and running them would copy the whole dataset): {reasons}"
        )
    scratch = _Scratch(f"{PREFIX}{uuid.uuid4().hex}:")
    try:
        with service_writes():
            sources, data = _data_graphs(store, scratch, scope, analytics=shapes.analytics)
            check()
            dataset = _prepare(store, scratch, compiled, shapes, data)
            check()
        findings = _findings(store, compiled, scratch, dataset, page_rows, check)
        context = _context(store, dataset)
        check()
        return Run(findings, context, fingerprint(store, sources))
    finally:
        names = ("data", "entailed", "derived", "shapes")
        with service_writes():
            store.update(" ;\n".join(f"DROP SILENT GRAPH <{scratch.graph(n)}>" for n in names))


def _data_graphs(
    store: RemoteStore, scratch: _Scratch, scope: str | None, *, analytics: bool = False
) -> tuple[list[str | None], list[str]]:
    """The validated graphs (None: the engine's default graph), and the one graph the rule
    queries read them in. With the rules over analytics (`analytics`), the analytics graph
    is one of them while it describes the store's network (`analytics.current_in`); a stale
    one is left out, and R24 says so.

    Several graphs (or the engine's own default graph, which a dataset cannot name) are
    copied by the engine into one scratch graph: Oxigraph server evaluates a default graph
    made of many graphs pattern by pattern over each, and the rule queries' paths took
    minutes over the 51 graphs of the shape cases where one merged graph takes a second."""
    if scope is not None:
        if scope not in store.graphs():
            raise NotFoundError(f"no graph {scope}")
        return [scope], [scope]
    held = store.graphs()
    graphs = validated_graphs(held)
    if analytics and ANALYTICS_GRAPH in held and current_in(store):
        graphs.append(ANALYTICS_GRAPH)
    has_default = store.count(None) > 0
    sources: list[str | None] = [*graphs, *([None] if has_default else [])]
    if len(graphs) == 1 and not has_default:
        return sources, graphs
    merged = scratch.graph("data")
    if graphs:
        values = " ".join(f"<{g}>" for g in graphs)
        store.update(
            f"INSERT {{ GRAPH <{merged}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )
    if has_default:
        store.update(f"INSERT {{ GRAPH <{merged}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}")
    return sources, [merged]


def _prepare(
    store: RemoteStore,
    scratch: _Scratch,
    compiled: CompiledPack,
    shapes: ShapePack,
    data: list[str],
) -> list[str]:
    """Write the ontology and its entailments (one graph), the derived relations and the
    shapes graph; the rule queries' default graphs (the data, the ontology graph)."""
    entailed = scratch.graph("entailed")
    lines = (f"{t.subject} {t.predicate} {t.object} .\n" for t in ontology_triples())
    store.load("".join(lines).encode(), media_type=NTRIPLES, graph=entailed)
    dataset = [*data, entailed]
    using = " ".join(f"USING <{g}>" for g in dataset)
    properties, classes = hierarchies()
    store.update(
        f"INSERT {{ GRAPH <{entailed}> {{ ?s ?super ?o }} }} {using} WHERE {{ "
        f"VALUES (?sub ?super) {{ {pairs_text(properties)} }} ?s ?sub ?o }} ;\n"
        f"INSERT {{ GRAPH <{entailed}> {{ ?s <{RDF.type}> ?super }} }} {using} WHERE {{ "
        f"VALUES (?sub ?super) {{ {pairs_text(classes)} }} ?s <{RDF.type}> ?sub }} ;\n"
        f"INSERT {{ GRAPH <{entailed}> {{ ?s <{RDF.type}> ?super }} }} {using} WHERE {{ "
        f"?s <{RDF.type}> ?sub . ?sub <{RDFS.subClassOf}>+ ?super }}"
    )
    for relation in compiled.relations_used():
        store.update(
            f"INSERT {{ GRAPH <{scratch.graph('derived')}> "
            f"{{ ?s <{derived.RELATION_PREFIX}{relation.name}> ?o }} }} "
            f"{using} WHERE {relation.pattern()}"
        )
    if compiled.reads_shapes_graph():
        triples = graph_to_triples(shapes.graph)
        lines = (f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)
        store.load("".join(lines).encode(), media_type=NTRIPLES, graph=scratch.graph("shapes"))
    return dataset


def _findings(
    store: RemoteStore,
    compiled: CompiledPack,
    scratch: _Scratch,
    dataset: list[str],
    page_rows: int,
    check: Callable[[], object],
) -> list[Finding]:
    named = [scratch.graph("derived"), scratch.graph("shapes")]
    found: list[Finding] = []
    for constraint in compiled.constraints:
        query = derived.render(constraint.query, None, graph=scratch.graph("derived"))
        query = query.replace(f"<{SHAPES_GRAPH_IRI}>", f"<{scratch.graph('shapes')}>")
        for instance_of in _INSTANCE_OF:
            query = query.replace(instance_of, f"<{RDF.type}>")
        rows = _pages(store, query, _order(constraint.query), dataset, named, page_rows, check)
        found.extend(findings_of(constraint, rows))
    return found


def _pages(
    store: RemoteStore,
    query: str,
    order: str | None,
    dataset: list[str],
    named: list[str],
    page_rows: int,
    check: Callable[[], object],
) -> Iterator[Row]:
    """The query's rows as rdflib terms, read `page_rows` at a time in the stable `order`
    (None: a query with its own ORDER BY, LIMIT or OFFSET, read in one answer)."""
    offset = 0
    while True:
        check()
        text = (
            query
            if order is None
            else f"{query}\nORDER BY {order} LIMIT {page_rows} OFFSET {offset}"
        )
        rows = store.select_in(text, default_graphs=dataset, named_graphs=named)
        for row in rows:
            yield {name: to_rdflib(term) for name, term in row.items()}
        if order is None or len(rows) < page_rows:
            return
        offset += page_rows


@lru_cache(maxsize=1024)
def _order(compiled: str) -> str | None:
    """`?a ?b …` (every projected variable of a compiled query), or None when the query
    pages itself. Parsed once per query text (rdflib takes ~0.1 s on a rule's query)."""
    algebra = prepareQuery(derived.render(compiled, None)).algebra
    node = algebra.p
    while node.name in ("Distinct", "Reduced", "Project"):
        node = node.p
    if node.name in ("Slice", "OrderBy") or algebra.p.name == "Slice":
        return None
    return " ".join(f"?{v}" for v in algebra.PV)


def _context(store: RemoteStore, dataset: list[str]) -> PreparedData:
    """What a report reads of the data (`CONTEXT_PREDICATES`, and the triples touching a
    blank node, for blank-node names), one CONSTRUCT per predicate, in a private store."""
    context = ox.Store()
    for predicate in CONTEXT_PREDICATES:
        query = f"CONSTRUCT {{ ?s <{predicate}> ?o }} WHERE {{ ?s <{predicate}> ?o }}"
        context.extend(_quads(store.construct_in(query, default_graphs=dataset)))
    blank = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }"
    context.extend(_quads(store.construct_in(blank, default_graphs=dataset)))
    return PreparedData(context)


def _quads(triples: list[ox.Triple]) -> Iterator[ox.Quad]:
    return (ox.Quad(t.subject, t.predicate, t.object) for t in triples)


def fingerprint(store: RemoteStore, graphs: list[str | None]) -> str:
    """`sha256:<hex>` of the validated graphs (None: the engine's default graph), computed
    by the engine: per graph, its triple count and sums of slices of each triple's SHA-256
    (an order-free digest; nothing is downloaded). Blank nodes count as one placeholder, so
    the same data gives the same fingerprint whatever labels the engine gave them. Not
    comparable with an embedded store's fingerprint."""
    named = [g for g in graphs if g is not None]
    rows = []
    if named:  # an empty list would name no dataset: every graph of the engine
        rows = store.select_in(_digest_query(named=True), named_graphs=named)
    if None in graphs:
        rows += store.select_in(_digest_query(named=False), default_graphs=())
    digest = sorted(
        (
            row["g"].value if "g" in row else "",
            *(row[f"x{i}"].value for i in range(_SLICES)),
            row["n"].value,
        )
        for row in rows
        if "n" in row and int(row["n"].value)
    )
    return "sha256:" + hashlib.sha256(json.dumps(digest).encode()).hexdigest()


def _digest_query(*, named: bool) -> str:
    """The per-graph digest query of `fingerprint` (of the named graphs, or of the default)."""

    def term(var: str) -> str:
        return (
            f'IF(isBlank(?{var}), "_", IF(isLiteral(?{var}), CONCAT("\\"", STR(?{var}), '
            f'"\\"^", STR(DATATYPE(?{var})), "@", LANG(?{var})), CONCAT("<", STR(?{var}))))'
        )

    def digit(at: int) -> str:
        return f'STRLEN(STRBEFORE("0123456789abcdef", SUBSTR(?h, {at}, 1)))'

    def piece(index: int) -> str:
        start = index * _DIGITS + 1
        return " + ".join(f"{digit(start + k)} * {16 ** (_DIGITS - 1 - k)}" for k in range(_DIGITS))

    sums = " ".join(f"(SUM({piece(i)}) AS ?x{i})" for i in range(_SLICES))
    hashed = f'BIND(SHA256(CONCAT({term("s")}, " <", STR(?p), "> ", {term("o")})) AS ?h)'
    if named:
        where = f"GRAPH ?g {{ ?s ?p ?o }} {hashed}"
        return f"SELECT ?g (COUNT(*) AS ?n) {sums} WHERE {{ {where} }} GROUP BY ?g"
    return f"SELECT (COUNT(*) AS ?n) {sums} WHERE {{ ?s ?p ?o {hashed} }}"
