"""What the protocol needs to know about a SPARQL text before the engine parses it.

The SPARQL 1.1 Protocol needs two facts the store interface does not give: the query form
(to negotiate the answer's media type before running it) and, for `using-graph-uri` /
`using-named-graph-uri`, where each update operation's `WHERE` starts (to give the operation
that dataset as `USING` clauses). Both need only the top level of the text, so this module
scans it with a small lexer that knows comments, strings, IRIs and nesting, and leaves the
real parsing (and every syntax error) to the engine.

>>> query_form("PREFIX ex: <http://example.org/#> # a comment\\nconstruct { ?s ex:p 1 } {}")
'CONSTRUCT'
>>> with_using("INSERT { ?s a 1 } WHERE { ?s ?p ?o }", ["http://g"], [])
'INSERT { ?s a 1 } USING <http://g> WHERE { ?s ?p ?o }'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from service.errors import InputError

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$]\w+)
    | (?P<word>[A-Za-z_][\w\-.]*(?::[^\s{}()\[\];,<>"']*)?|:[^\s{}()\[\];,<>"']*)
    | (?P<open>[{(\[])
    | (?P<close>[})\]])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _top_level(text: str) -> Iterator[tuple[str, int]]:
    """Yield (upper-cased word, ';' or '{', offset) for the tokens outside any group."""
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            if depth == 0 and match.group() == "{":
                yield "{", match.start()
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif depth == 0 and kind == "word":
            yield match.group().upper(), match.start()
        elif depth == 0 and match.group() == ";":
            yield ";", match.start()


def query_form(text: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE, ASK, UPDATE (an update text), or None if neither."""
    for word, _ in _top_level(text):
        if word in QUERY_FORMS:
            return word
        if word in UPDATE_WORDS:
            return "UPDATE"
    return None


def with_using(update: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """Give every `DELETE/INSERT ... WHERE` operation the protocol's dataset as USING clauses.

    SPARQL 1.1 Protocol §2.2.3: with `using-graph-uri`/`using-named-graph-uri`, an update
    that itself says `USING`, `USING NAMED` or `WITH` is an error (`InputError`).
    """
    if not using and not using_named:
        return update
    clause = " ".join(
        [f"USING <{_iri(g)}>" for g in using] + [f"USING NAMED <{_iri(g)}>" for g in using_named]
    )
    inserts: list[int] = []
    previous = ";"
    for word, offset in _top_level(update):
        if word in ("USING", "WITH"):
            raise InputError(
                f"the update says {word} and the request gives using-graph-uri or "
                "using-named-graph-uri; use one or the other"
            )
        if word == "WHERE" and previous == "{":
            inserts.append(offset)
        previous = word
    for offset in reversed(inserts):
        update = f"{update[:offset]}{clause} {update[offset:]}"
    return update


def _iri(value: str) -> str:
    """Refuse a graph IRI that would break out of `<...>` (it is spliced into the text)."""
    if not re.fullmatch(r"[^<>\"{}|^`\\\x00-\x20]+", value):
        raise InputError(f"not an absolute IRI: {value!r}")
    return value
