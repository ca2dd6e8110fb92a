"""Structural limits that keep a query or update from crashing the engine, checked on tokens.

pyoxigraph parses, optimises and evaluates SPARQL with recursive Rust code. Past a few
thousand levels of nesting, or of operators chained without nesting (each `UNION`, `||` or
path step adds a level to the algebra tree), it overflows its thread's stack and the whole
process dies with SIGSEGV: no exception, no answer to anyone. Other shapes do not crash but
go quadratic or worse long before that. Measured on pyoxigraph 0.5.13, query parsed and
evaluated on a 3-triple store in a thread with the default 8 MiB stack (the service's query
workers), each shape at growing sizes in a separate process:

======================================  ===========================  ========================
shape                                   still answers                crashes (SIGSEGV)
======================================  ===========================  ========================
nested groups `{ { {`                   1,000 (0.02 s)               3,000
nested parentheses `((( ?o )))`         3,000 (0.01 s)               10,000
`UNION` branches, no nesting            3,000 (2.4 s)                10,000
`||` / `&&` chain                       3,000 (2.8 s / 2.4 s)        10,000
`+` / `*` chain                         3,000 (0.8 s / 0.7 s)        10,000
`!` chain                               3,000 (0.01 s)               10,000
alternative path `:p|:p|...`            10,000 (1.3 s)               30,000
`MINUS` chain                           1,000 (0.07 s)               3,000
`FILTER` chain                          3,000 (6.4 s)                10,000
`BIND` chain                            1,000 (0.7 s)                3,000
sequence path `:p/:p/...`               300 (12.4 s)                 1,000: still running at 30 s
`OPTIONAL` chain                        300 (12.3 s)                 1,000: still running at 40 s
nested blank nodes `[ :p [ :p`          200 (6.1 s)                  400: still running at 30 s
chain of triple patterns                300 (15.5 s)                 1,000: still running at 30 s
======================================  ===========================  ========================

The last four do not crash before the query deadline but grow about cubically (the join
planner): below the limits here they can still use a full query time budget. They are left
to the deadline, not refused.

So every limit below sits several times under the smallest crash point of its kind and far
above real queries (the shipped queries of `queries/` nest at most 7 deep, hold at most 14
operators and 33 group operations):

* `MAX_NESTING`: brackets `{ ( [` open at once;
* `MAX_PATTERN_STEPS`: group-level operations in the whole text (`{`, `UNION`, `OPTIONAL`,
  `MINUS`, `FILTER`, `BIND`, `GRAPH`, `SERVICE`, `VALUES`): each wraps the pattern built so
  far, so their total bounds the depth of the algebra tree however they are arranged;
* `MAX_OPERATORS`: operators in expressions and property paths (`| & + - * / ! ^ = < >`),
  outside `VALUES` data (where a `-` is a sign), for the same reason.

A refusal is an `InputError` ("too complex: ..."), a 400 naming what and the limit, before
anything is parsed or run. The check costs one pass over the tokens the other text checks
share (`sparqltokens.tokens`).

>>> check_complexity("SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * 2_000) + " }")
Traceback (most recent call last):
...
service.errors.InputError: the query is too complex: more than 500 group operations ...
"""

from __future__ import annotations

from service.errors import InputError
from service.store.sparqltokens import tokens

MAX_NESTING = 256
"""Deepest nesting of `{`, `(` and `[` accepted in a query or update."""
MAX_PATTERN_STEPS = 500
"""Most group-level operations (`{`, `UNION`, `OPTIONAL`, `MINUS`, `FILTER`, `BIND`, `GRAPH`,
`SERVICE`, `VALUES`) in one query or update."""
MAX_OPERATORS = 1_000
"""Most expression and path operators (`| & + - * / ! ^ = < >`) in one query or update."""

_STEP_WORDS = frozenset(
    {"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "GRAPH", "SERVICE", "VALUES"}
)
_OPERATORS = frozenset("|&+-*/!^=<>")


def check_complexity(text: str) -> None:
    """Raise `InputError` when `text` passes `MAX_NESTING`, `MAX_PATTERN_STEPS` or
    `MAX_OPERATORS`; syntax is left to the engine.

    Data blocks (`VALUES ... { }`, `INSERT DATA { }`, `DELETE DATA { }`) hold terms only:
    their signs and braces are not counted, nor is a datatype's `^^` anywhere, so a large
    data block passes; their brackets still count towards `MAX_NESTING`.
    """
    depth = 0
    steps = 0
    operators = 0
    data_depth = -1  # depth of the `{` of the data block we are in, else -1
    data_next = False  # the next `{` opens a data block
    previous = None
    for token in tokens(text):
        kind, value = token.kind, token.text
        if kind == "name":
            word = value.upper()
            if word in ("VALUES", "DATA"):
                data_next = data_depth < 0
            if word in _STEP_WORDS and data_depth < 0:
                steps += 1
        elif kind != "other":
            pass
        elif value in "{([":
            depth += 1
            if depth > MAX_NESTING:
                _refuse(f"brackets nested deeper than {MAX_NESTING} levels")
            if value == "{" and data_next:
                data_depth, data_next = depth, False
            elif value == "{" and data_depth < 0:
                steps += 1
        elif value in "})]":
            if depth == data_depth:
                data_depth = -1
            depth -= 1
        elif value in _OPERATORS and data_depth < 0:
            datatype = value == "^" and previous is not None and previous.text == "^"
            operators += -1 if datatype else 1  # `^^` (a datatype) counts as nothing
        previous = token if not (previous and previous.text == "^" and value == "^") else None
        if steps > MAX_PATTERN_STEPS:
            _refuse(
                f"more than {MAX_PATTERN_STEPS} group operations (groups, UNION, OPTIONAL, "
                "MINUS, FILTER, BIND, GRAPH, SERVICE, VALUES)"
            )
        if operators > MAX_OPERATORS and value != "^":
            _refuse(
                f"more than {MAX_OPERATORS} operators in expressions and property paths "
                "(| & + - * / ! ^ = < >)"
            )


def _refuse(what: str) -> None:
    raise InputError(f"the query is too complex: {what}")
