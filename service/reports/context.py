"""What a finding is about, read from the validated data: its conversations, practices and
people, and which conversations each practice and organisation is accountable for.

Lookups go to the prepared pyoxigraph store by triple pattern, so deriving context costs a
few index probes per finding even at a million triples (no rdflib graph is built). Each
pyoxigraph term met is turned into its rdflib term once: the same conversations, practices
and people recur across thousands of findings, and building rdflib terms was the larger
part of a million-triple report's context.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

import pyoxigraph as ox
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from service.namespaces import SB
from service.rdf.closure import reachable
from service.validation.prepare import PreparedData
from service.validation.rdfio import to_oxigraph, to_rdflib

_ORG = "http://www.w3.org/ns/org#"


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(str(value))


_TYPE = _iri(RDF.type)
_LABELS = (_iri(RDFS.label), _iri(SKOS.prefLabel))
_ENACTS, _HAS_ACT = _iri(SB.enacts), _iri(SB.hasAct)
_OCCURS_WITHIN, _CONVEYS = _iri(SB.occursWithin), _iri(SB.conveys)
_ENDPOINT, _PERFORMED_BY = _iri(SB.endpoint), _iri(SB.performedBy)
_ADDRESSED_TO = _iri(SB.addressedTo)
_PARTICIPANT = _iri(SB.participant)
_OWNED_BY = _iri(SB.ownedBy)
_PERSON, _PRACTICE, _CONVERSATION = _iri(SB.Person), _iri(SB.Practice), _iri(SB.Conversation)
_PARENTS = (_iri(_ORG + "unitOf"), _iri(_ORG + "subOrganizationOf"))
_DEFAULT = ox.DefaultGraph()

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
T = TypeVar("T", bound=Hashable)


@dataclass(frozen=True)
class About:
    """The conversations, practices and people a finding concerns (each may be empty)."""

    conversations: tuple[Node, ...]
    practices: tuple[Node, ...]
    people: tuple[Node, ...]


class Tally(Protocol):
    """What the alignment scores count over the whole data: every practice with the number
    of conversations enacting it, what each organisation owns, and names. A `Context` answers
    from the prepared data; a validation pushed down to an engine, from counts the engine
    computed (`service.validation.pushdown`)."""

    def conversation_counts(self) -> list[tuple[Node, int]]:
        """Every practice in the data, sorted, with the number of conversations enacting it."""
        ...

    def owned_practices(self) -> dict[Node, set[Node]]:
        """Organisation → the practices it owns, directly or through its units."""
        ...

    def label(self, node: Node) -> str:
        """rdfs:label or skos:prefLabel, else the IRI's local name."""
        ...


def owned(owners: Iterable[tuple[T, T]], parents: Callable[[T], Iterable[T]]) -> dict[T, set[T]]:
    """Organisation → the practices it owns, from (practice, owner) pairs: the owner and every
    organisation above it (`parents`, followed to the top) owns the practice."""
    found: dict[T, set[T]] = {}
    for practice, owner in owners:
        for org in reachable(owner, parents):
            found.setdefault(org, set()).add(practice)
    return found


def local_name(node: Node) -> str:
    """The part of an IRI after its last '#' or '/' (the whole text when none): the label of
    a node without one."""
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or text


class Context:
    """Read-only questions about the prepared data that reports ask."""

    def __init__(self, data: PreparedData) -> None:
        self._store = data.store
        self._instances: dict[ox.NamedNode, frozenset[OxTerm]] = {}
        self._about: dict[OxTerm, About] = {}
        self._own: dict[OxTerm, tuple[Node, ...]] = {}
        self._enacts: dict[OxTerm, tuple[OxTerm, ...]] = {}
        self._terms: dict[OxTerm, Node] = {}

    def about(self, focus: Node, value: Node | None) -> About:
        """Context of a finding from its focus node and value.

        People: a person value with the focus's own people (an arc's ends, an act's
        performer and addressees, the person itself); without those, the participants of
        the conversations the finding concerns (a conversation, an item it conveys).
        """
        node = to_oxigraph(focus)
        if node not in self._about:
            self._about[node] = self._about_focus(node)
        found = self._about[node]
        if value is None or not self._is_a(to_oxigraph(value), _PERSON):
            return found
        people = tuple(sorted({*self._own_people(node), value}, key=str))
        return About(found.conversations, found.practices, people)

    def _about_focus(self, node: OxTerm) -> About:
        conversations = set(self._conversations_of(node))
        practices = {p for c in conversations for p in self._enacted(c)}
        if self._is_a(node, _PRACTICE):
            practices.add(node)
        people = self._own_people(node) or self._sorted(
            p
            for c in conversations
            for p in self._objects(c, _PARTICIPANT)
            if self._is_a(p, _PERSON)
        )
        return About(self._sorted(conversations), self._sorted(practices), people)

    def _own_people(self, node: OxTerm) -> tuple[Node, ...]:
        """The focus's own people, sorted; kept per focus, which is asked again for each
        finding with a person value (R03 on an event log: one per participant of each of
        100k conversations)."""
        found = self._own.get(node)
        if found is None:
            found = self._own[node] = self._sorted(self._people_of(node))
        return found

    def _enacted(self, conversation: OxTerm) -> tuple[OxTerm, ...]:
        """The practices a conversation enacts, kept per conversation: an arc is the focus
        of R08 and is about every conversation it occurs within (hundreds, on an event
        log), each asked again for the next arc between the same resources."""
        found = self._enacts.get(conversation)
        if found is None:
            found = self._enacts[conversation] = tuple(self._objects(conversation, _ENACTS))
        return found

    def practices(self) -> list[Node]:
        """Every practice in the data, sorted."""
        return list(self._sorted(self._subjects(_TYPE, _PRACTICE)))

    def conversations_enacting(self, practice: Node) -> list[Node]:
        """The conversations that enact a practice."""
        return list(self._sorted(self._subjects(_ENACTS, to_oxigraph(practice))))

    def conversation_counts(self) -> list[tuple[Node, int]]:
        """Every practice in the data, sorted, with the number of conversations enacting it."""
        return [(p, len(self.conversations_enacting(p))) for p in self.practices()]

    def enacted_by(self, conversation: Node) -> tuple[Node, ...]:
        """The practices a conversation enacts."""
        return self._sorted(self._enacted(to_oxigraph(conversation)))

    def owned_practices(self) -> dict[Node, set[Node]]:
        """Organisation → the practices it owns, directly or through its units."""
        pairs = (
            (quad.subject, quad.object)
            for quad in self._store.quads_for_pattern(None, _OWNED_BY, None, _DEFAULT)
            if not isinstance(quad.object, ox.Triple | ox.Literal)  # no triple terms are stored
            and not isinstance(quad.subject, ox.Triple)
        )
        found = owned(pairs, self._parents)
        return {
            self._term(org): {self._term(p) for p in practices} for org, practices in found.items()
        }

    def label(self, node: Node) -> str:
        """rdfs:label or skos:prefLabel, else the IRI's local name."""
        term = to_oxigraph(node)
        if not isinstance(term, ox.Literal):
            for predicate in _LABELS:
                for label in self._objects(term, predicate):
                    if isinstance(label, ox.Literal):
                        return label.value
        return local_name(node)

    def _conversations_of(self, node: OxTerm) -> Iterator[OxTerm]:
        if isinstance(node, ox.Literal):
            return
        if self._is_a(node, _CONVERSATION):
            yield node
        for predicate in (_HAS_ACT, _OCCURS_WITHIN, _CONVEYS):
            yield from self._subjects(predicate, node)

    def _people_of(self, node: OxTerm) -> Iterator[OxTerm]:
        if isinstance(node, ox.Literal):
            return
        if self._is_a(node, _PERSON):
            yield node
        for predicate in (_ENDPOINT, _PERFORMED_BY, _ADDRESSED_TO):
            yield from (p for p in self._objects(node, predicate) if self._is_a(p, _PERSON))

    def _parents(self, org: ox.NamedNode | ox.BlankNode) -> Iterator[ox.NamedNode | ox.BlankNode]:
        for predicate in _PARENTS:
            for parent in self._objects(org, predicate):
                if not isinstance(parent, ox.Literal):
                    yield parent

    def _is_a(self, node: OxTerm, cls: ox.NamedNode) -> bool:
        """Whether the node has the type (types are materialised, so no subclass walk). The
        instances of each class asked about are read once: a report asks it of every
        participant of every conversation its findings name (half a million asks for the
        35k findings of a 100k-message mailbox, 1.5 s one node at a time)."""
        instances = self._instances.get(cls)
        if instances is None:
            instances = self._instances[cls] = frozenset(self._subjects(_TYPE, cls))
        return node in instances

    def _objects(self, subject: OxTerm, predicate: ox.NamedNode) -> list[OxTerm]:
        if isinstance(subject, ox.Literal):
            return []
        quads = self._store.quads_for_pattern(subject, predicate, None, _DEFAULT)
        return [q.object for q in quads if not isinstance(q.object, ox.Triple)]  # none stored

    def _subjects(self, predicate: ox.NamedNode, obj: OxTerm) -> Iterator[OxTerm]:
        for quad in self._store.quads_for_pattern(None, predicate, obj, _DEFAULT):
            if not isinstance(quad.subject, ox.Triple):
                yield quad.subject

    def _sorted(self, terms: Iterable[OxTerm]) -> tuple[Node, ...]:
        return tuple(sorted({self._term(t) for t in terms}, key=str))

    def _term(self, term: OxTerm) -> Node:
        """The rdflib term, converted once per term."""
        found = self._terms.get(term)
        if found is None:
            found = self._terms[term] = to_rdflib(term)
        return found
