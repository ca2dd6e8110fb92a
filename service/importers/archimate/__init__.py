"""`archimate`: an enterprise-architecture model (Open Group exchange format 3.x) as the
*intended* picture of the organisation, to compare with what communication shows.

Elements: business actors are people, or organisations when they aggregate or compose
another actor (the actors they hold become their members, or their units); business processes
and functions are practices; business interactions and collaborations are conversations;
application components and interfaces are tools. Relationships (source -> target):

- serving: a tool serving an actor -> the person `sb:usesTool` it; serving a practice -> the
  practice `sb:servedBy` it; serving a conversation -> the conversation `sb:carriedBy` it;
- assignment: an actor assigned to a conversation -> `sb:participant`; a tool assigned to a
  conversation -> `sb:carriedBy`; an organisation assigned to a practice -> `sb:ownedBy`;
- aggregation, composition: an organisation holding an actor -> `org:memberOf` (a person) or
  `org:subOrganizationOf` (an organisation); a collaboration holding an actor ->
  `sb:participant`;
- flow, triggering: between two people -> an `sb:Arc`, its `sb:weight` the number of such
  relationships between them in that direction.

Any other relationship, or one of these between other kinds of element, is counted
(`relationships_unmapped`); one whose source or target is no element of the model is skipped.
Every imported element keeps its ArchiMate id as `dcterms:identifier` and its ArchiMate type as
`dcterms:type`; an element without a name is labelled with its id and counted (`unnamed`).
The model itself is a `prov:Entity` that is `sb:intended true`: the graph holding it is an
intended picture.
"""

from __future__ import annotations

from collections import Counter

from service.errors import InputError
from service.importers.archimate.read import Element, Model, Relationship, read_model
from service.importers.contract import (
    IDENTIFIER,
    RDF_TYPE,
    RDFS_LABEL,
    Importer,
    Request,
    Source,
    Summary,
    Triples,
    entity_iri,
    iri,
    literal,
    sb,
    typed,
)

KIND = "archimate"
DCTERMS_TYPE = "<http://purl.org/dc/terms/type>"
ORG = "http://www.w3.org/ns/org#"
PROV_ENTITY = "<http://www.w3.org/ns/prov#Entity>"
ACTOR = "BusinessActor"
ENTITIES = {
    "BusinessProcess": ("practice", "Practice"),
    "BusinessFunction": ("practice", "Practice"),
    "BusinessInteraction": ("conversation", "Conversation"),
    "BusinessCollaboration": ("conversation", "Conversation"),
    "ApplicationComponent": ("tool", "Tool"),
    "ApplicationInterface": ("tool", "Tool"),
}
"""ArchiMate type -> (the IRI's entity word, the `sb:` class); actors are decided apart."""
HOLDS = frozenset({"Aggregation", "Composition"})
TALKS = frozenset({"Flow", "Triggering"})
RULES: dict[tuple[str, str, str], str] = {
    ("Serving", "tool", "person"): "usesTool<",
    ("Serving", "tool", "practice"): "servedBy<",
    ("Serving", "tool", "conversation"): "carriedBy<",
    ("Assignment", "person", "conversation"): "participant<",
    ("Assignment", "organisation", "conversation"): "participant<",
    ("Assignment", "tool", "conversation"): "carriedBy<",
    ("Assignment", "organisation", "practice"): "ownedBy<",
    ("Aggregation", "conversation", "person"): "participant>",
    ("Composition", "conversation", "person"): "participant>",
}
"""(relationship, source's entity, target's entity) -> the `sb:` property and its direction:
`>` source to target, `<` target to source (a tool serving a person: the person uses it)."""


class ArchimateImporter(Importer):
    """ArchiMate Model Exchange Files, version 3.x."""

    name = KIND
    version = "1"

    def read(self, sources: list[Source], request: Request, out: Triples) -> Summary:
        summary = Summary()
        seen: set[str] = set()
        for source in sources:
            model = read_model(source, summary)
            if model.identifier is None:
                raise InputError(f"{source.name}: the <model> has no identifier")
            if model.identifier in seen:
                raise InputError(f"{source.name}: model {model.identifier!r} twice in one import")
            seen.add(model.identifier)
            _Writer(out, summary, model).write()
        return summary


class _Writer:
    """Writes one model: its elements, then what its relationships mean."""

    def __init__(self, out: Triples, summary: Summary, model: Model) -> None:
        self.out, self.summary, self.model = out, summary, model
        self.entity: dict[str, str] = {}
        self.node: dict[str, str] = {}
        self.unmapped = 0

    def write(self) -> None:
        model = self.model
        node = iri(entity_iri("model", KIND, model.identifier or ""))
        self.out.add(node, RDF_TYPE, PROV_ENTITY)
        self.out.add(node, IDENTIFIER, literal(model.identifier or ""))
        self.out.add(node, RDFS_LABEL, literal(model.name or model.identifier or ""))
        self.out.add(node, sb("intended"), typed("true", "boolean"))
        holders = {
            r.source
            for r in model.relationships
            if r.type in HOLDS and self._type(r.source) == ACTOR == self._type(r.target)
        }
        for element in model.elements.values():
            self._element(element, element.identifier in holders)
        arcs: Counter[tuple[str, str]] = Counter()
        for relationship in model.relationships:
            self._relationship(relationship, arcs)
        for (source, target), weight in sorted(arcs.items()):
            self._arc(source, target, weight)
        details = self.summary.details
        details["relationships_unmapped"] = details.get("relationships_unmapped", 0) + self.unmapped
        details.setdefault("unnamed", 0)

    def _type(self, identifier: str) -> str | None:
        element = self.model.elements.get(identifier)
        return None if element is None else element.type

    def _element(self, element: Element, holds_actors: bool) -> None:
        if element.type == ACTOR:
            word, cls = (
                ("organisation", f"<{ORG}Organization>")
                if holds_actors
                else ("person", sb("Person"))
            )
        elif element.type in ENTITIES:
            word, name = ENTITIES[element.type]
            cls = sb(name)
        else:
            return
        node = iri(entity_iri(word, KIND, element.identifier))
        self.entity[element.identifier], self.node[element.identifier] = word, node
        self.out.add(node, RDF_TYPE, cls)
        self.out.add(node, IDENTIFIER, literal(element.identifier))
        self.out.add(node, DCTERMS_TYPE, literal(element.type))
        self.out.add(node, RDFS_LABEL, literal(element.name or element.identifier))
        if element.name is None:
            self.summary.details["unnamed"] = self.summary.details.get("unnamed", 0) + 1
        counts = {"person": "people", "organisation": "organisations", "tool": "tools"}
        field = counts.get(word, f"{word}s")
        setattr(self.summary, field, getattr(self.summary, field) + 1)

    def _relationship(self, relationship: Relationship, arcs: Counter[tuple[str, str]]) -> None:
        source, target = relationship.source, relationship.target
        missing = [end for end in (source, target) if end not in self.model.elements]
        if missing:
            why = f"relationship {relationship.identifier!r}: {missing[0]!r} is no element"
            self.summary.skip(relationship.where, why)
            return
        ends = (self.entity.get(source), self.entity.get(target))
        if (
            relationship.type in HOLDS
            and ends[0] == "organisation"
            and ends[1]
            in (
                "person",
                "organisation",
            )
        ):
            member = "memberOf" if ends[1] == "person" else "subOrganizationOf"
            self.out.add(self.node[target], f"<{ORG}{member}>", self.node[source])
        elif relationship.type in TALKS and ends == ("person", "person") and source != target:
            arcs[(source, target)] += 1
        elif (rule := RULES.get((relationship.type, str(ends[0]), str(ends[1])))) is not None:
            prop, direction = rule[:-1], rule[-1]
            subject, obj = (source, target) if direction == ">" else (target, source)
            self.out.add(self.node[subject], sb(prop), self.node[obj])
        else:
            self.unmapped += 1

    def _arc(self, source: str, target: str, weight: int) -> None:
        node = iri(entity_iri("arc", KIND, source, target))
        self.out.add(node, RDF_TYPE, sb("Arc"))
        self.out.add(node, sb("source"), self.node[source])
        self.out.add(node, sb("target"), self.node[target])
        self.out.add(node, sb("weight"), typed(str(weight), "integer"))
        self.summary.arcs += 1


IMPORTER = ArchimateImporter()
