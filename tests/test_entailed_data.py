"""A restart's warm-up builds the live data from the store's dump (`EntailedData.of_graphs`):
the graphs without a blank node loaded by the engine, the others parsed with their labels
kept. It must hold exactly what `EntailedData` holds for the same quads, in `base` and in
the prepared `view` the rules read."""

from __future__ import annotations

import pyoxigraph as ox

from service.resources import DATA_DIR
from service.validation.entailed import Delta, EntailedData

PLAIN = ox.NamedNode("urn:test:plain")
BLANK = ox.NamedNode("urn:test:blank")


def _example() -> list[ox.Triple]:
    return [
        t
        for path in sorted((DATA_DIR / "example").glob("*.ttl"))
        for t in ox.parse(path=path, format=ox.RdfFormat.TURTLE)
    ]


def _text(store: ox.Store) -> set[str]:
    return {str(q) for q in store}


def test_the_dumped_graphs_give_the_data_their_quads_give() -> None:
    plain = _example()
    person = next(t for t in plain if t.predicate.value.endswith("memberOf"))
    blank = [  # a blank member of a named unit, and a blank unit of a named member
        ox.Triple(ox.BlankNode("kept"), person.predicate, person.object),
        ox.Triple(person.subject, person.predicate, ox.BlankNode("unit")),
    ]
    graphs = [
        (ox.DefaultGraph(), ox.serialize(plain[:10], format=ox.RdfFormat.N_TRIPLES)),
        (PLAIN, ox.serialize(plain[10:], format=ox.RdfFormat.N_TRIPLES)),
        (BLANK, ox.serialize(blank, format=ox.RdfFormat.N_TRIPLES)),
    ]
    assert not any(b"_:" in body for _, body in graphs[:2])
    dumped = EntailedData.of_graphs(graphs)
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for graph, body in graphs
        for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)
    ]
    parsed = EntailedData(quads)
    assert dumped.quads == parsed.quads == len(set(quads))
    assert _text(dumped.base) == _text(parsed.base)
    assert _text(dumped.view) == _text(parsed.view)
    assert ox.Quad(*blank[0], BLANK) in dumped.base  # the store's labels, which deltas use


def test_a_rebuilt_view_is_the_view_of_the_new_quads() -> None:
    """A write of much of the data prepares the view anew (`rebuild`): the same base and
    view as the data built from the quads after the write, blank-node labels kept."""
    plain = _example()
    blank = ox.Quad(ox.BlankNode("kept"), plain[0].predicate, plain[0].object, BLANK)
    before = [ox.Quad(*t.triple, PLAIN) for t in plain[:40]]
    after = [*before[10:], *(ox.Quad(*t.triple, ox.DefaultGraph()) for t in plain[40:]), blank]
    data = EntailedData(before)
    data.rebuild(Delta.of(added=set(after) - set(before), removed=set(before) - set(after)))
    fresh = EntailedData(after)
    assert _text(data.base) == _text(fresh.base)
    assert _text(data.view) == _text(fresh.view)
    assert ox.Quad(*blank.triple) in data.view
