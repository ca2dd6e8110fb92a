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
from collections.abc import Iterable
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
    quads = in_order(data.user_quads()) if pool is None else pool
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


def in_order(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The quads sorted: a store lists them in an order that differs between processes, and a
    seed must replay the same writes in every one (a failure found in one test order is then
    found again alone), as far as blank nodes allow: a parse names them afresh."""
    return sorted(quads, key=str)


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


def update(rng: random.Random, quads: list[ox.Quad]) -> str:
    """One random SPARQL 1.1 update over the current quads (named graphs included): data
    added and deleted, an object replaced with `DELETE/INSERT … WHERE` (units moved under
    another organisation among them), `DELETE WHERE`, a pattern's matches given a new
    triple (with a fresh blank node, sometimes), one subject copied into a named graph, and
    graph management (`DROP`, `CLEAR`, `ADD`, `MOVE`)."""
    kind = rng.choice(("insert-data", "delete-data", "modify", "modify", "delete-where",
                       "insert-where", "copy-subject", "graph"))  # fmt: skip
    quads = in_order(quads)
    plain = [q for q in quads if not _has_blank(q)]
    if kind == "insert-data" or not plain:
        graph = rng.choice((ox.DefaultGraph(), *GRAPHS))
        added = [_new(rng, quads, graph) for _ in range(rng.randint(1, 3))]
        return f"INSERT DATA {{ {' '.join(_quad_text(q) for q in added)} }}"
    if kind == "delete-data":
        removed = [rng.choice(plain) for _ in range(rng.randint(1, 3))]
        return f"DELETE DATA {{ {' '.join(_quad_text(q) for q in removed)} }}"
    if kind == "graph":
        source, target = rng.sample(GRAPHS, 2)
        return rng.choice((f"DROP SILENT GRAPH {source}", f"CLEAR SILENT GRAPH {source}",
                           f"ADD SILENT {source} TO {target}",
                           f"MOVE SILENT {source} TO {target}"))  # fmt: skip
    quad = _with_chosen_predicate(rng, plain)
    s, p, o, g = quad.subject, quad.predicate, quad.object, quad.graph_name
    if kind == "modify":
        values = sorted({q.object for q in quads if q.predicate == p}, key=str)
        new = rng.choice([*values[:50], *FRESH])
        return (f"DELETE {{ {_in(g, f'{s} {p} ?o')} }} INSERT {{ {_in(g, f'{s} {p} {new}')} }} "
                f"WHERE {{ {_in(g, f'{s} {p} ?o')} }}")  # fmt: skip
    if kind == "delete-where":
        return f"DELETE WHERE {{ {_in(g, f'?x {p} {o}')} }}"
    if kind == "copy-subject":
        return f"INSERT {{ GRAPH {rng.choice(GRAPHS)} {{ {s} ?p ?o }} }} WHERE {{ {s} ?p ?o }}"
    added = _new(rng, quads)
    template = (f"?x {added.predicate} _:b . _:b a {rng.choice(CLASSES)} ."
                if rng.random() < 0.3 else f"?x {added.predicate} {added.object} .")  # fmt: skip
    return f"INSERT {{ {template} }} WHERE {{ {_in(g, f'?x {p} {o}')} }}"


def _has_blank(quad: ox.Quad) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object, quad.graph_name))


def _with_chosen_predicate(rng: random.Random, quads: list[ox.Quad]) -> ox.Quad:
    """A quad of a predicate the rules read, when the data has one (else any quad)."""
    predicate = rng.choice((RDF_TYPE, *PREDICATES))
    having = [q for q in quads if q.predicate == predicate]
    return rng.choice(having or quads)


def _quad_text(quad: ox.Quad) -> str:
    return _in(quad.graph_name, f"{quad.subject} {quad.predicate} {quad.object} .")


def _in(graph: Any, pattern: str) -> str:
    """`pattern` in `graph`: wrapped in `GRAPH` for a named graph, as is for the default."""
    return pattern if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{ {pattern} }}"
