"""What an update changes, computed before it is applied: its delta.

Each operation (`service.store.operations`) is evaluated against a `State`: a database (the
store itself, a read-only view of it in a worker, or a writable checkpoint) and the changes
of the operations before it. SPARQL 1.1 Update §3.1.3: a `DELETE`/`INSERT … WHERE` evaluates
its `WHERE` once, as a `SELECT` of the template variables, and instantiates its templates
with each solution; a template triple with an unbound variable or that is not well formed
(a literal subject, a blank-node predicate) is left out, and each blank node of an `INSERT`
template is a fresh one per solution. The data is changed only by removals of quads that
are present and additions of quads that are absent, so the delta holds real changes only.

Graph management follows pyoxigraph, which the differential tests compare with
(tests/test_update_delta.py): `CLEAR`/`DROP` of an absent graph fails unless `SILENT`, `DROP`
also forgets the graph name, `CREATE` of a present graph fails unless `SILENT`; `ADD`,
`COPY` and `MOVE` copy the source's quads (an absent source is empty, but `MOVE` from it
fails unless `SILENT`), `COPY` and `MOVE`
replace the target's, and `MOVE` drops the source. Their delta is every quad of the graphs
they touch: it may be big (the template cap, `TRISKEL_MAX_UPDATE_QUADS`, bounds what
templates make, not what a `DROP` removes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.errors import InputError, OperationFailedError, TooLargeError
from service.store.operations import Operation, PatternTerm, Template, Var
from service.store.syntax import query_syntax_error, unknown_functions

GraphTerm = ox.NamedNode | ox.BlankNode
Solution = Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal]


@dataclass(frozen=True)
class QuadDelta:
    """A write's real changes: quads removed, then quads added, and the named graphs it
    creates (empty ones included) and drops. `emptied` lists graphs left with no quad by a
    whole-graph operation, which the store clears at once rather than quad by quad."""

    added: frozenset[ox.Quad] = field(default_factory=frozenset)
    removed: frozenset[ox.Quad] = field(default_factory=frozenset)
    created: frozenset[GraphTerm] = field(default_factory=frozenset)
    dropped: frozenset[GraphTerm] = field(default_factory=frozenset)
    emptied: frozenset[GraphTerm | ox.DefaultGraph] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.created or self.dropped)


class State:
    """A database and the changes made to it so far by one update's operations.

    `writable`: the operations' changes are written to `db` as they come (a writable
    checkpoint, so that a later operation's `WHERE` sees them); otherwise `db` is read only
    and the changes are kept beside it."""

    def __init__(self, db: ox.Store, *, writable: bool = False, max_quads: int) -> None:
        self.db = db
        self.writable = writable
        self.max_quads = max_quads
        self.added: set[ox.Quad] = set()
        self.removed: set[ox.Quad] = set()
        self.before = {g for g in db.named_graphs()}
        self.graphs = set(self.before)
        self.wiped: set[GraphTerm | ox.DefaultGraph] = set()

    def present(self, quad: ox.Quad) -> bool:
        """True when the quad is in the data as the operations so far left it."""
        if self.writable:
            return quad in self.db
        if quad in self.added:
            return True
        return quad not in self.removed and quad in self.db

    def content(self, graph: GraphTerm | ox.DefaultGraph) -> list[ox.Quad]:
        """The quads of one graph as the operations so far left it."""
        stored = self.db.quads_for_pattern(None, None, None, graph)
        if self.writable:
            return list(stored)
        kept = [q for q in stored if q not in self.removed]
        return kept + [q for q in self.added if q.graph_name == graph]

    def change(
        self, removed: Iterable[ox.Quad], added: Iterable[ox.Quad], *, write: bool = True
    ) -> None:
        """Record one operation's removals, then its additions (real changes only); with
        `write=False` they are in a writable `db` already."""
        removed, added = list(removed), list(added)
        for quad in removed:
            if quad in self.added:
                self.added.discard(quad)
            else:
                self.removed.add(quad)
        for quad in added:
            if quad in self.removed:
                self.removed.discard(quad)
            else:
                self.added.add(quad)
            self.wiped.discard(quad.graph_name)
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                self.graphs.add(quad.graph_name)
        if self.writable and write:
            for quad in removed:
                self.db.remove(quad)
            self.db.extend(added)

    def name(self, graph: GraphTerm, *, exists: bool) -> None:
        """Create or forget a named graph."""
        if exists:
            self.graphs.add(graph)
            if self.writable:
                self.db.add_graph(graph)
        else:
            self.graphs.discard(graph)
            if self.writable:
                self.db.remove_graph(graph)

    def delta(self) -> QuadDelta:
        """The net change of every operation so far."""
        return QuadDelta(
            frozenset(self.added),
            frozenset(self.removed),
            frozenset(self.graphs - self.before),
            frozenset(self.before - self.graphs),
            frozenset(g for g in self.wiped if g in self.graphs or isinstance(g, ox.DefaultGraph)),
        )


def write_delta(db: ox.Store, delta: QuadDelta) -> None:
    """Write a delta: emptied and dropped graphs at once, then the other removals one by
    one, the additions in one transaction, and the created graph names."""
    for graph in delta.emptied:
        db.clear_graph(graph)
    for graph in delta.dropped:
        db.remove_graph(graph)
    cleared = delta.emptied | delta.dropped
    for quad in delta.removed:
        if quad.graph_name not in cleared:
            db.remove(quad)
    db.extend(delta.added)
    for graph in delta.created:
        db.add_graph(graph)


def apply_operations(state: State, operations: Iterable[Operation]) -> QuadDelta:
    """Evaluate the operations in order against `state`; their net delta."""
    for operation in operations:
        if operation.kind in ("INSERT DATA", "DELETE DATA"):
            _data(state, operation)
        elif operation.reads_patterns:
            _modify(state, operation)
        else:
            _graph_operation(state, operation)
    return state.delta()


def _data(state: State, operation: Operation) -> None:
    template = operation.insert
    assert template is not None
    quads = set(instantiate(template, [{}], None, state.max_quads))
    if operation.kind == "INSERT DATA":
        state.change((), (q for q in quads if not state.present(q)))
    else:
        state.change((q for q in quads if state.present(q)), ())


def _modify(state: State, operation: Operation) -> None:
    templates = [t for t in (operation.delete, operation.insert) if t is not None]
    rows = list(solutions(state.db, operation, templates))
    removed = set(instantiate(operation.delete, rows, operation.with_graph, state.max_quads))
    added = set(instantiate(operation.insert, rows, operation.with_graph, state.max_quads))
    if len(removed) + len(added) > state.max_quads:
        raise _too_many(state.max_quads)
    state.change(
        (q for q in removed if q not in added and state.present(q)),
        (q for q in added if not state.present(q)),
    )


def solutions(db: ox.Store, operation: Operation, templates: list[Template]) -> Iterator[Solution]:
    """The solutions of an operation's `WHERE`, projected on its templates' variables, on
    the operation's dataset (`WITH`, `USING`, `USING NAMED`)."""
    names = sorted(set().union(*(t.variables for t in templates)))
    fresh = any(t.has_blank_nodes for t in templates)
    projection = " ".join(f"?{n}" for n in names) if names else "*"
    modifier = "" if fresh else "DISTINCT "
    limit = " LIMIT 1" if not names and not fresh else ""
    query = f"{operation.prologue}\nSELECT {modifier}{projection} WHERE {operation.where}{limit}"
    dataset: dict[str, object] = {}
    if operation.using_named is not None:
        dataset["default_graph"] = [ox.NamedNode(g) for g in operation.using]
        dataset["named_graphs"] = [ox.NamedNode(g) for g in operation.using_named]
    elif operation.with_graph:
        dataset["default_graph"] = [ox.NamedNode(operation.with_graph)]
    try:
        answer = db.query(
            query,
            base_iri=operation.base_iri,
            custom_functions=unknown_functions(query, operation.base_iri),
            **dataset,  # type: ignore[arg-type]
        )
    except SyntaxError as exc:
        raise query_syntax_error(exc) from None
    except RuntimeError as exc:
        raise OperationFailedError(f"the update failed and changed nothing: {exc}") from None
    assert isinstance(answer, ox.QuerySolutions)
    for row in answer:
        yield {n: v for n in names if (v := row[n]) is not None and not isinstance(v, ox.Triple)}


def instantiate(
    template: Template | None, rows: Iterable[Solution], with_graph: str | None, max_quads: int
) -> Iterator[ox.Quad]:
    """The quads a template makes from `rows`, each row with fresh blank nodes; past
    `max_quads`, `TooLargeError`."""
    if template is None:
        return
    default: ox.NamedNode | ox.DefaultGraph = (
        ox.NamedNode(with_graph) if with_graph else ox.DefaultGraph()
    )
    made = 0
    for row in rows:
        fresh: dict[ox.BlankNode, ox.BlankNode] = {}
        for pattern in template.quads:
            quad = _ground(pattern, row, fresh, default)
            if quad is not None:
                made += 1
                if made > max_quads:
                    raise _too_many(max_quads)
                yield quad


def _ground(
    pattern: tuple[PatternTerm, PatternTerm, PatternTerm, PatternTerm],
    row: Solution,
    fresh: dict[ox.BlankNode, ox.BlankNode],
    default: ox.NamedNode | ox.DefaultGraph,
) -> ox.Quad | None:
    """One template quad with a row's values, or None when it is not a well-formed quad."""
    terms: list[object] = []
    for term in pattern:
        if isinstance(term, Var):
            value: object = row.get(term.name)
            if value is None:
                return None
        elif isinstance(term, ox.BlankNode):
            value = fresh.setdefault(term, ox.BlankNode())
        else:
            value = default if isinstance(term, ox.DefaultGraph) else term
        terms.append(value)
    subject, predicate, obj, graph = terms
    if not isinstance(subject, ox.NamedNode | ox.BlankNode):
        return None
    if not isinstance(predicate, ox.NamedNode):
        return None
    if not isinstance(graph, ox.NamedNode | ox.DefaultGraph):
        return None
    assert isinstance(obj, ox.NamedNode | ox.BlankNode | ox.Literal)
    return ox.Quad(subject, predicate, obj, graph)


def _too_many(max_quads: int) -> TooLargeError:
    return TooLargeError(
        f"the update would change more than {max_quads} quads through its templates "
        "(TRISKEL_MAX_UPDATE_QUADS); nothing was written"
    )


def _graph(key: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if key in ("", "DEFAULT") else ox.NamedNode(key)


def _graph_operation(state: State, operation: Operation) -> None:
    kind = operation.kind
    if kind in ("CLEAR", "DROP"):
        _clear(state, operation, drop=kind == "DROP")
    elif kind == "CREATE":
        graph = ox.NamedNode(operation.graphs[0])
        if graph in state.graphs and not operation.silent:
            raise _failed(f"The graph {graph} already exists")
        state.name(graph, exists=True)
    elif kind == "LOAD":
        _load(state, operation)
    else:
        _copy(state, operation)


def _clear(state: State, operation: Operation, *, drop: bool) -> None:
    (target,) = operation.graphs
    graphs: list[GraphTerm | ox.DefaultGraph] = []
    if target in ("DEFAULT", "ALL"):
        graphs.append(ox.DefaultGraph())
    if target in ("NAMED", "ALL"):
        graphs.extend(sorted(state.graphs, key=str))
    if target not in ("DEFAULT", "NAMED", "ALL"):
        named = ox.NamedNode(target)
        if named not in state.graphs:
            if operation.silent:
                return
            raise _failed(f"The graph {named} does not exist")
        graphs.append(named)
    for graph in graphs:
        state.change(state.content(graph), ())
        state.wiped.add(graph)
        if drop and not isinstance(graph, ox.DefaultGraph):
            state.name(graph, exists=False)


def _copy(state: State, operation: Operation) -> None:
    source, target = (_graph(g) for g in operation.graphs)
    if source == target:
        return
    absent = isinstance(source, ox.NamedNode) and source not in state.graphs
    if operation.kind == "MOVE" and absent and not operation.silent:
        raise _failed(f"The graph {source} does not exist")
    moved = [ox.Quad(q.subject, q.predicate, q.object, target) for q in state.content(source)]
    if operation.kind in ("COPY", "MOVE"):  # the target is dropped first, as in pyoxigraph
        keep = set(moved)
        state.change((q for q in state.content(target) if q not in keep), ())
        if isinstance(target, ox.NamedNode) and not moved:
            state.name(target, exists=False)
    state.change((), (q for q in moved if not state.present(q)))
    if operation.kind == "MOVE":
        state.change(state.content(source), ())
        if isinstance(source, ox.NamedNode):
            state.name(source, exists=False)


def _load(state: State, operation: Operation) -> None:
    """`LOAD` fetches: only on a writable copy, by the engine, its delta read off the target."""
    if not state.writable:
        raise InputError("LOAD is evaluated on a writable copy of the store only")
    source, *into = operation.graphs
    target = _graph(into[0]) if into else ox.DefaultGraph()
    before = set(state.content(target))
    silent = " SILENT" if operation.silent else ""
    destination = f" INTO GRAPH <{into[0]}>" if into else ""
    try:
        state.db.update(f"LOAD{silent} <{source}>{destination}")
    except RuntimeError as exc:
        raise _failed(str(exc)) from None
    after = set(state.content(target))
    state.change(before - after, after - before, write=False)
    if isinstance(target, ox.NamedNode) and state.db.contains_named_graph(target):
        state.graphs.add(target)


def _failed(reason: str) -> OperationFailedError:
    return OperationFailedError(f"the update failed and changed nothing: {reason}")
