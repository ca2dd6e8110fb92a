"""Report history: every validation of the store is kept in the store itself.

Each kept report is a named graph `urn:triskel:report:<id>` holding the W3C
`sh:ValidationReport` (with the finding context of `as_rdf`) on the node of the same IRI,
plus its metadata: `dcterms:identifier` (the id), `dcterms:created`, `sbr:dataFingerprint`
(the canonical hash of the validated data, `snapshot`), `sbr:shapesVersion` (the same hash of
the shapes), `sbr:engine`, `sbr:scope` (the graph validated, absent for the whole store) and
the counts `sbr:violations`, `sbr:warnings`, `sbr:infos` (of the whole validation), and
`sbr:resultsKept` when only the first results are kept (`TRISKEL_MAX_REPORT_RESULTS`).
Since the history is ordinary RDF, teams can query past reports with SPARQL;
`templates/report-history.rq` is the list query.

A kept report reads back whole, except that its blank nodes (a property shape without an
IRI as `sourceShape`, a blank-node focus) carry the labels the store gave them.

Ids sort by time (`20261127T120501123456Z-3fa2c1`), so a newer report has a larger id.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH, XSD

from service.errors import NotFoundError
from service.namespaces import SBR
from service.rdf.formats import NTRIPLES
from service.reports.as_rdf import from_graph, to_graph
from service.reports.canonical import canonical_hash
from service.reports.model import Report
from service.reports.snapshot import REPORT_GRAPH_PREFIX
from service.store.base import Row, Store
from service.store.system_graphs import service_writes
from service.validation.rdfio import graph_to_triples, triples_to_graph
from service.validation.shapes import ShapePack

LIST_QUERY = Path(__file__).resolve().parent.parent / "templates" / "report-history.rq"
ENTRY_QUERY = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sbr: <https://w3id.org/social-business/report#>
SELECT ?g ?id ?created ?fingerprint ?shapes ?engine ?conforms ?violations ?warnings ?infos ?scope
       ?kept
WHERE {
  GRAPH ?g {
    ?g a sh:ValidationReport ; dcterms:identifier ?id ; dcterms:created ?created ;
      sh:conforms ?conforms ; sbr:dataFingerprint ?fingerprint ; sbr:shapesVersion ?shapes ;
      sbr:engine ?engine ; sbr:violations ?violations ; sbr:warnings ?warnings ;
      sbr:infos ?infos .
    OPTIONAL { ?g sbr:scope ?scope }
    OPTIONAL { ?g sbr:resultsKept ?kept }
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


def record(store: Store, report: Report, entry: Entry, *, keep: int = MAX_REPORTS) -> None:
    """Keep the report and its metadata in the entry's graph (one all-or-nothing load), then
    drop the oldest kept reports beyond the newest `keep`, so the history is bounded. A
    truncated entry keeps only the report's first `entry.results_kept` results."""
    if entry.results_kept is not None:
        report = replace(report, results=report.results[: entry.results_kept])
    body = as_graph(report, entry).serialize(format="nt", encoding="utf-8")
    with service_writes():
        store.load(body, media_type=NTRIPLES, graph=entry.graph, source=f"report {entry.id}")
    prune(store, keep=keep)


def as_graph(report: Report, entry: Entry) -> Graph:
    """The graph a kept report is stored as: the report on the node `entry.graph`, plus the
    entry's metadata on the same node."""
    node = URIRef(entry.graph)
    graph = to_graph(report, node=node)
    for predicate, value in (
        (DCTERMS.identifier, Literal(entry.id)),
        (DCTERMS.created, Literal(entry.created.isoformat(), datatype=XSD.dateTime)),
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


def prune(store: Store, *, keep: int) -> list[str]:
    """Drop the oldest kept reports beyond the newest `keep` (`TRISKEL_MAX_REPORTS`); returns
    the graphs dropped."""
    dropped = report_graphs(store)[keep:]
    with service_writes():
        for graph in dropped:
            store.delete_graph(graph)
    return dropped


def read(store: Store, report_id: str) -> tuple[Entry, Report]:
    """A kept report and its entry; `NotFoundError` when there is none with that id."""
    graph_iri = report_graph(report_id)
    if graph_iri not in store.graphs():
        raise NotFoundError(f"no report {report_id!r}")
    body = store.export(graph_iri, media_type=NTRIPLES)
    graph = triples_to_graph(ox.parse(body, ox.RdfFormat.N_TRIPLES))  # keeps blank-node ids
    node = URIRef(graph_iri)
    try:
        return _entry_of_graph(graph, node), from_graph(graph, node)
    except (KeyError, ValueError, TypeError, AttributeError, LookupError) as exc:
        log.warning("malformed report graph <%s>: %s", graph_iri, type(exc).__name__)
        raise NotFoundError(f"report {report_id!r} is malformed and cannot be read") from None


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


def _entry_of_graph(graph: Graph, node: URIRef) -> Entry:
    def text(predicate: URIRef) -> str:
        return str(graph.value(node, predicate) or "")

    scope = graph.value(node, SBR.scope)
    kept = graph.value(node, SBR.resultsKept)
    return Entry(
        id=text(DCTERMS.identifier),
        created=datetime.fromisoformat(text(DCTERMS.created)),
        fingerprint=text(SBR.dataFingerprint),
        shapes_version=text(SBR.shapesVersion),
        engine=text(SBR.engine),
        scope=None if scope is None else str(scope),
        counts={name: int(text(p) or 0) for name, p in _COUNTS},
        conforms=text(SH.conforms) == "true",
        results_kept=None if kept is None else int(str(kept)),
    )
