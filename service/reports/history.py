"""Report history: every kept validation of the store, as a header plus ledger events.

Each kept report is a named graph `urn:triskel:report:<id>` holding a header on the node of
the same IRI: `dcterms:identifier` (the id), `dcterms:created`, `sh:conforms`, `sbr:failOn`,
`sbr:dataFingerprint` (the canonical hash of the validated data, `snapshot`),
`sbr:shapesVersion` (the same hash of the shapes), `sbr:engine`, `sbr:scope` (the graph
validated, absent for the whole store), the counts `sbr:violations`, `sbr:warnings`,
`sbr:infos` (of the whole validation), `sbr:resultsKept` when only the first results are
kept (`TRISKEL_MAX_REPORT_RESULTS`), `sbr:previous` (the previous kept report of the same
scope, engine and shapes: a *series*) and `prov:wasGeneratedBy` its `sbr:Validation`, which
`sbr:opened` and `sbr:closed` the findings, contexts, scores and rule summaries that changed
since `sbr:previous` (`service.reports.ledger`; their descriptions live once in the ledger
graph). A series' first report opens everything current at its time. So 100 validations
of an unchanged store add 100 headers and nothing else.

Each series also keeps its state, the items current after its newest report, in a system
graph of its own (`service.reports.series`), so `record` compares a new report with the
latest state alone, and `read` reconstructs the whole report (results, scores, summaries)
from that state, the events of the reports after it undone, and the descriptions of its
items; blank nodes (a property shape without an IRI as `sourceShape`, a blank-node focus)
come back with the labels the store gave them. Since the history is ordinary RDF, teams can
query it with SPARQL; `templates/report-history.rq` is the list query.

Retention: at most `TRISKEL_MAX_REPORTS` reports are kept, and `TRISKEL_HISTORY_KEEP` (a
count, `100`, or an age, `30d`) may keep fewer; the oldest go first. Dropping a report
deletes its graph and nothing is rewritten: the state holds every current item, so the
survivors stay deltas and a series of unchanged validations stays headers alone under any
retention. Ledger items that neither a kept report nor a state mentions any more are removed.

Ids sort by time (`20261127T120501123456Z-3fa2c1`), so a newer report has a larger id.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SH, XSD

from service.errors import NotFoundError
from service.namespaces import SBR
from service.rdf.formats import NQUADS
from service.reports import ledger
from service.reports.as_rdf import to_graph
from service.reports.canonical import canonical_hash
from service.reports.model import Report
from service.reports.series import (
    Head,
    Series,
    added,
    current_at,
    digest,
    head,
    rebuilt,
    removed,
    state_items,
)
from service.reports.snapshot import REPORT_GRAPH_PREFIX
from service.store.base import Row, Store
from service.store.system_graphs import service_writes
from service.validation.model import SEVERITY_IRI, severity_name
from service.validation.rdfio import graph_to_triples
from service.validation.shapes import ShapePack

LIST_QUERY = Path(__file__).resolve().parent.parent / "templates" / "report-history.rq"
ENTRY_QUERY = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sbr: <https://w3id.org/social-business/report#>
SELECT ?g ?id ?created ?fingerprint ?shapes ?engine ?conforms ?violations ?warnings ?infos ?scope
       ?kept ?failOn
WHERE {
  GRAPH ?g {
    ?g a sh:ValidationReport ; dcterms:identifier ?id ; dcterms:created ?created ;
      sh:conforms ?conforms ; sbr:dataFingerprint ?fingerprint ; sbr:shapesVersion ?shapes ;
      sbr:engine ?engine ; sbr:violations ?violations ; sbr:warnings ?warnings ;
      sbr:infos ?infos .
    OPTIONAL { ?g sbr:scope ?scope }
    OPTIONAL { ?g sbr:resultsKept ?kept }
    OPTIONAL { ?g sbr:failOn ?failOn }
  }
} LIMIT 1"""
"""One kept report's entry, `?g` bound to its graph (whose IRI is its report node)."""
SAME_QUERY = """
PREFIX sbr: <https://w3id.org/social-business/report#>
ASK {
  GRAPH ?g {
    ?g sbr:dataFingerprint ?fingerprint ; sbr:shapesVersion ?shapes ; sbr:engine ?engine .
    %s
  }
}"""
"""Is a report of this data, these shapes and this engine kept (scope pattern filled in)?"""
SERIES_QUERY = """
PREFIX sbr: <https://w3id.org/social-business/report#>
SELECT ?g ?shapes ?engine ?scope WHERE {
  GRAPH ?g { ?g sbr:shapesVersion ?shapes ; sbr:engine ?engine . OPTIONAL { ?g sbr:scope ?scope } }
}"""
"""The kept reports' series keys (filtered by `?shapes` and `?engine` when bound)."""
VALIDATION_PREFIX = "urn:triskel:validation:"
"""The activity of a kept report with id `x` is `urn:triskel:validation:x`."""
log = logging.getLogger(__name__)
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,63}")
_COUNTS = (("violation", SBR.violations), ("warning", SBR.warnings), ("info", SBR.infos))


@dataclass(frozen=True)
class Entry:
    """One kept validation: what was validated, against what, when, and what it found."""

    id: str
    created: datetime
    fingerprint: str
    shapes_version: str
    engine: str
    scope: str | None
    counts: dict[str, int]
    conforms: bool
    results_kept: int | None = None
    """How many results the kept report holds when it holds fewer than were found."""

    @property
    def truncated(self) -> bool:
        """True if the kept report holds only the first of its results."""
        return self.results_kept is not None

    @property
    def graph(self) -> str:
        """The named graph the report is kept in (also the IRI of its report node)."""
        return report_graph(self.id)

    @property
    def series(self) -> Series:
        """The key of the series the report belongs to."""
        return Series(self.shapes_version, self.engine, self.scope)

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready data."""
        return {
            "id": self.id,
            "created": self.created.isoformat(),
            "fingerprint": self.fingerprint,
            "shapes_version": self.shapes_version,
            "engine": self.engine,
            "scope": self.scope,
            "counts": self.counts,
            "conforms": self.conforms,
            "graph": self.graph,
            "truncated": self.truncated,
            "results_kept": self.results_kept,
        }


def report_graph(report_id: str) -> str:
    """The graph IRI of a report id (`NotFoundError` for a malformed id: no such report)."""
    if not _ID.fullmatch(report_id):
        raise NotFoundError(f"no report {report_id!r}: ids are letters, digits and '-'")
    return REPORT_GRAPH_PREFIX + report_id


def shapes_version(pack: ShapePack) -> str:
    """`sha256:<hex>` of the canonical shapes graph: equal shapes, equal version."""
    quads = (ox.Quad(t.subject, t.predicate, t.object) for t in graph_to_triples(pack.graph))
    return canonical_hash(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")


MAX_REPORTS = 1_000
"""Kept reports by default (`TRISKEL_MAX_REPORTS`); the oldest are dropped first past it."""
MAX_RESULTS = 10_000
"""Results a kept report holds by default (`TRISKEL_MAX_REPORT_RESULTS`)."""


def new_entry(
    report: Report,
    *,
    fingerprint: str,
    shapes: str,
    engine: str,
    scope: str | None,
    max_results: int = MAX_RESULTS,
) -> Entry:
    """A history entry for a report just made (a fresh, time-ordered id); past `max_results`
    results the kept report will hold the first `max_results`."""
    now = datetime.now(UTC)
    return Entry(
        id=f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}",
        created=now,
        fingerprint=fingerprint,
        shapes_version=shapes,
        engine=engine,
        scope=scope,
        counts={name: count for name, count in report.counts.items()},
        conforms=report.conforms,
        results_kept=max_results if len(report.results) > max_results else None,
    )


def already_kept(store: Store, entry: Entry) -> bool:
    """True if a kept report already validated the same data (fingerprint) against the same
    shapes with the same engine and scope: keeping this one would add nothing."""
    scope = (
        "FILTER NOT EXISTS { ?g sbr:scope ?any }" if entry.scope is None else "?g sbr:scope ?scope"
    )
    substitutions: dict[str, ox.NamedNode | ox.Literal] = {
        "fingerprint": ox.Literal(entry.fingerprint),
        "shapes": ox.Literal(entry.shapes_version),
        "engine": ox.Literal(entry.engine),
    }
    if entry.scope is not None:
        substitutions["scope"] = ox.NamedNode(entry.scope)
    return store.ask(SAME_QUERY % scope, substitutions=substitutions)


@dataclass(frozen=True)
class Retention:
    """How much history is kept: at most `reports` reports, none older than `days` days.

    >>> Retention.of(1000, "100"), Retention.of(50, "100").reports, Retention.of(1000, "30d").days
    (Retention(reports=100, days=None), 50, 30)
    """

    reports: int = MAX_REPORTS
    days: int | None = None

    @classmethod
    def of(cls, max_reports: int, keep: str | None) -> Retention:
        """From `TRISKEL_MAX_REPORTS` (the ceiling) and `TRISKEL_HISTORY_KEEP` (`N` reports or
        `Nd` days; None: the ceiling alone)."""
        if keep is None:
            return cls(max_reports)
        if keep.endswith("d"):
            return cls(max_reports, int(keep[:-1]))
        return cls(min(max_reports, int(keep)))

    def dropped(self, graphs: list[str], now: datetime) -> list[str]:
        """Of report graphs newest first, those past the count or older than the age."""
        beyond = graphs[self.reports :]
        if self.days is None:
            return beyond
        oldest = now - timedelta(days=self.days)
        return [g for g in graphs[: self.reports] if _made(g) < oldest] + beyond


def _made(graph: str) -> datetime:
    """When a report was made, read from its id (ids start with the time)."""
    stamp = graph.removeprefix(REPORT_GRAPH_PREFIX)[:22]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)


_WRITING = threading.Lock()
"""One history write at a time in this process: each is counted against the previous one.
A read holds it too while it reads a series' members, state and events (a keep landing in
between would pair a state with members it is not the state of)."""


def record(
    store: Store, report: Report, entry: Entry, *, retention: Retention | None = None
) -> None:
    """Keep the report: its header and the ledger items it opens and closes since the
    previous report of its series, with the descriptions of newly opened items and the
    series' new state; then apply `retention`. A truncated entry keeps only the report's
    first `entry.results_kept` results.

    Only the latest state of the series is read (and none of its items when the report
    changes nothing: `series.digest`). The descriptions of the items it opens are loaded
    first, `PIECE` quads at a time (a report of a large store opens hundreds of thousands of
    statements: one body of them all was the service's largest allocation), then the
    report and what its state gains in one load, which is what makes the report exist: if
    it fails, the descriptions no report uses are removed again. What the state loses
    follows (`series.removed`).

    Call it in the server process, the one that owns the store's write path, never in a
    validation worker: validations may run in worker processes, but their reports come back
    here to be kept, because keeps are serialised by this process's lock (`_WRITING`) and
    each is counted against the state the one before it left.
    """
    if entry.results_kept is not None:
        report = replace(report, results=report.results[: entry.results_kept])
    made = ledger.items(report)
    made_digest = digest(made)
    with _WRITING, service_writes():
        members = series(store, entry.series)
        old, current = _latest_state(store, entry.series, members, made_digest, set(made))
        if old is None:
            members = []
        opened = sorted(set(made) - current)
        closed = sorted(current - set(made))
        made_header = header(report, entry, members[-1] if members else None)
        quads = chain(
            ledger.quads(made_header, entry.graph),
            events(entry, opened, closed),
            added(entry.series, entry.graph, opened, made_digest),
        )
        described: set[str] = set()
        try:
            _describe(store, [made[iri] for iri in opened], entry.id, described)
            _load(store, quads, entry.id)
        except Exception:
            ledger.forget(store, described - ledger.still_used(store, described))
            raise
        if old is not None:
            removed(store, entry.series, old, Head(entry.graph, made_digest), closed)
        prune(store, retention or Retention())


PIECE = 100_000
"""Fewest quads per load of a kept report's ledger descriptions (`record`), but for the only
one: as many as the embedded store writes by its bulk path (`BULK_THRESHOLD`); a piece holds
less than twice that (~30 MB of N-Quads). In pieces of 20k, each its own transaction, the
first report kept of a million-triple store (10,000 findings described, 196k quads) spent
3.6 s of its 13 s writing them."""


def _describe(store: Store, opened: list[ledger.Item], source: str, described: set[str]) -> None:
    """Load the descriptions of the `opened` items the ledger lacks (`ledger.missing`) in
    pieces (`_pieces`), adding to `described` the items of each piece before it is loaded
    (what to remove again if the keep fails)."""
    for items, quads in _pieces(ledger.missing(store, opened)):
        described.update(items)
        _load(store, quads, source)


Piece = tuple[list[str], list[ox.Quad]]


def _pieces(items: Iterable[ledger.Item]) -> Iterator[Piece]:
    """The items' IRIs and description quads, in pieces of `PIECE` quads or more; a last
    piece smaller than that joins the one before it."""
    held: Piece | None = None
    iris: list[str] = []
    quads: list[ox.Quad] = []
    for item in items:
        iris.append(item.iri)
        quads.extend(ledger.description(item))
        if len(quads) >= PIECE:
            if held is not None:
                yield held
            held, iris, quads = (iris, quads), [], []
    if held is not None:
        iris, quads = held[0] + iris, held[1] + quads
    if quads:
        yield iris, quads


def _load(store: Store, quads: Iterable[ox.Quad], source: str) -> None:
    """One N-Quads load of service-written quads, each into its own graph."""
    body = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    store.load(body or b"", media_type=NQUADS, graph=None, keep_graphs=True, source=source)


def _latest_state(
    store: Store, key: Series, members: list[str], made_digest: str, made: set[str]
) -> tuple[Head | None, set[str]]:
    """The head of the series' state (None: the series starts now) and its current items.
    An invalid state is rebuilt first; one that cannot be (`series.recovered`) takes its
    series' unreadable reports with it, logged, and the series starts anew."""
    if not members:
        _drop(store, key.graph)
        return None, set()
    old = head(store, key, members)
    if old is None:
        current = rebuilt(store, key, members)
        if current is None:
            _lost(key, members)
            _delete(store, set(members), [key], sweep=True)
            return None, set()
        return head(store, key, members), current
    if old.digest == made_digest:
        return old, made
    return old, state_items(store, key)


def _drop(store: Store, graph: str) -> None:
    """Delete a graph if the store holds it."""
    if graph in store.graphs():
        store.delete_graph(graph)


def header(report: Report, entry: Entry, previous: str | None) -> Graph:
    """A kept report's graph but its ledger events (`events`): its metadata and activity."""
    node = URIRef(entry.graph)
    graph = Graph()
    activity = URIRef(VALIDATION_PREFIX + entry.id)
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SBR.failOn, SEVERITY_IRI[report.fail_on]))
    graph.add((node, PROV.wasGeneratedBy, activity))
    graph.add((activity, RDF.type, SBR.Validation))
    graph.add((activity, PROV.endedAtTime, _time(entry)))
    if previous is not None:
        graph.add((node, SBR.previous, URIRef(previous)))
    _add_metadata(graph, node, entry)
    return graph


def events(entry: Entry, opened: Iterable[str], closed: Iterable[str]) -> Iterator[ox.Quad]:
    """The ledger events of a kept report's activity, as quads of its graph (as many as the
    items it opens and closes: never an rdflib graph, which took ~1 KB a statement)."""
    graph = ox.NamedNode(entry.graph)
    activity = ox.NamedNode(VALIDATION_PREFIX + entry.id)
    for predicate, items in ((ledger.OPENED, opened), (ledger.CLOSED, closed)):
        event = ox.NamedNode(predicate)
        for item in items:
            yield ox.Quad(activity, event, ox.NamedNode(item), graph)


def _time(entry: Entry) -> Literal:
    return Literal(entry.created.isoformat(), datatype=XSD.dateTime)


def _add_metadata(graph: Graph, node: URIRef, entry: Entry) -> None:
    for predicate, value in (
        (DCTERMS.identifier, Literal(entry.id)),
        (DCTERMS.created, _time(entry)),
        (SBR.dataFingerprint, Literal(entry.fingerprint)),
        (SBR.shapesVersion, Literal(entry.shapes_version)),
        (SBR.engine, Literal(entry.engine)),
        *((p, Literal(entry.counts[name])) for name, p in _COUNTS),
    ):
        graph.add((node, predicate, value))
    if entry.scope is not None:
        graph.add((node, SBR.scope, URIRef(entry.scope)))
    if entry.results_kept is not None:
        graph.add((node, SBR.resultsKept, Literal(entry.results_kept)))
    graph.set((node, SH.conforms, Literal(entry.conforms)))  # of every result, not the kept


def series(store: Store, key: Series) -> list[str]:
    """The kept report graphs of a series (same scope, engine and shapes), oldest first."""
    rows = store.select(
        SERIES_QUERY,
        substitutions={
            "shapes": ox.Literal(key.shapes_version),
            "engine": ox.Literal(key.engine),
        },
    )
    found = {
        row["g"].value
        for row in rows
        if (None if row.get("scope") is None else row["scope"].value) == key.scope
    }
    return sorted(g for g in found if g.startswith(REPORT_GRAPH_PREFIX))


def as_graph(report: Report, entry: Entry) -> Graph:
    """A kept report as its views show it: the report on the node `entry.graph`, plus the
    entry's metadata on the same node (the store keeps a header and ledger events)."""
    node = URIRef(entry.graph)
    graph = to_graph(report, node=node)
    _add_metadata(graph, node, entry)
    return graph


def report_graphs(store: Store) -> list[str]:
    """The graphs of the kept reports, newest first (ids sort by time)."""
    return sorted((g for g in store.graphs() if g.startswith(REPORT_GRAPH_PREFIX)), reverse=True)


def entries(store: Store, *, limit: int | None = None, offset: int = 0) -> tuple[list[Entry], int]:
    """A page of kept reports' entries, newest first, and how many reports are kept.

    The page is cut from the sorted list of report graphs before any report is read, so a
    page costs the same with 100 kept reports as with 100,000. A report graph that does not
    read as an entry (malformed: written before system graphs were the service's alone) is
    left out of the page and logged, never a failure of the whole list.
    """
    graphs = report_graphs(store)
    page = graphs[offset:] if limit is None else graphs[offset : offset + limit]
    found: list[Entry] = []
    for graph in page:
        rows = store.select(ENTRY_QUERY, substitutions={"g": ox.NamedNode(graph)})
        try:
            found.append(_entry(rows[0]))
        except (IndexError, KeyError, ValueError, AttributeError) as exc:
            log.warning("skipped malformed report graph <%s>: %s", graph, type(exc).__name__)
    return found, len(graphs)


def prune(store: Store, retention: Retention) -> list[str]:
    """Drop the kept reports `retention` no longer keeps (the oldest first) and the ledger
    items nothing mentions any more; a series left with no report loses its state too.
    Returns the graphs dropped.

    A series' survivors are not rewritten: its state holds every current item. Only an
    invalid state is rebuilt first, while the reports it may be rebuilt from are there; a
    series whose state cannot be (`series.recovered`) is unreadable and dropped whole."""
    gone = set(retention.dropped(report_graphs(store), datetime.now(UTC)))
    if not gone:
        return []
    states: list[Series] = []
    lost = False
    with service_writes():
        for key, members in _series_of(store, gone):
            if gone.issuperset(members):
                states.append(key)
            elif head(store, key, members) is None and rebuilt(store, key, members) is None:
                _lost(key, members)
                states.append(key)
                gone |= set(members)
                lost = True
        _delete(store, gone, states, sweep=lost)
    return sorted(gone, reverse=True)


def _lost(key: Series, members: list[str]) -> None:
    log.warning("dropping %d kept reports whose state <%s> is lost", len(members), key.graph)


def _delete(store: Store, graphs: set[str], states: list[Series], *, sweep: bool) -> None:
    """Delete report graphs and series' states, then the ledger items that nothing else
    mentions (the caller holds `service_writes()`): of those the graphs and states
    mention, or with `sweep` of every item the ledger describes (a lost state took the list
    of what its dropped reports had opened with it)."""
    mentioned = ledger.described_items(store) if sweep else ledger.mentioned(store, graphs)
    for key in states:
        mentioned |= state_items(store, key)
        _drop(store, key.graph)
    for graph in sorted(graphs):
        store.delete_graph(graph)
    ledger.forget(store, mentioned - ledger.still_used(store, mentioned))


def _series_of(store: Store, graphs: set[str]) -> list[tuple[Series, list[str]]]:
    """Every series (its key, its graphs oldest first) holding one of `graphs`."""
    keys: dict[Series, list[str]] = {}
    for row in store.select(SERIES_QUERY):
        scope = row.get("scope")
        key = Series(
            row["shapes"].value, row["engine"].value, None if scope is None else scope.value
        )
        keys.setdefault(key, []).append(row["g"].value)
    return [(key, sorted(m)) for key, m in keys.items() if graphs.intersection(m)]


def read(store: Store, report_id: str) -> tuple[Entry, Report]:
    """A kept report, reconstructed from its series' state (`series.current_at`), and its
    entry; `NotFoundError` when there is none with that id (or its series' state is lost)."""
    graph_iri = report_graph(report_id)
    rows = store.select(ENTRY_QUERY, substitutions={"g": ox.NamedNode(graph_iri)})
    if not rows and graph_iri not in store.graphs():
        raise NotFoundError(f"no report {report_id!r}")
    try:
        entry = _entry(rows[0])
    except (IndexError, KeyError, ValueError, AttributeError) as exc:
        log.warning("malformed report graph <%s>: %s", graph_iri, type(exc).__name__)
        raise NotFoundError(f"report {report_id!r} is malformed and cannot be read") from None
    fail_on = rows[0].get("failOn")
    with _WRITING:  # the series, its state and its events as one keep left them
        members = series(store, entry.series)
        if graph_iri not in members:
            raise NotFoundError(f"no report {report_id!r}")
        current = current_at(store, entry.series, members, members.index(graph_iri))
    severity = severity_name(None if fail_on is None else URIRef(fail_on.value))
    return entry, ledger.report_of(store, current, severity)


def _entry(row: Row) -> Entry:
    scope = row.get("scope")
    return Entry(
        id=row["id"].value,
        created=datetime.fromisoformat(row["created"].value),
        fingerprint=row["fingerprint"].value,
        shapes_version=row["shapes"].value,
        engine=row["engine"].value,
        scope=None if scope is None else scope.value,
        counts={name: int(row[f"{name}s"].value) for name, _ in _COUNTS},
        conforms=row["conforms"].value == "true",
        results_kept=None if row.get("kept") is None else int(row["kept"].value),
    )
