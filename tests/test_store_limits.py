"""Query time budget on both backends: the caller is answered, the worker is freed."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from service.errors import LimitExceededError
from service.store import Store

CARTESIAN = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""27 million rows over 300 triples: streams rows for far longer than the budget."""


def nt(n: int) -> bytes:
    return "".join(f'<http://e/s{i}> <http://e/p> "{i}" .\n' for i in range(n)).encode()


@pytest.mark.own_remote_server
def test_timeout_raises_frees_the_worker_and_others_are_answered(
    make_store: Callable[..., Store],
) -> None:
    store = make_store(query_timeout_s=1.0, max_rows=10**9)
    store.load(nt(300), media_type="application/n-triples", graph="http://e/g")
    store.query("ASK {}", accept="application/sparql-results+json")  # a worker started
    started = time.monotonic()
    with pytest.raises(LimitExceededError, match="TRISKEL_QUERY_TIMEOUT_S"):
        store.query(CARTESIAN, accept="text/csv")
    assert time.monotonic() - started < 3.0
    assert store.ask("ASK { ?s ?p '7' }")
