"""The rules over network analytics (R21-R24, `TRISKEL_ANALYTICS_RULES`): what they cost.

On a generated organisation of about 100,000 triples with a current analysis of its network
(per-person values in), side by side in one run, medians of `REPEATS`:

* a full validation with the built-in rules, and with the rules over analytics too;
* the network fingerprint a validation and the live gate read to know the analysis current;
* a live write that adds an arc (it touches the network: the analysis goes stale, R21 and
  R22 are re-checked whole) and one that adds a tool use (it does not), with and without the
  rules over analytics (each write is undone before the next one).

`python -m benchmarks.run analytics_rules`
"""

from __future__ import annotations

import statistics
import time
from functools import partial

import pyoxigraph as ox

from benchmarks.bench_sparql import median_s
from benchmarks.generate import copies_for, generate
from service.network.analysis import analyse
from service.network.rdf import analysis_triples
from service.store.system_graphs import ANALYTICS_GRAPH
from service.validation import PreparedData, load_builtin, validate
from service.validation.analytics import network_fingerprint, network_of
from service.validation.entailed import Delta
from service.validation.live import LiveValidation
from service.validation.rdfio import Source, parse

TRIPLES = 100_000
REPEATS = 5
SB = "https://w3id.org/social-business#"
DATA = ox.NamedNode("urn:bench:data")
WRITES = ox.NamedNode("urn:bench:writes")


def _organisation() -> list[ox.Quad]:
    """The generated organisation with a current analysis in the analytics graph."""
    org = generate(copies_for(TRIPLES), seed=13, rate=1.0)
    triples = parse(Source("<generated>", org.ntriples(), "nt"))
    quads = [ox.Quad(t.subject, t.predicate, t.object, DATA) for t in triples]
    store = ox.Store()
    store.extend(quads)
    analysis = analyse(network_of(store, union=True), min_group_size=5)
    graph = ox.NamedNode(ANALYTICS_GRAPH)
    return quads + [ox.Quad(*t, graph) for t in analysis_triples(analysis, people=True)]


def _writes(quads: list[ox.Quad]) -> dict[str, list[list[ox.Quad]]]:
    """Arcs between two people, and tool uses, each a write of its own."""
    person = ox.NamedNode(SB + "Person")
    people = [q.subject for q in quads if q.object == person][: 2 * REPEATS]
    arcs, uses = [], []
    for n in range(REPEATS):
        arc = ox.NamedNode(f"urn:bench:arc{n}")
        source, target = people[n], people[n + REPEATS]
        arcs.append(
            [
                ox.Quad(arc, ox.NamedNode(SB + "source"), source, WRITES),
                ox.Quad(arc, ox.NamedNode(SB + "target"), target, WRITES),
            ]
        )
        tool = ox.NamedNode(f"urn:bench:tool{n}")
        uses.append([ox.Quad(source, ox.NamedNode(SB + "usesTool"), tool, WRITES)])
    return {"an arc": arcs, "a tool use": uses}


def _live_write(live: LiveValidation, writes: list[list[ox.Quad]]) -> float:
    """Median time of applying each write (each undone, untimed, before the next)."""
    times = []
    for quads in writes:
        started = time.perf_counter()
        live.apply(Delta.of(added=quads))
        times.append(time.perf_counter() - started)
        live.apply(Delta.of(removed=quads))
    return statistics.median(times)


def main() -> int:
    quads = _organisation()
    prepared = PreparedData.from_quads(quads)
    print(f"{len(quads):,} quads (the analysis included)")
    print("| measure | median |")
    print("|---|---|")
    for analytics in (False, True):
        spent = median_s(partial(validate, prepared, shapes=load_builtin(analytics=analytics)), 3)
        print(f"| full validation, rules over analytics {'on' if analytics else 'off'} | "
              f"{spent:.2f} s |")  # fmt: skip
    spent = median_s(lambda: network_fingerprint(prepared.store), REPEATS)
    print(f"| network fingerprint (is the analysis current?) | {spent:.3f} s |")
    writes = _writes(quads)
    for analytics in (False, True):
        live = LiveValidation(quads, load_builtin(analytics=analytics))
        for kind, batch in writes.items():
            spent = _live_write(live, batch)
            print(f"| live write of {kind}, rules over analytics {'on' if analytics else 'off'} "
                  f"| {spent * 1000:.0f} ms |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
