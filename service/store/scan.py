"""What the store learns from SPARQL text before any engine sees it, by tokenising it.

1. Refuse operations that would make the engine fetch from elsewhere (DESIGN §8).

`SERVICE` (in queries and updates) and `LOAD` name a URL the engine would fetch. They are
refused before the text reaches any engine unless `TRISKEL_ALLOWED_HOSTS` names the URL's
host. The text is tokenised, not searched: a `SERVICE` inside a string, an IRI, a comment, a
variable name or a prefixed name is not an operation, and the IRI after the keyword is
resolved through the text's own `PREFIX` and `BASE` declarations. A `SERVICE ?var`, whose
target is only known at run time, is always refused.

`FROM`/`FROM NAMED` (queries) and `USING`/`USING NAMED` (updates) may name only graphs of
the store (`dataset_graphs` lists them for `Store.check_dataset`): our engines never fetch
them, but an absent graph answering as an empty one would hide the mistake.

2. Refuse text nested deeper than `MAX_NESTING` brackets: pyoxigraph's recursive parser
crashes the whole process (a segmentation fault, not an exception) somewhere between 2,000
and 10,000 nested groups, and no real query comes near 100.

3. Tell whether a query names its own dataset (`FROM`/`FROM NAMED`): the union default graph
is asked for only when it does not, since both engines let the union option override `FROM`.

>>> check_operations("SELECT * { ?s ?p 'SERVICE <http://x/>' }", allowed_hosts="")
>>> check_operations("LOAD <file:///etc/passwd>", allowed_hosts="")
Traceback (most recent call last):
...
service.errors.ForbiddenOperationError: LOAD <file:///etc/passwd> is refused: ...
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from service.errors import ForbiddenOperationError, InputError

_TOKEN = re.compile(
    r"""
      (?P<skip>\s+|\#[^\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][^\s{}()\[\];,.<>"'=!&|+*/^]*)
    | (?P<name>[A-Za-z_][\w\-.]*(?::[^\s{}()\[\];,<>"'=!&|+*/^]*)?|:[^\s{}()\[\];,<>"'=!&|+*/^]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_FETCHING = frozenset({"SERVICE", "LOAD"})
_DATASET = frozenset({"FROM", "USING"})
BUILT_IN_FUNCTIONS = (
    "http://www.w3.org/2001/XMLSchema#",
    "http://www.opengis.net/def/function/geosparql/",
)
"""Namespaces of the function IRIs the engine evaluates itself (casts, GeoSPARQL)."""
MAX_NESTING = 256
"""Deepest nesting of `{`, `(` and `[` accepted in a query or update."""


def _spans(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of the significant tokens; whitespace and comments dropped."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "skip":
            yield kind, match.group(), match.start()


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) pairs of the significant tokens."""
    for kind, value, _ in _spans(text):
        yield kind, value


def check_nesting(text: str) -> None:
    """Raise `InputError` ("too complex") for brackets nested deeper than `MAX_NESTING`.

    >>> check_nesting("SELECT * WHERE " + "{" * 300 + "}" * 300)
    Traceback (most recent call last):
    ...
    service.errors.InputError: the query is too complex: brackets nested deeper than 256 levels
    """
    depth = 0
    for kind, value in _tokens(text):
        if kind != "other":
            continue
        if value in "{([":
            depth += 1
            if depth > MAX_NESTING:
                raise InputError(
                    f"the query is too complex: brackets nested deeper than {MAX_NESTING} levels"
                )
        elif value in "})]":
            depth -= 1


def has_dataset_clause(query: str) -> bool:
    """True when the query has a `FROM` or `FROM NAMED` clause.

    >>> has_dataset_clause("SELECT * FROM <http://g> { ?s ?p 'FROM' }")
    True
    """
    return any(kind == "name" and value.upper() == "FROM" for kind, value in _tokens(query))


def dataset_graphs(text: str, base_iri: str | None = None) -> list[str]:
    """The graph IRIs a query's `FROM [NAMED]` or an update's `USING [NAMED]` clauses name,
    except those named after `GRAPH` earlier in the text, so that an update may use a graph
    it has just written (`INSERT DATA { GRAPH <g> {...} } ; ... USING <g>`, as the W3C
    protocol tests do). The exemption opens no fetch: our engines never fetch a graph.

    Prefixed names and relative IRIs resolve through the text's `PREFIX` and `BASE`, else
    against `base_iri`.

    >>> dataset_graphs("PREFIX g: <http://g/> SELECT * FROM g:a FROM NAMED <b> { }", "http://h/")
    ['http://g/a', 'http://h/b']
    >>> dataset_graphs("CREATE GRAPH <a> ; INSERT { } USING <a> USING NAMED <b> WHERE { }")
    ['b']
    """
    found: list[str] = []
    written: set[str] = set()
    for tokens, index, prefixes, base in _walk(text, base_iri or ""):
        kind, value = tokens[index]
        keyword = value.upper() if kind == "name" else ""
        if keyword != "GRAPH" and keyword not in _DATASET:
            continue
        rest = [t for t in tokens[index + 1 : index + 3] if t[1].upper() != "NAMED"]
        iri = _target(*rest[0], prefixes, base) if rest else None
        if iri is None:
            continue
        if keyword == "GRAPH":
            written.add(iri)
        elif iri not in written:
            found.append(iri)
    return found


def where_group_start(query: str) -> int:
    """The offset just inside the `{` that opens the query's top-level WHERE group.

    That is the first top-level `{` after the keyword `WHERE` or, when the query leaves the
    keyword out (`SELECT * { ... }`, `ASK { ... }`), after SELECT, ASK or DESCRIBE; a
    CONSTRUCT template is never it. `InputError` when the text has no such group.

    >>> query = "CONSTRUCT { ?s ?p 'WHERE {' } WHERE { ?s ?p ?o }"
    >>> query[where_group_start(query):]
    ' ?s ?p ?o }'
    """
    depth = 0
    form = ""
    for kind, value, start in _spans(query):
        word = value.upper() if kind == "name" and depth == 0 else ""
        if word in ("SELECT", "ASK", "DESCRIBE", "CONSTRUCT") and not form:
            form = word
        elif word == "WHERE":
            form = "WHERE"
        elif kind == "other" and value in "{([":
            if value == "{" and depth == 0 and form not in ("", "CONSTRUCT"):
                return start + 1
            depth += 1
        elif kind == "other" and value in "})]":
            depth -= 1
    raise InputError("the query has no WHERE group to bind values in")


def _allowed(iri: str, allowed_hosts: str) -> bool:
    """True when the IRI is an http(s) URL whose host the allow-list names."""
    hosts = {h.strip().lower() for h in allowed_hosts.split(",") if h.strip()}
    parts = urlsplit(iri)
    return parts.scheme in ("http", "https") and (parts.hostname or "") in hosts


def _target(kind: str, value: str, prefixes: dict[str, str], base: str) -> str | None:
    """The absolute IRI a token names, or None when it names none (a variable, a keyword)."""
    if kind == "iri":
        return urljoin(base, value[1:-1]) if base else value[1:-1]
    if kind == "name" and ":" in value:
        prefix, local = value.split(":", 1)
        return prefixes[prefix] + local if prefix in prefixes else None
    return None


def _walk(
    text: str, base: str = ""
) -> Iterator[tuple[list[tuple[str, str]], int, dict[str, str], str]]:
    """(tokens, index, prefixes, base) per token, with the `PREFIX`/`BASE` declared so far."""
    prefixes: dict[str, str] = {}
    tokens = list(_tokens(text))
    for index, (kind, value) in enumerate(tokens):
        keyword = value.upper() if kind == "name" else ""
        following = tokens[index + 1 : index + 3]
        if keyword == "PREFIX" and len(following) >= 2 and following[1][0] == "iri":
            prefixes[following[0][1].rstrip(":")] = following[1][1][1:-1]
        elif keyword == "BASE" and following and following[0][0] == "iri":
            base = following[0][1][1:-1]
        yield tokens, index, prefixes, base


def check_operations(text: str, *, allowed_hosts: str) -> None:
    """Raise `ForbiddenOperationError` for a `SERVICE` or `LOAD` to a host not allowed.

    Syntax is not checked here (the engine does that); a malformed text simply yields
    whatever tokens it has.
    """
    for tokens, index, prefixes, base in _walk(text):
        kind, value = tokens[index]
        keyword = value.upper() if kind == "name" else ""
        if keyword in _FETCHING:
            _check_target(keyword, tokens[index + 1 : index + 4], prefixes, base, allowed_hosts)


def extension_functions(query: str, base_iri: str | None = None) -> frozenset[str]:
    """The IRIs the query calls as functions, except the engine's own (XSD casts, GeoSPARQL).

    A call is an IRI or prefixed name right before `(`; a property followed by a collection
    (`?s ex:p (1 2)`) counts too, which is harmless: an extra name is never called. Relative
    IRIs resolve against the text's `BASE`, else `base_iri`.

    >>> sorted(extension_functions("PREFIX : <http://ex/> SELECT (:f(xsd:int(?x)) AS ?y) {}"))
    ['http://ex/f']
    """
    found: set[str] = set()
    for tokens, index, prefixes, base in _walk(query, base_iri or ""):
        if tokens[index + 1 : index + 2] != [("other", "(")]:
            continue
        iri = _target(*tokens[index], prefixes, base)
        if iri and not iri.startswith(BUILT_IN_FUNCTIONS):
            found.add(iri)
    return frozenset(found)


def calls_as_errors(query: str, base_iri: str | None = None) -> str:
    """The query with each extension-function call replaced by `COALESCE()`, always an error.

    SPARQL 1.1 §17.1: calling a function the engine does not know is an evaluation error (a
    `BIND` leaves its variable unbound, a `FILTER` drops the row). Some engines (Oxigraph
    server) refuse the whole query instead; this rewrite gives them the standard meaning.
    Only calls in expression position are rewritten — inside `(`, or right after `FILTER`,
    `BY` or `HAVING` — so a property followed by a collection (`?s ex:p (1 2)`) stays.

    >>> calls_as_errors("PREFIX : <http://ex/> SELECT (:f(?x, (1)) AS ?y) { ?s :p (1) }")
    'PREFIX : <http://ex/> SELECT (COALESCE() AS ?y) { ?s :p (1) }'
    """
    spans = list(_spans(query))
    cuts: list[tuple[int, int]] = []
    opened: list[str] = []
    resume = 0
    for tokens, index, prefixes, base in _walk(query, base_iri or ""):
        kind, value = tokens[index]
        if kind == "other" and value in "{([":
            opened.append(value)
        elif kind == "other" and value in "})]" and opened:
            opened.pop()
        if index < resume or tokens[index + 1 : index + 2] != [("other", "(")]:
            continue
        before = tokens[index - 1][1].upper() if index else ""
        if not (opened and opened[-1] == "(") and before not in ("FILTER", "BY", "HAVING"):
            continue
        iri = _target(kind, value, prefixes, base)
        if iri and not iri.startswith(BUILT_IN_FUNCTIONS):
            resume = _closing(tokens, index + 1) + 1
            cuts.append((spans[index][2], spans[resume - 1][2] + 1))
    for start, end in reversed(cuts):
        query = f"{query[:start]}COALESCE(){query[end:]}"
    return query


def _closing(tokens: list[tuple[str, str]], opening: int) -> int:
    """The index of the `)` that closes the `(` at `opening` (the last token if none does)."""
    depth = 0
    for index in range(opening, len(tokens)):
        if tokens[index] == ("other", "("):
            depth += 1
        elif tokens[index] == ("other", ")"):
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1


def _check_target(
    keyword: str,
    following: list[tuple[str, str]],
    prefixes: dict[str, str],
    base: str,
    allowed_hosts: str,
) -> None:
    """Refuse one `SERVICE [SILENT] x` / `LOAD [SILENT] x` unless x's host is allowed."""
    rest = [t for t in following if t[1].upper() != "SILENT"]
    shown = rest[0][1] if rest else ""
    target = _target(*rest[0], prefixes, base) if rest else None
    if target is None or not _allowed(target, allowed_hosts):
        raise ForbiddenOperationError(
            f"{keyword} {shown} is refused: the service fetches nothing from other hosts "
            "unless TRISKEL_ALLOWED_HOSTS names the host"
        )
