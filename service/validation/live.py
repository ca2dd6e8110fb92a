"""Live validation: the current findings, patched from each write's delta.

`LiveValidation` keeps, for one dataset and one `ShapePack`, the prepared view of the data
(`entailed.EntailedData`), the derived relations the compiled queries share (as triples of
the view's graph `derived.GRAPH_IRI`) and the current findings of every compiled
constraint, by focus node. `apply(delta)`:

1. writes the delta and adds the view triples it gains, so the view holds old and new data;
2. finds, per derived relation, the subjects whose pairs may change (`dependency`), takes
   away the lost triples and recomputes those subjects' pairs; adds the new pairs, puts the
   lost triples back for a moment and finds, per constraint, the focus nodes whose results
   may change — through the old and the new data at once, so a removal counts as much as an
   addition;
3. settles the view (lost triples and pairs out) and re-checks each constraint for its focus
   nodes only (its query restricted to a focus list, `focused.restrict`), replacing their
   findings.

A constraint the analysis cannot follow (`Plan.whole`), or a change with no chain to the
focus, is re-checked for every focus node, and roots the compiler leaves to pySHACL are run
whole on every change; `Outcome.whole` names those rules. Findings always equal a fresh
`validate` of the same quads (tests/test_live_differential.py proves it on random writes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib.term import Node

from service.validation import derived, fast, reference
from service.validation.analytics import AnalyticsGate
from service.validation.compile import CompiledConstraint, compile_pack
from service.validation.compile_sparql import SHAPES_GRAPH_IRI
from service.validation.dependency import Change, Connector, Plan, affected, analyse
from service.validation.entailed import Delta, EntailedData, ViewChange
from service.validation.focused import FOCUS_IRI, Restricted, restrict
from service.validation.model import Finding
from service.validation.rdfio import graph_to_triples, to_oxigraph, to_rdflib, triples_to_graph
from service.validation.shapes import ShapePack

FOCUS_GRAPH = ox.NamedNode(FOCUS_IRI)
"""The view's graph listing the blank focus nodes of one re-check (which a VALUES clause
could not name)."""
SEED_GRAPH = ox.NamedNode("urn:triskel:live:seed")
"""The view's graph listing the blank seeds of one connector query."""
WHOLE_ABOVE = 1_000
"""A constraint with more focus nodes to re-check than this is re-checked whole: pyoxigraph
joins a long `VALUES ?this` list into a rule's pattern late, so an import of 20k events
(2,000 new conversations) re-checked focus by focus ran for over ten minutes, where the whole
rule takes seconds."""
WHOLE_CHANGES = 50_000
"""Above this many changed triples, a write that changes more than a twentieth of the view
re-checks every constraint whole, without following its changes to the focus nodes: that
costs some 2.5 µs a change for each of the 40 constraints (an import of 20k messages, 600k
triples, spent 67 s of its 135 s there, profiled), a whole re-check seconds a million
triples."""
REBUILD_SHARE = 5
"""A write of more than `WHOLE_CHANGES` quads that are also more than a fifth of the data
prepares the view anew (`EntailedData.rebuild`)."""
_DERIVED = ox.NamedNode(str(derived.GRAPH_IRI))
_DEFAULT = ox.DefaultGraph()

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Reached = dict[Connector, dict[Node, set[Term]]]
"""Within one step of a write: the focus nodes each connector reached from each seed, so
rules that share a connector (the walk up `rdf:type/rdfs:subClassOf*`) query it once."""


@dataclass(frozen=True)
class Outcome:
    """What one write did to the findings."""

    opened: frozenset[Finding]
    closed: frozenset[Finding]
    rechecked: Mapping[str, int]
    """Rule → focus nodes re-checked (rules re-checked whole are in `whole`)."""
    whole: frozenset[str]
    """Rules re-checked for every focus node."""


@dataclass(frozen=True)
class _Checked:
    """A compiled constraint with its restricted query and dependency plan."""

    constraint: CompiledConstraint
    restricted: Restricted
    plan: Plan


@dataclass(frozen=True)
class _Relation:
    name: str
    predicate: ox.NamedNode
    select: str
    restricted: Restricted
    plan: Plan


class LiveValidation:
    """The findings of `pack` on a dataset, kept current by `apply`."""

    def __init__(
        self,
        quads: Iterable[ox.Quad] | EntailedData,
        pack: ShapePack,
        known: Collection[Finding] | None = None,
    ) -> None:
        """The view of `quads` (or data already entailed) and its findings. `known`: every
        finding of these quads, kept from before (a restart); each constraint takes its own
        from them instead of running its query, when no other constraint could have given
        the same findings (same rule, severity, shape, component and path), so a restart
        does not validate the data again. The caller vouches for `known` naming blank nodes
        as `quads` do."""
        self.pack = pack
        self.data = quads if isinstance(quads, EntailedData) else EntailedData(quads)
        compiled = compile_pack(pack)
        self._compiled = compiled
        self._relations = tuple(_relation(r) for r in compiled.relations_used())
        self._checks = tuple(_checked(c) for c in compiled.constraints)
        self._gate = self._dressed()
        restored = _restored(compiled.constraints, known)
        ran = self._run_whole([i for i in range(len(self._checks)) if i not in restored])
        self._findings: list[dict[Node, frozenset[Finding]]] = [
            _by_focus(restored[index] if index in restored else ran[index])
            for index in range(len(self._checks))
        ]
        self._fallback = self._run_fallback()
        self._tally = _Tally(self.findings())

    def _dressed(self) -> AnalyticsGate | None:
        """Add the validator's own graphs to a fresh view (the shapes graph when a query
        reads it, the derived relations' pairs); its analytics gate (with the rules over
        analytics), which takes the analysis header out of the view when it is not current."""
        view = self.data.view
        gate = AnalyticsGate(self.data.base, view) if self.pack.analytics else None
        if self._compiled.reads_shapes_graph():
            shapes = ox.NamedNode(str(SHAPES_GRAPH_IRI))
            view.extend(
                ox.Quad(t.subject, t.predicate, t.object, shapes)
                for t in graph_to_triples(self.pack.graph)
            )
        for relation in self._relations:
            _materialise(view, relation)
        return gate

    def findings(self) -> list[Finding]:
        """The current findings (one per result, as `fast.run` gives them)."""
        found = [f for table in self._findings for group in table.values() for f in group]
        return found + list(self._fallback)

    def apply(self, delta: Delta) -> Outcome:
        """Write `delta` and bring the findings up to date."""
        if self._rebuilds(delta):
            return self._rebuilt(delta)
        view = self.data.view
        change = self._gated(self.data.apply(delta), delta)
        view.extend(_quad(t) for t in change.added)
        analysed = self._worth_analysing(change)
        base = _changes(change) if analysed else []  # once: a big write's are costly to convert
        pending = [
            (r, self._affected(r.plan, base, {}) if analysed else None) for r in self._relations
        ]
        _remove(view, change.removed, _DEFAULT)
        derived_added, derived_removed = self._recompute(pending)
        view.extend(derived_added)
        targets: list[set[Term] | None] = [None] * len(self._checks)
        if analysed:  # through the old and the new data at once
            view.extend(_quad(t) for t in change.removed)
            changes = [
                *base,
                *(_derived_change(q) for q in (*derived_added, *derived_removed)),
            ]
            reached: Reached = {}
            targets = [self._affected(c.plan, changes, reached) for c in self._checks]
            _remove(view, change.removed, _DEFAULT)
        for quad in derived_removed:
            view.remove(quad)
        rechecked: dict[str, int] = {}
        wholes = [i for i, foci in enumerate(targets) if foci is None or len(foci) > WHOLE_ABOVE]
        self._replace_whole(self._run_whole(wholes))
        whole = {self._checks[index].constraint.rule for index in wholes}
        for index, foci in enumerate(targets):
            if foci and index not in wholes:
                self._recheck(index, foci)
                rule = self._checks[index].constraint.rule
                rechecked[rule] = rechecked.get(rule, 0) + len(foci)
        if change:
            whole.update(self._rerun_fallback())
        opened, closed = self._tally.settle()
        return Outcome(opened, closed, rechecked, frozenset(whole))

    def _rebuilds(self, delta: Delta) -> bool:
        """Whether to prepare the view anew (`EntailedData.rebuild`) rather than follow the
        write quad by quad: for more than `WHOLE_CHANGES` quads that are also more than
        `1 / REBUILD_SHARE` of the data. Every constraint is then re-checked whole."""
        size = len(delta.added) + len(delta.removed)
        return size > WHOLE_CHANGES and size * REBUILD_SHARE > len(self.data.base)

    def _rebuilt(self, delta: Delta) -> Outcome:
        """`apply` for a write that changes much of the data: the view prepared anew, every
        constraint re-checked whole."""
        self.data.rebuild(delta)
        self._gate = self._dressed()
        self._replace_whole(self._run_whole(range(len(self._checks))))
        whole = {check.constraint.rule for check in self._checks}
        whole.update(self._rerun_fallback())
        opened, closed = self._tally.settle()
        return Outcome(opened, closed, {}, frozenset(whole))

    def _run_whole(self, indices: Iterable[int]) -> dict[int, list[Finding]]:
        """The findings of the constraints at `indices`, each by its whole query, on
        `fast.QUERY_THREADS` threads (pyoxigraph lets go of the GIL while it evaluates)."""
        chosen = list(indices)

        def run(index: int) -> list[Finding]:
            constraint = self._checks[index].constraint
            return self._run(constraint, constraint.query)

        with ThreadPoolExecutor(fast.QUERY_THREADS, thread_name_prefix="live-rule") as pool:
            return dict(zip(chosen, pool.map(run, chosen), strict=True))

    def _replace_whole(self, ran: Mapping[int, list[Finding]]) -> None:
        """Each constraint's findings replaced by those of its whole run."""
        for index, findings in ran.items():
            found = _by_focus(findings)
            self._replace(index, found, set(found) | set(self._findings[index]))

    def _rerun_fallback(self) -> set[str]:
        """Run the roots left to pySHACL again (any change may touch them); their rules."""
        if not self._compiled.fallback:
            return set()
        fallback, self._fallback = self._fallback, self._run_fallback()
        self._tally.replace(fallback, self._fallback)
        return {self.pack.rule_of(root) for root in self._compiled.fallback}

    def _worth_analysing(self, change: ViewChange) -> bool:
        """Whether finding the focus nodes a change reaches costs less than re-checking
        every constraint whole: not for more than `WHOLE_CHANGES` changed triples that are
        also more than a twentieth of the view."""
        size = len(change.added) + len(change.removed)
        return size <= WHOLE_CHANGES or size * 20 <= len(self.data.view)

    def _gated(self, change: ViewChange, delta: Delta) -> ViewChange:
        """The view change with the analytics values in or out as the analysis is current
        (`analytics.AnalyticsGate`; only with the rules over analytics)."""
        if self._gate is None:
            return change
        quads = (*delta.added, *delta.removed)
        added, removed = self._gate.filter(change.added, change.removed, quads)
        return ViewChange(frozenset(added), frozenset(removed))

    def _affected(self, plan: Plan, changes: list[Change], reached: Reached) -> set[Term] | None:
        """Focus nodes whose results `changes` may change; None: all of them."""
        if plan.whole is not None:
            return None if changes else set()
        requests, whole = affected(plan, changes)
        if whole:
            return None
        found: set[Term] = set()
        for connector, seeds in requests.items():
            known = reached.setdefault(connector, {})
            if missing := seeds - known.keys():
                self._connect(connector, missing, known)
            for seed in seeds:
                found.update(known[seed])
        return found

    def _connect(
        self, connector: Connector, seeds: set[Node], known: dict[Node, set[Term]]
    ) -> None:
        """Record in `known` the focus nodes `connector` reaches from each of `seeds`: named
        seeds listed inline, blank ones through the seed graph (a substituted variable would
        be bound only after pyoxigraph walked the connector's path for every node)."""
        for seed in seeds:
            known[seed] = {to_oxigraph(seed)} if not connector.body else set()
        if not connector.body:
            return
        terms = {to_oxigraph(s): s for s in seeds}
        named = [s for s in seeds if not _is_blank(s)]
        texts = []
        if named:
            values = f"VALUES ?{connector.seed} {{ {' '.join(s.n3() for s in named)} }}"
            texts.append(connector.query(values))
        if len(named) < len(seeds):
            self._list(SEED_GRAPH, [t for t in terms if isinstance(t, ox.BlankNode)])
            lookup = f"?{connector.seed} <{SEED_GRAPH.value}> ?{connector.seed}"
            texts.append(connector.query(f"GRAPH <{SEED_GRAPH.value}> {{ {lookup} }}"))
        for text in texts:
            for row in self._rows(text):
                value = row.get(str(connector.focus))
                if value is None:
                    continue
                start = terms.get(row.get(str(connector.seed)))  # type: ignore[arg-type]
                for target in [start] if start is not None else seeds:
                    known[target].add(value)

    def _recompute(
        self, pending: list[tuple[_Relation, set[Term] | None]]
    ) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """New and old pairs of the derived relations for their affected subjects."""
        added: list[ox.Quad] = []
        removed: list[ox.Quad] = []
        view = self.data.view
        for relation, subjects in pending:
            if subjects is not None and not subjects:
                continue
            if subjects is None:
                old = set(view.quads_for_pattern(None, relation.predicate, None, _DERIVED))
            else:
                old = {
                    q
                    for s in subjects
                    if not isinstance(s, ox.Literal)
                    for q in view.quads_for_pattern(s, relation.predicate, None, _DERIVED)
                }
            rows = (
                self._rows(relation.select)
                if subjects is None
                else self._select_for(relation.restricted, subjects)
            )
            new = {_pair(r, relation.predicate) for r in rows}
            added.extend(new - old)
            removed.extend(old - new)
        return added, removed

    def _recheck(self, index: int, foci: set[Term]) -> None:
        check = self._checks[index]
        rows = self._select_for(check.restricted, foci)
        converted = ({n: to_rdflib(v) for n, v in row.items()} for row in rows)
        found = _by_focus(fast.findings_of(check.constraint, converted))
        self._replace(index, found, {to_rdflib(f) for f in foci})

    def _replace(
        self, index: int, found: Mapping[Node, frozenset[Finding]], foci: set[Node]
    ) -> None:
        """Constraint `index`'s findings for `foci` replaced by those `found`."""
        table = self._findings[index]
        for focus in foci:
            old, new = table.get(focus, frozenset()), found.get(focus, frozenset())
            if old != new:
                self._tally.replace(old, new)
            if new:
                table[focus] = new
            else:
                table.pop(focus, None)

    def _select_for(self, query: Restricted, foci: Iterable[Term]) -> Iterator[dict[str, Term]]:
        """The rows of `query` for `foci`: named ones (and literals) listed inline, blank
        ones through the focus graph."""
        named = [str(f) for f in foci if not isinstance(f, ox.BlankNode)]
        blank = [f for f in foci if isinstance(f, ox.BlankNode)]
        texts = [query.render(named, blank=False)] if named else []
        if blank:
            self._list(FOCUS_GRAPH, blank)
            texts.append(query.render([], blank=True))
        for text in texts:
            yield from self._rows(text)

    def _rows(self, query: str) -> Iterator[dict[str, Term]]:
        solutions = self.data.view.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        for solution in solutions:
            yield {n: v for n in names if isinstance(v := solution[n], Term)}

    def _list(self, graph: ox.NamedNode, nodes: Iterable[Term]) -> None:
        """Make `graph` list exactly `nodes` (as `node <graph> node`)."""
        view = self.data.view
        for quad in list(view.quads_for_pattern(None, None, None, graph)):
            view.remove(quad)
        predicate = ox.NamedNode(graph.value)
        view.extend(ox.Quad(n, predicate, n, graph) for n in nodes if not isinstance(n, ox.Literal))

    def _run(self, constraint: CompiledConstraint, query: str) -> list[Finding]:
        select = fast.store_select(self.data.view)
        return list(fast.findings_of(constraint, select(derived.render(query, None))))

    def _run_fallback(self) -> list[Finding]:
        if not self._compiled.fallback:
            return []
        view = self.data.view
        graph = triples_to_graph(
            q.triple for q in view.quads_for_pattern(None, None, None, _DEFAULT)
        )
        return reference.run_on(graph, self._compiled.fallback_graph(), self.pack)


class _Tally:
    """How many constraints hold each finding (two constraints of one rule may give the same
    finding), and, per write, the count each changed finding had before it: the findings a
    write opened and closed, found without comparing every finding before and after."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self._counts = Counter(findings)
        self._before: dict[Finding, int] = {}

    def replace(self, old: Iterable[Finding], new: Iterable[Finding]) -> None:
        for finding in old:
            self._step(finding, -1)
        for finding in new:
            self._step(finding, 1)

    def _step(self, finding: Finding, step: int) -> None:
        count = self._counts[finding]
        self._before.setdefault(finding, count)
        if count + step:
            self._counts[finding] = count + step
        else:
            del self._counts[finding]

    def settle(self) -> tuple[frozenset[Finding], frozenset[Finding]]:
        """The findings opened and closed since the last `settle`."""
        counts, before = self._counts, self._before
        opened = frozenset(f for f, was in before.items() if not was and f in counts)
        closed = frozenset(f for f, was in before.items() if was and f not in counts)
        self._before = {}
        return opened, closed


def _restored(
    constraints: Sequence[CompiledConstraint], known: Collection[Finding] | None
) -> dict[int, list[Finding]]:
    """Constraint index → its findings among `known`, for each constraint that alone has
    its signature (rule, severity, shape, component and path; a blank shape counts as any
    blank shape, since each parse of the shapes labels it anew); the others run. A restored
    finding takes this process's shape node.

    >>> from rdflib import URIRef as U
    >>> def c(rule):
    ...     return CompiledConstraint("", BNode(), rule, "violation", U("urn:c"), None,
    ...                               (), "none", frozenset())
    >>> found = Finding("R1", "violation", U("urn:x"), None, None, "", BNode(), U("urn:c"))
    >>> constraints = [c("R1"), c("R2"), c("R2")]
    >>> restored = _restored(constraints, [found])
    >>> {index: len(findings) for index, findings in restored.items()}
    {0: 1}
    >>> restored[0][0].shape == constraints[0].shape
    True
    """
    if known is None:
        return {}
    signatures = Counter(_signature(c.rule, c.severity, c.shape, c.component, c.path)
                         for c in constraints)  # fmt: skip
    unique: dict[tuple[object, ...], int] = {}
    for index, c in enumerate(constraints):
        signature = _signature(c.rule, c.severity, c.shape, c.component, c.path)
        if signatures[signature] == 1:
            unique[signature] = index
    restored: dict[int, list[Finding]] = {index: [] for index in unique.values()}
    for f in known:
        at = unique.get(_signature(f.rule, f.severity, f.shape, f.component, f.path))
        if at is not None:
            restored[at].append(replace(f, shape=constraints[at].shape))
    return restored


def _signature(*fields: object) -> tuple[object, ...]:
    return tuple(None if isinstance(x, BNode) else x for x in fields)


def _checked(constraint: CompiledConstraint) -> _Checked:
    query = derived.render(constraint.written, None)
    return _Checked(constraint, restrict(query, "this"), analyse(query, "this"))


def _relation(relation: derived.Relation) -> _Relation:
    select = relation.select()
    predicate = ox.NamedNode(derived.RELATION_PREFIX + relation.name)
    return _Relation(relation.name, predicate, select, restrict(select, "s"), analyse(select, "s"))


def _materialise(view: ox.Store, relation: _Relation) -> None:
    """Write a derived relation's pairs into the derived graph of the view.

    In a function of its own so no caller frame holds the query's solutions: rdflib's
    parser leaves reference cycles through the frames of whoever called it (pyparsing keeps
    caught exceptions), so a frame that held solutions while the analysis parsed could be
    collected later on another thread, which pyoxigraph's solutions do not allow."""
    rows = view.query(relation.select)
    assert isinstance(rows, ox.QuerySolutions)
    view.extend(ox.Quad(r["s"], relation.predicate, r["o"], _DERIVED) for r in rows)


def _pair(row: dict[str, Term], predicate: ox.NamedNode) -> ox.Quad:
    """A derived relation's row as a triple of the derived graph."""
    subject = row["s"]
    assert not isinstance(subject, ox.Literal)
    return ox.Quad(subject, predicate, row["o"], _DERIVED)


def _by_focus(findings: Iterable[Finding]) -> dict[Node, frozenset[Finding]]:
    table: dict[Node, set[Finding]] = {}
    for finding in findings:
        table.setdefault(finding.focus, set()).add(finding)
    return {focus: frozenset(group) for focus, group in table.items()}


def _changes(change: ViewChange) -> list[Change]:
    return [
        Change(to_rdflib(t.subject), URIRef(t.predicate.value), to_rdflib(t.object))  # type: ignore[arg-type]
        for t in (*change.added, *change.removed)
    ]


def _derived_change(quad: ox.Quad) -> Change:
    return Change(
        to_rdflib(quad.subject),  # type: ignore[arg-type]
        URIRef(quad.predicate.value),
        to_rdflib(quad.object),  # type: ignore[arg-type]
        derived.GRAPH_IRI,
    )


def _quad(triple: ox.Triple) -> ox.Quad:
    return ox.Quad(triple.subject, triple.predicate, triple.object, _DEFAULT)


def _remove(store: ox.Store, triples: Iterable[ox.Triple], graph: ox.DefaultGraph) -> None:
    for triple in triples:
        store.remove(_quad(triple))


def _is_blank(node: Node) -> bool:
    return isinstance(node, BNode)
