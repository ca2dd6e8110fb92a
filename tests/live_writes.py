"""Random small writes for the live-validation differential test and its benchmark.

`write(rng, data)` draws one `Delta` for the current quads of an `EntailedData`: triples
added and removed over every predicate and class the rules read (membership and unit
chains, policies, tool use, arcs, acts, items, classifications, rdf:type), with blank nodes
and fresh nodes, units moved under another organisation, and whole named graphs replaced or
deleted. Objects are drawn mostly from the values the predicate already has, so writes hit
the structures the rules follow rather than noise.
"""

from __future__ import annotations

import random
from typing import Any

import pyoxigraph as ox

from service.validation.entailed import Delta, EntailedData

SB = "https://w3id.org/social-business#"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PREDICATES = tuple(
    ox.NamedNode(iri)
    for iri in [
        *(f"{SB}{p}" for p in [
            "participant", "initiator", "carriedBy", "medium", "occursWithin", "conveys",
            "hasAct", "actType", "performedBy", "addressedTo", "via", "respondsTo", "source",
            "target", "endpoint", "channel", "usesTool", "toolCategory", "supportsMedium",
            "clearedFor", "classification", "issuedBy", "prohibits", "permits", "hasGoal",
            "enacts", "ownedBy", "rank",
        ]),
        f"{ORG}memberOf", f"{ORG}unitOf", f"{ORG}subOrganizationOf",
        "http://www.w3.org/2000/01/rdf-schema#subClassOf",
    ]
)  # fmt: skip
CLASSES = tuple(
    ox.NamedNode(iri)
    for iri in [
        *(f"{SB}{c}" for c in [
            "Practice", "Goal", "Conversation", "ConversationAct", "InformationItem", "Person",
            "Arc", "Tool", "ToolPolicy",
        ]),
        f"{ORG}Organization", "http://xmlns.com/foaf/0.1/Person",
        "http://www.w3.org/ns/prov#Activity", "https://example.org/live/Kind",
    ]
)  # fmt: skip
GRAPHS = (ox.NamedNode("https://example.org/live/g1"), ox.NamedNode("https://example.org/live/g2"))
FRESH = tuple(ox.NamedNode(f"https://example.org/live/n{i}") for i in range(4))
BLANKS = tuple(ox.BlankNode(f"live{i}") for i in range(3))


def write(rng: random.Random, data: EntailedData, pool: list[ox.Quad] | None = None) -> Delta:
    """One random write to the current data; its triples are drawn from `pool` (default:
    all current quads — a large store passes a sample, which may hold removed quads: removing
    those changes nothing)."""
    kind = rng.choice(("add", "remove", "mixed", "move", "replace", "drop"))
    quads = list(data.user_quads()) if pool is None else pool
    if kind == "move":
        return _move(rng, quads)
    if kind in ("replace", "drop"):
        graph = rng.choice(GRAPHS)
        old = data.graph_quads(graph)
        new = [] if kind == "drop" else [_new(rng, quads, graph) for _ in range(3)]
        return Delta.of(added=new, removed=old)
    added = [_new(rng, quads) for _ in range(rng.randint(0, 3))]
    removed = [rng.choice(quads) for _ in range(rng.randint(0, 3))] if quads else []
    if kind == "add":
        removed = []
    if kind == "remove":
        added = []
    return Delta.of(added=added, removed=removed)


def _new(rng: random.Random, quads: list[ox.Quad], graph: Any = None) -> ox.Quad:
    predicate = rng.choice((RDF_TYPE, *PREDICATES))
    nodes = [q.subject for q in quads if q.predicate == predicate] or [q.subject for q in quads]
    subject = rng.choice([*nodes[:50], *FRESH, *BLANKS]) if nodes else FRESH[0]
    if predicate == RDF_TYPE:
        obj = rng.choice(CLASSES)
    else:
        values = [q.object for q in quads if q.predicate == predicate]
        everyone = [q.subject for q in quads[:200]]
        obj = rng.choice([*values[:50], *everyone, *FRESH, *BLANKS])
    return ox.Quad(subject, predicate, obj, graph or ox.DefaultGraph())


def _move(rng: random.Random, quads: list[ox.Quad]) -> Delta:
    """A unit moved under another organisation (or a member moved to another unit)."""
    chains = [q for q in quads if q.predicate.value in (f"{ORG}unitOf", f"{ORG}subOrganizationOf",
                                                        f"{ORG}memberOf")]  # fmt: skip
    if not chains:
        return Delta()
    old = rng.choice(chains)
    organisations = sorted({q.object for q in chains}, key=str)
    target = rng.choice(organisations)
    return Delta.of(removed=[old], added=[ox.Quad(old.subject, old.predicate, target)])
