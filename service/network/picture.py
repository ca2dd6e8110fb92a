"""The social network as the Network page draws it, in compact arrays.

The page used to read its people and arcs as SPARQL JSON results: at 5,000 people and
50,000 arcs that is 19 MB, each value an object with its type, for the page to parse and walk
before it draws. Here the same two queries (`picture-people.rq`, `picture-arcs.rq`) become
one document where each person, tool and arc is one array and an arc names its ends and
tools by their place in the lists:

* `people` — `[iri, name or null, organisation IRI or null]` (the organisation at the top of
  the person's unit's chain);
* `tools` — the IRIs of the channel tools;
* `arcs` — `[iri, source, target, weight or null, [tool, ...]]`: `source` and `target` index
  `people`, the tools index `tools`; an arc with several sources or targets is drawn between
  the first pair read, as one edge (rule R16 reports it); a weight that is not a finite
  number is null (drawn as 1).
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from service.store.base import Store, Term

HERE = Path(__file__).parent


@cache
def _query(name: str) -> str:
    return (HERE / f"picture-{name}.rq").read_text(encoding="utf-8")


def picture(store: Store) -> dict[str, list[Any]]:
    """The people, tools and arcs of the store as the module docstring describes them."""
    people: list[list[str | None]] = []
    index: dict[str, int] = {}
    for row in store.select(_query("people")):
        iri = row["person"].value
        index[iri] = len(people)
        people.append([iri, _text(row.get("label")), _text(row.get("organisation"))])
    tools: dict[str, int] = {}
    arcs: dict[str, list[Any]] = {}
    for row in store.select(_query("arcs")):
        iri = row["arc"].value
        arc = arcs.get(iri)
        if arc is None:
            ends = index[row["source"].value], index[row["target"].value]
            arc = arcs[iri] = [iri, *ends, _weight(row.get("weight")), []]
        channel = row.get("channel")
        if channel is not None:
            tool = tools.setdefault(channel.value, len(tools))
            if tool not in arc[4]:
                arc[4].append(tool)
    return {"people": people, "tools": list(tools), "arcs": list(arcs.values())}


def _text(term: Term | None) -> str | None:
    return None if term is None else term.value


def _weight(term: Term | None) -> float | None:
    """A weight as a number the page can draw; None when absent or not a finite number."""
    if not isinstance(term, ox.Literal):
        return None
    try:
        weight = float(term.value)
    except ValueError:
        return None
    return weight if math.isfinite(weight) else None
