"""Answer a what-if: what a scenario would change, found without writing anything.

The scenario's update is handed to the guard (`Guard.trying`): the store computes its delta
without writing it, and, with writes held off for that moment only, the live findings take
the delta and give it back (`LiveFindings.tried`). Read meanwhile, from the live state:
the findings it opens (on the data after) and closes (on the data before), the social
network before and after (`service.network.read`, the analytics' own reader; read once
when no quad of the change is one the network query reads), and what the
changed nodes reach (`affected.rq`, `customers.rq`). The network change is computed once the
guard lets writes go again (`service.whatif.network`).

The answer (JSON; `as_text` for the CLI):

* `scenario` — the scenario as understood; `delta` — quads removed and added;
* `findings` — `counts`, `new` and `resolved`: report results, as the report diff gives them
  (`service.reports.diff`), compared by finding id;
* `affected` — practices, conversations and customers (IRIs, sorted);
* `network` — the network change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from service.findings import LiveFindings, at_least, refused_results
from service.guard import Guard, Update
from service.network.read import Network, network_from_rows, network_query
from service.reports.diff import result_line
from service.reports.snapshot import validated_graphs
from service.store.base import Store
from service.validation import unique_findings
from service.validation.entailed import Delta
from service.validation.model import SEVERITIES, Finding
from service.whatif.network import changes_network, network_change
from service.whatif.scenario import Scenario, bind_values, check_scenario

HERE = Path(__file__).parent
MAX_SEEDS = 2_000
"""Changed nodes followed to the practices, conversations and customers they reach; past
it, `affected.truncated` says the lists are partial."""


@dataclass
class _Reach:
    """Practices, conversations and customers reached from the changed nodes."""

    practices: set[str] = field(default_factory=set)
    conversations: set[str] = field(default_factory=set)
    customers: set[str] = field(default_factory=set)


def what_if(
    store: Store,
    guard: Guard,
    scenario: Scenario,
    *,
    base_iri: str | None = None,
    min_group_size: int,
    people: bool,
) -> dict[str, Any]:
    """The answer to `scenario` (see the module docstring); nothing is written. Raises
    `InputError` for a scenario the store refuses, as the same update would be refused."""
    check_scenario(store, scenario)
    live = guard.live
    reach = _Reach()
    graphs = [None, *validated_graphs(store.graphs())]
    with guard.trying(store, Update(scenario.update(graphs), base_iri)) as delta:
        seeds = _seeds(delta)
        before = _network(live)
        with live.tried(delta) as outcome:
            opened = _ordered(outcome.opened)
            new = refused_results(live, opened)
            after = _network(live) if changes_network((*delta.removed, *delta.added)) else before
            _follow(live, seeds | _foci(opened), reach)
        closed = _ordered(outcome.closed)
        resolved = refused_results(live, closed)
        _follow(live, seeds | _foci(closed), reach)
    return {
        "scenario": scenario.describe(),
        "delta": {"removed": len(delta.removed), "added": len(delta.added)},
        "findings": {
            "counts": {"new": len(new), "resolved": len(resolved)},
            "new": new,
            "resolved": resolved,
        },
        "affected": {
            "practices": sorted(reach.practices),
            "conversations": sorted(reach.conversations),
            "customers": sorted(reach.customers),
            "truncated": len(seeds) > MAX_SEEDS,
        },
        "network": network_change(before, after, min_group_size=min_group_size, people=people),
    }


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    return at_least(frozenset(unique_findings(findings)), SEVERITIES[-1])


def _network(live: LiveFindings) -> Network:
    return network_from_rows(live.rows(network_query()))


def _seeds(delta: Delta) -> set[ox.NamedNode]:
    """The named nodes whose description a delta changes (the subjects of its quads: a
    dropped arc, a conversation that loses a participant; not every node they name)."""
    return {
        q.subject for q in (*delta.removed, *delta.added) if isinstance(q.subject, ox.NamedNode)
    }


def _foci(findings: Iterable[Finding]) -> set[ox.NamedNode]:
    return {ox.NamedNode(str(f.focus)) for f in findings if isinstance(f.focus, URIRef)}


def _follow(live: LiveFindings, seeds: set[ox.NamedNode], reach: _Reach) -> None:
    """Add what `seeds` reach in the live data as it is now (`affected.rq`), and the
    customers of the conversations reached (`customers.rq`): one query each."""
    listed = sorted(seeds, key=str)[:MAX_SEEDS]
    found: set[ox.NamedNode] = set()
    for row in live.rows(bind_values(_query("affected"), "node", listed)):
        if isinstance(practice := row.get("practice"), ox.NamedNode):
            reach.practices.add(practice.value)
        if isinstance(conversation := row.get("conversation"), ox.NamedNode):
            found.add(conversation)
    reach.conversations.update(c.value for c in found)
    customers = bind_values(_query("customers"), "conversation", sorted(found, key=str))
    for row in live.rows(customers):
        if isinstance(customer := row.get("customer"), ox.NamedNode):
            reach.customers.add(customer.value)


@cache
def _query(name: str) -> str:
    return (HERE / f"{name}.rq").read_text(encoding="utf-8")


def as_text(answer: dict[str, Any]) -> str:
    """The answer as lines for a terminal."""
    findings, affected, network = answer["findings"], answer["affected"], answer["network"]
    delta = answer["delta"]
    lines = [
        f"delta: {delta['removed']} quads removed, {delta['added']} added",
        f"findings: {findings['counts']['new']} new, {findings['counts']['resolved']} resolved",
        *(f"+ {result_line(r)}" for r in findings["new"]),
        *(f"- {result_line(r)}" for r in findings["resolved"]),
        f"affected: {len(affected['practices'])} practices, "
        f"{len(affected['conversations'])} conversations, {len(affected['customers'])} customers"
        + (" (partial)" if affected["truncated"] else ""),
        *(f"  practice {iri}" for iri in affected["practices"]),
        *(f"  conversation {iri}" for iri in affected["conversations"]),
        *(f"  customer {iri}" for iri in affected["customers"]),
    ]
    lines.extend(_network_lines(network))
    return "\n".join(lines) + "\n"


def _network_lines(network: dict[str, Any]) -> list[str]:
    components, pairs = network["components"], network["unit_pairs_unreachable"]
    points, brokerage = network["new_articulation_points"], network["brokerage_lost"]
    roles = ", ".join(f"{role} {n}" for role, n in brokerage["by_role"].items() if n)
    lines = [
        f"network: {network['people']['before']} -> {network['people']['after']} people, "
        f"{network['ties']['before']} -> {network['ties']['after']} ties, "
        f"{components['before']} -> {components['after']} components",
        f"unit pairs no longer connected: {pairs['count']}"
        + (f" ({pairs['suppressed']} not named: {pairs['reason']})" if pairs["suppressed"] else ""),
        *(f"  {a} / {b}" for a, b in pairs["pairs"]),
        f"new articulation points: {points['count']}",
        *(f"  {iri}" for iri in points["people"] or ()),
        f"brokerage lost: {roles or 'none'} ({brokerage['brokers']['count']} brokers)",
        *(f"  {iri}" for iri in brokerage["brokers"]["people"] or ()),
    ]
    return lines
