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
4. with `fail_on`, builds the report (`_Reading`): a part of the findings at a time, it
   reads around that part's nodes (in batches of `_BATCH` nodes) their types, people,
   practices and conversations, each answer in pages, builds its results and lets that
   context go; the results are kept compressed (`service.reports.spool`); the scores are
   counted by the engine (conversations per practice) or read for the few nodes they name
   (owners and labels); the triples that touch a blank node are read once. Not the data:
   the service's memory follows one part of the findings, not the dataset;
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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from service.errors import NotFoundError, ShapesError
from service.namespaces import SB
from service.rdf.formats import NTRIPLES
from service.reports.context import Context, local_name, owned
from service.reports.model import Report
from service.reports.snapshot import validated_graphs
from service.reports.spool import Spool
from service.store.base import Row
from service.store.system_graphs import ANALYTICS_GRAPH, service_writes
from service.validation import derived, unique_findings
from service.validation.analytics import current_in
from service.validation.compile import CompiledPack, compile_pack
from service.validation.compile_sparql import SHAPES_GRAPH_IRI
from service.validation.fast import findings_of
from service.validation.model import Finding, Severity
from service.validation.prepare import PreparedData, hierarchies, ontology_triples, pairs_text
from service.validation.rdfio import graph_to_triples, to_oxigraph, to_rdflib
from service.validation.shapes import ShapePack

if TYPE_CHECKING:
    from service.store.remote import RemoteStore

PREFIX = "urn:triskel:pushdown:"
"""Every scratch graph of a run starts with this (a system graph: never validated)."""

_ORG = "http://www.w3.org/ns/org#"
OWNERS = tuple(str(p) for p in (SB.ownedBy, _ORG + "unitOf", _ORG + "subOrganizationOf"))
"""What the scores read of the whole data (`service.reports.context.owned`): which unit
owns each practice, and the units above each unit (a triple per practice and unit). The
conversations per practice are counted by the engine."""
OUTGOING = tuple(
    str(p)
    for p in (RDF.type, SB.participant, SB.endpoint, SB.performedBy, SB.addressedTo, SB.enacts)
)
"""What a report reads of a finding's nodes: their types (entailed ones included), the
people of an arc, an act or a conversation, and the practices a conversation enacts; read
again of the nodes those lead to."""
INCOMING = tuple(str(p) for p in (SB.hasAct, SB.occursWithin, SB.conveys))
"""What a report reads towards a finding's nodes: the conversation an act, a channel or an
item belongs to."""
LABELS = tuple(str(p) for p in (RDFS.label, SKOS.prefLabel))
"""Read of the practices and organisations the scores name."""
_BATCH = 500
"""Nodes per request when the context is read by node (`VALUES`)."""
PART = 5_000
"""Findings per part of a report (`_Reading.parts`): each part's context is read and let
go before the next (~6 MB of context per thousand findings of a generated organisation)."""
_NO_BLANK = "FILTER(!isBlank(?s) && !isBlank(?o))"
"""The triples touching a blank node are read apart, in one answer in N-Triples: Virtuoso
names blank nodes `nodeID://…` in JSON results, which no parser reads as a blank node."""

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
    """A pushed-down validation's findings, their report (when asked for), its fingerprint."""

    findings: list[Finding]
    report: Report | None
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
    fail_on: Severity | None = None,
) -> Run:
    """Validate the store's validated graphs (or the named graph `scope`) on the engine;
    with `fail_on`, build the findings' report too (it reads the data on the engine, so
    before the scratch graphs go).

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
        report = None
        if fail_on is not None:
            reading = _Reading(store, dataset, page_rows, check)
            report = _report(reading, findings, shapes, fail_on)
        check()
        return Run(findings, report, fingerprint(store, sources))
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
        # as written: a remote engine plans its joins itself (Virtuoso fails on the nested
        # sub-selects of the fixed order, "VECSL: Internal error")
        query = derived.render(constraint.written, None, graph=scratch.graph("derived"))
        query = query.replace(f"<{SHAPES_GRAPH_IRI}>", f"<{scratch.graph('shapes')}>")
        for instance_of in _INSTANCE_OF:
            query = query.replace(instance_of, f"<{RDF.type}>")
        order = _order(constraint.written)
        rows = _rows(store, query, order, dataset, named, page_rows, check)
        found.extend(
            findings_of(constraint, ({n: to_rdflib(t) for n, t in r.items()} for r in rows))
        )
    return found


def _rows(
    store: RemoteStore,
    query: str,
    order: str | None,
    dataset: list[str],
    named: list[str],
    page_rows: int,
    check: Callable[[], object],
) -> Iterator[Row]:
    """The query's rows as the engine's terms, read `page_rows` at a time in the stable
    `order` (None: a query with its own ORDER BY, LIMIT or OFFSET, read in one answer)."""
    offset = 0
    while True:
        check()
        text = (
            query
            if order is None
            else f"{query}\nORDER BY {order} LIMIT {page_rows} OFFSET {offset}"
        )
        rows = store.select_in(text, default_graphs=dataset, named_graphs=named)
        yield from rows
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


class _Reading:
    """What the report of a run reads of the data on the engine (`service.reports.context`),
    read in pages and batches of nodes, never a predicate of the whole data but counted by
    the engine (`conversation_counts`) or of the few nodes the scores name:

    * every triple that touches a blank node (blank nodes cannot be named in a query; their
      content names the findings about them), read once and kept;
    * per part of `PART` findings (`parts`), in a store of that part's own that goes with
      it: of its findings' nodes (foci and values, and the nodes next to a blank one among
      them), their `OUTGOING` triples and the `INCOMING` ones, then the `OUTGOING` triples
      of the nodes these lead to, twice (a conversation's participants and practices, their
      types);
    * for the scores (a `Tally`): the engine's count of conversations per practice, what
      each organisation owns (`OWNERS`) and the labels of the practices and organisations.

    So the service holds one part's context at a time, and the scores' few numbers per
    practice and organisation: its memory follows a part of the findings, not the data."""

    def __init__(
        self,
        store: RemoteStore,
        dataset: list[str],
        page_rows: int,
        check: Callable[[], object],
    ) -> None:
        self._store, self._dataset = store, dataset
        self._page_rows, self._check = page_rows, check
        blank = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }"
        self._blank = ox.Store()
        self._blank.extend(
            ox.Quad(t.subject, t.predicate, t.object)
            for t in store.construct_in(blank, default_graphs=dataset)
        )
        self._blank_context = Context(PreparedData(self._blank))
        self._labels: dict[Node, str] = {}

    def rows(self, query: str, order: str | None) -> Iterator[Row]:
        """The query's rows over the validated data, in pages (`_rows`)."""
        return _rows(self._store, query, order, self._dataset, [], self._page_rows, self._check)

    def parts(self, findings: list[Finding]) -> Iterator[tuple[list[Finding], PreparedData]]:
        """The findings `PART` at a time, each part with its context."""
        for start in range(0, len(findings), PART):
            part = findings[start : start + PART]
            yield part, self._context(part)

    def _context(self, findings: list[Finding]) -> PreparedData:
        context = ox.Store()
        context.extend(self._blank)
        type_ = ox.NamedNode(str(RDF.type))

        def add(query: str, nodes: Iterable[ox.NamedNode]) -> set[ox.NamedNode]:
            """Read the rows (per batch of `nodes` written in for NODES) into the context; the
            IRIs they lead to, but types."""
            reached: set[ox.NamedNode] = set()
            for batch in _batches(sorted(set(nodes), key=str)):
                text = query.replace("NODES", " ".join(f"<{n.value}>" for n in batch))
                for row in self.rows(text, "?s ?p ?o"):
                    quad = ox.Quad(row["s"], row["p"], row["o"])  # type: ignore[arg-type]
                    context.add(quad)
                    if quad.predicate != type_:
                        reached.update(
                            t for t in (quad.subject, quad.object) if isinstance(t, ox.NamedNode)
                        )
            return reached

        outgoing = _values_query(OUTGOING, incoming=False)
        terms = [t for f in findings for t in (f.focus, f.value) if t is not None]
        done = set(_around(context, terms))
        incoming = _values_query(INCOMING, incoming=True)
        new = (add(outgoing, done) | add(incoming, done)) - done
        for _ in range(2):  # what those lead to (a conversation's participants), then their types
            done |= new
            new = add(outgoing, new) - done
        return PreparedData(context)

    def conversation_counts(self) -> list[tuple[Node, int]]:
        """Every practice, sorted, with the number of conversations enacting it: counted by
        the engine (blank practices, whose triples are all read, here); their labels are
        read meanwhile (`label`)."""
        query = (
            f"SELECT ?p (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?p <{RDF.type}> <{SB.Practice}> "
            f"FILTER(!isBlank(?p)) OPTIONAL {{ ?c <{SB.enacts}> ?p }} }} GROUP BY ?p"
        )
        counted = [(to_rdflib(r["p"]), int(r["n"].value)) for r in self.rows(query, "?p")]
        self._read_labels(p for p, _ in counted)
        counted += self._blank_context.conversation_counts()
        return sorted(counted, key=lambda pair: str(pair[0]))

    def owned_practices(self) -> dict[Node, set[Node]]:
        """Organisation → the practices it owns (`context.owned`), from the engine's
        `OWNERS` triples of named nodes and the blank ones'; the labels of them all are
        read meanwhile (`label`)."""
        by_predicate: dict[str, list[tuple[Node, Node]]] = {p: [] for p in OWNERS}
        for row in self.rows(_triples(OWNERS), "?s ?p ?o"):
            if not isinstance(row["o"], ox.Literal):
                by_predicate[row["p"].value].append((to_rdflib(row["s"]), to_rdflib(row["o"])))
        for predicate in OWNERS:
            for quad in self._blank.quads_for_pattern(None, ox.NamedNode(predicate), None):
                if isinstance(quad.subject, ox.NamedNode | ox.BlankNode) and isinstance(
                    quad.object, ox.NamedNode | ox.BlankNode
                ):
                    pair = (to_rdflib(quad.subject), to_rdflib(quad.object))
                    by_predicate[predicate].append(pair)
        parents: dict[Node, list[Node]] = {}
        for predicate in OWNERS[1:]:
            for unit, parent in by_predicate[predicate]:
                parents.setdefault(unit, []).append(parent)
        found = owned(by_predicate[OWNERS[0]], lambda org: parents.get(org, ()))
        self._read_labels(found)
        return found

    def _read_labels(self, nodes: Iterable[Node]) -> None:
        """The first label (`LABELS`, in their order) of each named node among `nodes` not
        labelled yet."""
        listed = {ox.NamedNode(str(n)) for n in nodes if isinstance(n, URIRef)}
        listed -= {ox.NamedNode(str(n)) for n in self._labels}
        query = _values_query(LABELS, incoming=False)
        for batch in _batches(sorted(listed, key=str)):
            text = query.replace("NODES", " ".join(f"<{n.value}>" for n in batch))
            for row in self.rows(text, "?s ?p ?o"):
                if isinstance(row["o"], ox.Literal):
                    self._labels.setdefault(to_rdflib(row["s"]), row["o"].value)

    def label(self, node: Node) -> str:
        """rdfs:label or skos:prefLabel, else the IRI's local name (`owned_practices` read
        the labels of every practice and organisation)."""
        if isinstance(node, BNode):
            return self._blank_context.label(node)
        return self._labels[node] if node in self._labels else local_name(node)


def _report(
    reading: _Reading, findings: list[Finding], shapes: ShapePack, fail_on: Severity
) -> Report:
    """The report of `findings` (the distinct ones, `unique_findings`), built a part at a
    time and kept in a `Spool`."""
    found = unique_findings(findings)
    return Report.assemble(reading.parts(found), shapes, reading, fail_on=fail_on, keep=Spool.of)


def _values_query(predicates: tuple[str, ...], *, incoming: bool) -> str:
    """The triples of `predicates` from (or, `incoming`, to) the nodes written in for NODES."""
    return _triples(predicates, f"VALUES {'?o' if incoming else '?s'} {{ NODES }}")


def _triples(predicates: tuple[str, ...], values: str = "") -> str:
    """The triples `?s ?p ?o` of `predicates` that `values` allow, but those touching a blank
    node. One branch per predicate, each with its `values`: Oxigraph server scanned every
    triple for `VALUES ?s {…} VALUES ?p {…} ?s ?p ?o` (27 s a batch at 1M, 0.2 s so)."""
    branches = " UNION ".join(f"{{ {values} ?s <{p}> ?o BIND(<{p}> AS ?p) }}" for p in predicates)
    return f"SELECT ?s ?p ?o WHERE {{ {branches} {_NO_BLANK} }}"


def _around(context: ox.Store, terms: list[Node]) -> list[ox.NamedNode]:
    """The IRIs among `terms`, and those next to a blank node among them in `context` (which
    holds every triple touching a blank node)."""
    nodes: list[ox.NamedNode] = []
    for term in {to_oxigraph(t) for t in terms}:
        if isinstance(term, ox.NamedNode):
            nodes.append(term)
        elif isinstance(term, ox.BlankNode):
            touching = [
                *context.quads_for_pattern(term, None, None),
                *context.quads_for_pattern(None, None, term),
            ]
            for quad in touching:
                nodes.extend(t for t in (quad.subject, quad.object) if isinstance(t, ox.NamedNode))
    return nodes


def _batches(nodes: list[ox.NamedNode]) -> Iterator[list[ox.NamedNode]]:
    for start in range(0, len(nodes), _BATCH):
        yield nodes[start : start + _BATCH]


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
