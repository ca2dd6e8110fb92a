"""The findings ledger: every item a report is made of, described once, opened and closed.

A report is its results (findings), what each finding concerns (its context), the alignment
scores and the rule summaries. Each of these is a ledger *item* whose IRI is a hash of its
content (`urn:triskel:<kind>:<32 hex>`), described once in the system graph `LEDGER_GRAPH`.
An *activity* (a kept validation; later a write) says which items became current
(`sbr:opened`) and which stopped being current (`sbr:closed`); the state after an activity is
the replay of the activities before it. So storage grows with the changes in findings, not
with the data: validating an unchanged store opens and closes nothing.

A finding's IRI is `urn:triskel:finding:<id>`, its public content id (`Result.id`,
`terms.finding_id`: rule, severity, focus, value, path, shape, constraint component and
message, a blank node among them by its content name, `service.reports.blanks`), so the id
survives export and reload and is the one the JSON view, diffs and the guard show. What a
finding concerns changes with the data while the finding stays, so it is an item of its own
(a `sbr:FindingContext` naming its finding); a rule's label, meaning, layers and remediation are
read from the report's rule summary items.

>>> finding_iri("0123456789abcdef0123456789abcdef")
'urn:triskel:finding:0123456789abcdef0123456789abcdef'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from service.errors import NotFoundError
from service.namespaces import SBR, SBSH
from service.rdf.formats import NTRIPLES
from service.reports.as_rdf import (
    Statements,
    add_about,
    add_finding,
    add_score,
    add_summary,
    assemble,
    read_about,
    read_finding,
    read_score,
    read_summary,
)
from service.reports.context import About
from service.reports.model import Report, Result, RuleSummary, Score
from service.store.base import Store
from service.validation.model import Finding, Severity
from service.validation.rdfio import QuadSink, graph_to_triples, triples_to_graph

LEDGER_GRAPH = "urn:triskel:ledger"
"""The system graph holding every ledger item's description, once."""
ITEM = re.compile(r"urn:triskel:(finding|context|score|rule):[0-9a-f]{32}")
"""What a ledger item's IRI looks like (only such IRIs are ever written into an update)."""
OPENED, CLOSED = str(SBR.opened), str(SBR.closed)
FINDING_PREFIX = "urn:triskel:finding:"
_KINDS = {
    "finding": URIRef("http://www.w3.org/ns/shacl#ValidationResult"),
    "context": SBR.FindingContext,
    "score": SBR.Score,
    "rule": SBR.RuleSummary,
}


@dataclass(frozen=True)
class Item:
    """One ledger item: its content IRI and how to describe it."""

    iri: str
    describe: Callable[[Statements, URIRef], None]
    blank: bool
    """True when its description names a blank node (writing it twice would not be idempotent)."""

    def add_to(self, graph: Statements) -> None:
        """The item's description, typed by its kind, on its IRI."""
        node = URIRef(self.iri)
        graph.add((node, RDF.type, _KINDS[self.iri.split(":")[2]]))
        self.describe(graph, node)


def item_iri(kind: str, *parts: str) -> str:
    """The IRI of an item of `kind` with this content (parts as stable text)."""
    digest = hashlib.sha256("\x1f".join((kind, *parts)).encode()).hexdigest()
    return f"urn:triskel:{kind}:{digest[:32]}"


def finding_iri(finding_id: str) -> str:
    """The ledger IRI of a finding with this content id (see the module docstring)."""
    return FINDING_PREFIX + finding_id


def items(report: Report) -> dict[str, Item]:
    """Every item of a report by IRI: its findings and their contexts, scores, summaries."""
    found: dict[str, Item] = {}
    presentation: dict[str, tuple[str, str]] = {}
    for result in report.results:
        for item in _result_items(result, report.names):
            found[item.iri] = item
        presentation.setdefault(result.rule, (result.meaning, result.remediation))
    for kind, scores in (("practice", report.practices), ("organisation", report.organisations)):
        for score in scores:
            item = _score_item(kind, score, report.names)
            found[item.iri] = item
    for summary in report.rules:
        item = _summary_item(summary, *presentation.get(summary.rule, ("", "")), report.names)
        found[item.iri] = item
    return found


def _result_items(result: Result, names: Mapping[Node, str]) -> list[Item]:
    finding = result.finding
    iri = finding_iri(result.id)
    blank = any(isinstance(t, BNode) for t in (finding.focus, finding.value, finding.path))
    describe = partial(_describe_finding, finding, result.id)
    made = [Item(iri, describe, blank or _blank(finding.shape))]
    about = result.about
    terms = (about.conversations, about.practices, about.people)
    if any(terms):
        parts = ["|".join(_text(t, names) for t in group) for group in terms]
        context = item_iri("context", iri, *parts)
        describe = partial(_describe_context, iri, about)
        made.append(Item(context, describe, any(_blank(t) for g in terms for t in g)))
    return made


def _score_item(kind: str, score: Score, names: Mapping[Node, str]) -> Item:
    parts = (
        kind,
        _text(score.subject, names),
        score.label,
        str(score.conversations),
        str(score.aligned),
        *(_text(p, names) for p in score.practices),
    )
    blank = _blank(score.subject) or any(_blank(p) for p in score.practices)
    return Item(item_iri("score", *parts), partial(_describe_score, kind, score), blank)


def _summary_item(
    summary: RuleSummary, meaning: str, remediation: str, names: Mapping[Node, str]
) -> Item:
    parts = (
        summary.rule,
        summary.label,
        summary.severity,
        "|".join(summary.layers),
        _text(summary.shape, names),
        str(summary.count),
        meaning,
        remediation,
    )
    describe = partial(_describe_summary, summary, meaning, remediation)
    return Item(item_iri("rule", *parts), describe, _blank(summary.shape))


def _describe_finding(finding: Finding, finding_id: str, graph: Statements, node: URIRef) -> None:
    add_finding(graph, node, finding, finding_id)


def _describe_context(finding: str, about: About, graph: Statements, node: URIRef) -> None:
    graph.add((node, SBR.finding, URIRef(finding)))
    add_about(graph, node, about)


def _describe_score(kind: str, score: Score, graph: Statements, node: URIRef) -> None:
    add_score(graph, node, kind, score)


def _describe_summary(
    summary: RuleSummary, meaning: str, remediation: str, graph: Statements, node: URIRef
) -> None:
    add_summary(graph, node, summary)
    if meaning:
        graph.add((node, RDFS.comment, Literal(meaning)))
    if remediation:
        graph.add((node, SBSH.remediation, Literal(remediation)))


def _blank(term: Node | None) -> bool:
    return isinstance(term, BNode)


def _text(term: Node | None, names: Mapping[Node, str]) -> str:
    """A term as stable text: N-Triples-like, a blank node by its content name."""
    if term is None:
        return ""
    if isinstance(term, BNode):
        return names.get(term, "_:")
    return term.n3()


def quads(graph: Graph, name: str) -> Iterable[ox.Quad]:
    """An rdflib graph's triples as quads of the graph `name` (for one N-Quads load)."""
    node = ox.NamedNode(name)
    return (ox.Quad(t.subject, t.predicate, t.object, node) for t in graph_to_triples(graph))


def description(item: Item) -> list[ox.Quad]:
    """The item's description as quads of the ledger graph, written straight as quads: a
    kept report is serialised an item at a time (its descriptions in one rdflib graph were
    the service's largest allocation, ~250 MB for 10,000 findings)."""
    sink = QuadSink(LEDGER_GRAPH)
    item.add_to(sink)
    return sink.quads


def missing(store: Store, candidates: Iterable[Item]) -> list[Item]:
    """The items to describe: all of them, except those naming a blank node that the ledger
    already describes (writing those again would add a second copy of the blank node)."""
    return [
        item
        for item in candidates
        if not item.blank
        or not store.ask(
            f"ASK {{ GRAPH <{LEDGER_GRAPH}> {{ ?item ?p ?o }} }}",
            substitutions={"item": ox.NamedNode(item.iri)},
        )
    ]


def replay(activities: Iterable[Iterable[tuple[str, str]]]) -> set[str]:
    """The current items after activities given in order, each as (event, item) pairs with
    the event `OPENED` or `CLOSED`.

    >>> replay([[(OPENED, "a"), (OPENED, "b")], [(CLOSED, "a")], [(OPENED, "a")]]) == {"a", "b"}
    True
    """
    current: set[str] = set()
    for events in activities:
        for event, item in events:
            (current.add if event == OPENED else current.discard)(item)
    return current


def events_of(body: bytes) -> list[tuple[str, str]]:
    """The (event, item) pairs an N-Triples document (a report graph) records."""
    return [
        (t.predicate.value, t.object.value)
        for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)
        if t.predicate.value in (OPENED, CLOSED) and isinstance(t.object, ox.NamedNode)
    ]


def report_of(store: Store, current: set[str], fail_on: Severity) -> Report:
    """The report made of the `current` items, read from their descriptions alone."""
    graph = triples_to_graph(described(store, current))
    by_kind: dict[str, list[URIRef]] = {kind: [] for kind in _KINDS}
    for node in {URIRef(i) for i in current}:
        by_kind[str(node).split(":")[2]].append(node)
    contexts = {graph.value(c, SBR.finding): read_about(graph, c) for c in by_kind["context"]}
    summaries = {s: read_summary(graph, s) for s in by_kind["rule"]}
    rules = {summary.rule: (node, summary) for node, summary in summaries.items()}
    results = [_result(graph, f, contexts, rules) for f in by_kind["finding"]]
    scores = [read_score(graph, s) for s in by_kind["score"]]
    return assemble(results, scores, summaries.values(), fail_on)


def _result(
    graph: Graph,
    node: URIRef,
    contexts: Mapping[Node | None, About],
    rules: Mapping[str, tuple[URIRef, RuleSummary]],
) -> Result:
    finding = read_finding(graph, node)
    summary_node, summary = rules.get(finding.rule, (None, None))
    return Result(
        finding=finding,
        label=summary.label if summary else "",
        meaning=str(graph.value(summary_node, RDFS.comment) or "") if summary_node else "",
        layers=summary.layers if summary else (),
        remediation=str(graph.value(summary_node, SBSH.remediation) or "") if summary_node else "",
        about=contexts.get(node, About((), (), ())),
        id=str(node).removeprefix(FINDING_PREFIX),
    )


EXPORTED_SHARE = 4
"""Statements read by item-restricted queries cost about four times those of one export
(measured: the 24k statements of 2,000 findings' items, 10 s by queries, 3 s exported and
filtered, on a busy 2-core machine); so when the wanted items likely hold a quarter of the
ledger's statements or more, the ledger is exported and filtered instead."""
STATEMENTS_PER_ITEM = 16
"""About how many statements describe an item (a finding, context, score, summary)."""


def described(store: Store, wanted: Iterable[str], *, chunk: int = 500) -> list[ox.Triple]:
    """The ledger graph's statements about the `wanted` items: a chunk of items per query
    (each well under the store's row limit; only item IRIs, `ITEM`, are written into a
    query), or, when they make much of the ledger (`EXPORTED_SHARE`), its export filtered."""
    listed = sorted(c for c in set(wanted) if ITEM.fullmatch(c))
    if not listed:
        return []
    size = store.count(LEDGER_GRAPH)
    if len(listed) * STATEMENTS_PER_ITEM * EXPORTED_SHARE >= size:
        keep = set(listed)
        body = store.export(LEDGER_GRAPH, media_type=NTRIPLES)
        return [t for t in ox.parse(body, ox.RdfFormat.N_TRIPLES) if t.subject.value in keep]
    found: list[ox.Triple] = []
    for start in range(0, len(listed), chunk):
        values = " ".join(f"<{c}>" for c in listed[start : start + chunk])
        rows = store.select(
            f"SELECT ?item ?p ?o WHERE {{ VALUES ?item {{ {values} }} "
            f"GRAPH <{LEDGER_GRAPH}> {{ ?item ?p ?o }} }}"
        )
        found += (_triple(row["item"], row["p"], row["o"]) for row in rows)
    return found


def _triple(subject: object, predicate: object, obj: object) -> ox.Triple:
    assert isinstance(subject, ox.NamedNode) and isinstance(predicate, ox.NamedNode)
    assert isinstance(obj, ox.NamedNode | ox.BlankNode | ox.Literal)
    return ox.Triple(subject, predicate, obj)


def mentioned(store: Store, graphs: Iterable[str]) -> set[str]:
    """The items the activities of these report graphs open or close, each graph exported
    alone (an export of several from one state takes a store checkpoint, which a caller
    holding the keep lock does not need; a query could pass the row limit)."""
    return {
        item for graph in graphs for _, item in events_of(store.export(graph, media_type=NTRIPLES))
    }


def described_items(store: Store) -> set[str]:
    """Every item the ledger graph describes (from its export: there may be more items than
    a query may return rows)."""
    try:
        body = store.export(LEDGER_GRAPH, media_type=NTRIPLES)
    except NotFoundError:
        return set()
    subjects = (t.subject.value for t in ox.parse(body, ox.RdfFormat.N_TRIPLES))
    return {s for s in subjects if ITEM.fullmatch(s)}


def still_used(store: Store, candidates: Iterable[str], *, chunk: int = 1_000) -> set[str]:
    """Those of `candidates` that some activity of a kept report still opens or closes, or
    that a series' state holds as current (its first report may be gone)."""
    listed = sorted(c for c in set(candidates) if ITEM.fullmatch(c))
    used: set[str] = set()
    for start in range(0, len(listed), chunk):
        values = " ".join(f"<{c}>" for c in listed[start : start + chunk])
        rows = store.select(
            "PREFIX sbr: <https://w3id.org/social-business/report#>\n"
            f"SELECT DISTINCT ?item WHERE {{ VALUES ?item {{ {values} }} "
            "GRAPH ?g { ?node sbr:opened|sbr:closed|sbr:current ?item } "
            'FILTER (STRSTARTS(STR(?g), "urn:triskel:report:") '
            '|| STRSTARTS(STR(?g), "urn:triskel:ledger:state:")) }'
        )
        used |= {row["item"].value for row in rows}
    return used


def forget(store: Store, unused: Iterable[str], *, chunk: int = 1_000) -> None:
    """Remove the descriptions of items no kept report mentions any more (the caller holds
    `service_writes()`). Only item IRIs (`ITEM`) are ever written into the update."""
    listed = sorted(c for c in set(unused) if ITEM.fullmatch(c))
    for start in range(0, len(listed), chunk):
        values = " ".join(f"<{c}>" for c in listed[start : start + chunk])
        store.update(
            f"DELETE {{ GRAPH <{LEDGER_GRAPH}> {{ ?item ?p ?o }} }} WHERE {{ "
            f"VALUES ?item {{ {values} }} GRAPH <{LEDGER_GRAPH}> {{ ?item ?p ?o }} }}"
        )
