"""The `fast` engine: every compiled constraint as one set-based query over all focus nodes.

A run (1) takes the pack's compiled form (built once per pack, `compile.compile_pack`),
(2) computes the derived relations its queries share once, from the prepared store, and
writes them into the queries as inline VALUES — or, when they hold blank nodes, or a query
reads `$shapesGraph`, copies the store into a private in-memory one with a scratch graph
and the shapes graph added, (3) runs each query through a `Select` function — any callable
from query text to rows, so the same compiled queries can run against a remote SPARQL 1.1
endpoint — and (4) hands the roots the compiler does not support to pySHACL with a
private shapes graph. Neither the prepared data nor the pack is mutated, so runs may
overlap.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Literal
from rdflib.term import Node

from service.validation import derived, reference
from service.validation.compile import CompiledConstraint, CompiledPack, compile_pack
from service.validation.compile_sparql import SHAPES_GRAPH_IRI
from service.validation.model import Finding
from service.validation.prepare import PreparedData
from service.validation.rdfio import graph_to_triples, to_rdflib
from service.validation.shapes import ShapePack

if TYPE_CHECKING:
    from service.store import Store

Row = Mapping[str, Node]
Select = derived.Select
"""Runs a SELECT query text and yields its solutions as variable name → rdflib term."""

_TEMPLATE = re.compile(r"\{[$?](\w+)\}")
QUERY_THREADS = min(4, os.cpu_count() or 1)
"""Rule queries run at once. pyoxigraph lets go of the GIL while it evaluates a query, so
while one thread waits on the engine another turns its rows into findings: on two cores
the rule queries of a million-triple organisation take about half the time."""
_SHAPES = ox.NamedNode(str(SHAPES_GRAPH_IRI))


def run(data: PreparedData, shapes: ShapePack, *, use_minus: bool = True) -> list[Finding]:
    """All findings of `shapes` on `data` (an `Engine`). `use_minus=False` keeps every
    FILTER NOT EXISTS as written (the differential test runs both forms)."""
    compiled = compile_pack(shapes, use_minus=use_minus)
    tables = derived.compute_on(data.store, compiled.relations_used())
    inline = derived.inline_rows(tables)
    store = data.store
    if inline is None or compiled.reads_shapes_graph():
        store = _private_copy(store)
        if inline is None:
            store.extend(derived.scratch_quads(tables))
        if compiled.reads_shapes_graph():
            triples = graph_to_triples(shapes.graph)
            store.extend(ox.Quad(t.subject, t.predicate, t.object, _SHAPES) for t in triples)
    findings = evaluate(compiled, store_select(store), inline)
    if compiled.fallback:
        findings.extend(reference.run_on(data.graph, compiled.fallback_graph(), shapes))
    return findings


def evaluate(
    compiled: CompiledPack, select: Select, inline: dict[str, str] | None
) -> list[Finding]:
    """The findings of every compiled constraint, each from one query. `inline` holds the
    shared relations as VALUES rows (`derived.inline_rows`); None when `select` reads them
    from the scratch graph. The constraints run on `QUERY_THREADS` threads; the findings
    keep the constraints' order."""

    def found(constraint: CompiledConstraint) -> list[Finding]:
        return list(findings_of(constraint, select(derived.render(constraint.query, inline))))

    with ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="rule-query") as pool:
        return [finding for each in pool.map(found, compiled.constraints) for finding in each]


def store_select(store: ox.Store) -> Select:
    """A `Select` over a pyoxigraph store. Each term is turned into its rdflib term once
    per `Select`: the rule queries of a million-triple organisation give ~90k rows over far
    fewer distinct terms, and building rdflib terms was most of the Python time."""
    terms: dict[ox.NamedNode | ox.BlankNode | ox.Literal, Node] = {}

    def term(value: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
        found = terms.get(value)
        if found is None:
            found = terms[value] = to_rdflib(value)
        return found

    def select(query: str) -> Iterator[Row]:
        solutions = store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        for solution in solutions:
            yield {name: term(value) for name in names if (value := solution[name]) is not None}

    return select


def store_rows(store: Store) -> Select:
    """A `Select` over a project store: the embedded one or a remote SPARQL 1.1 endpoint."""

    def select(query: str) -> Iterator[Row]:
        for row in store.select(query):
            yield {name: to_rdflib(term) for name, term in row.items()}

    return select


def _private_copy(store: ox.Store) -> ox.Store:
    """An in-memory copy to add the scratch graph to (the prepared store stays as it is)."""
    copy = ox.Store()
    copy.bulk_extend(store)
    return copy


def findings_of(constraint: CompiledConstraint, rows: Iterable[Row]) -> Iterator[Finding]:
    """The findings of one constraint's query rows (one per focus and value)."""
    seen: set[tuple[Node, Node | None]] = set()
    for row in rows:
        focus = row["this"]
        value = _value(constraint, row, focus)
        if (focus, value) in seen:
            continue
        seen.add((focus, value))
        yield Finding(
            rule=constraint.rule,
            severity=constraint.severity,
            focus=focus,
            value=value,
            path=constraint.path,
            message=_message(constraint.messages, row),
            shape=constraint.shape,
            component=constraint.component,
        )


def _value(constraint: CompiledConstraint, row: Row, focus: Node) -> Node | None:
    if constraint.value_from == "none":
        return None
    value = row.get("value")
    if value is None and constraint.value_from == "value-or-focus":
        return focus
    return value


def _message(messages: tuple[Literal, ...], row: Row) -> str:
    """The first message with `{?var}` / `{$var}` filled from the row."""
    if not messages:
        return ""
    return _TEMPLATE.sub(
        lambda m: str(row[m.group(1)]) if m.group(1) in row else m.group(0), str(messages[0])
    )
