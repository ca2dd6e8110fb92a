"""System graphs: graphs named `urn:triskel:…` that only the service itself writes.

Kept validation reports (`urn:triskel:report:<id>`) and whatever else the service maintains
for itself live in named graphs under `urn:triskel:` (DESIGN §11). A client that wrote one
could break the service for everyone (a malformed report graph) or slip data past the guard
(report graphs are never validated, yet queries see them), so every write a client makes —
Graph Store `PUT`/`POST`/`DELETE`, SPARQL Update, the CLI's `load` — that could reach a system
graph is refused with `ForbiddenOperationError` (HTTP 403) and changes nothing. Two kinds of
`urn:triskel:` graph are data, not system graphs: the graph of a loaded file
(`urn:triskel:file:<folder>/<name>`) and import graphs (`urn:triskel:import:<kind>:<hash>`).

The service's own code writes system graphs inside `with service_writes():` (a context
variable, so it holds in the worker thread a request runs in and nowhere else).

An update is analysed from its tokens (`update_targets`), after the engine's own parser has
accepted it. The tokens are the engine's own terminals (`service.store.sparqltokens`, shared
with the other checks on the same text): comments end at a line feed *or* a carriage return,
so nothing hides behind a bare `\\r`. It finds every graph an update may write:

* `GRAPH <g>` inside an `INSERT`/`DELETE` template (`DATA`, `WHERE` or a modify template);
  a `GRAPH ?var` in an `INSERT` template is a graph known only at run time (it may be a
  system graph, or a fresh blank node), so it is refused outright; in a `DELETE` template it
  reaches only graphs the store holds, so it is refused while the store holds a system graph;
* `WITH <g>`, `CREATE GRAPH <g>`, `DROP`/`CLEAR GRAPH <g>`, `LOAD … INTO GRAPH <g>`, the
  target of `ADD`/`COPY`/`MOVE` and the source of `MOVE` (which it empties);
* `DROP`/`CLEAR` `ALL`/`NAMED`, which reach every named graph.

`DROP`/`CLEAR` `ALL`/`NAMED` and a `GRAPH ?var` in a `DELETE` template are refused only while
the store holds a system graph other than the maintained live findings' (`SELF_CHECKED_PREFIX`).

`GRAPH` inside a `WHERE` pattern only reads, and stays allowed: kept reports are meant to be
queried. Cost, measured on a 1 MB `INSERT DATA` on this (busy) machine: a text in which none
of the keywords above occurs even inside a word is decided by substring search (~2 ms);
otherwise a regular-expression search for keyword-like tokens (~0.4 s) and, if one is found,
a walk over the tokens, next to the engine's own syntax check of the same text (the
tokenisation, ~1.3 s, is the one `Store.check_update`'s complexity check made already).

>>> sorted(update_targets("INSERT DATA { GRAPH <urn:triskel:report:x> { <a:s> <a:p> 1 } }").graphs)
['urn:triskel:report:x']
>>> update_targets("INSERT { GRAPH ?g { <a:s> <a:p> 1 } } WHERE { BIND(BNODE() AS ?g) }").variable
True
>>> update_targets("DELETE { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }").variable
False
>>> update_targets("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }").variable_delete
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.errors import ForbiddenOperationError
from service.store.sparqltokens import Token, tokens

SYSTEM_PREFIX = "urn:triskel:"
"""Every system graph's IRI starts with this (compared case-insensitively)."""
DATA_PREFIXES = ("urn:triskel:file:", "urn:triskel:import:")
"""`urn:triskel:` graphs that hold data: loaded files and imports."""

_SERVICE = ContextVar("service_writes", default=False)


def is_system_graph(iri: str | None) -> bool:
    """True for a graph only the service may write (`None`, the default graph, is data).

    >>> is_system_graph("urn:triskel:report:1"), is_system_graph("URN:Triskel:report:1")
    (True, True)
    >>> is_system_graph("urn:triskel:file:example/org.ttl"), is_system_graph("urn:x")
    (False, False)
    """
    if iri is None:
        return False
    lowered = iri.lower()
    return lowered.startswith(SYSTEM_PREFIX) and not lowered.startswith(DATA_PREFIXES)


VIRTUOSO_SCHEMA_GRAPH = "http://www.openlinksw.com/schemas/virtrdf#"
"""Virtuoso's own `virtrdf:` graph (its quad-map metadata, ~2,500 triples): every Virtuoso
has it, so a store listing it is a Virtuoso."""
_VIRTUOSO_OWN = re.compile(
    r"http://www\.openlinksw\.com/schemas/virtrdf#|http://www\.w3\.org/ns/ldp#"
    r"|https?://[^/]+/(?:sparql|DAV/)"
)
"""The graphs a Virtuoso writes for itself: `virtrdf:`, the LDP vocabulary's graph
(`ldp:` subclass axioms), its URIQA service description (`http://<[URIQA] DefaultHost>/sparql`,
`http://localuriqaserver/sparql` by default) and its WebDAV graph (`http://<host>/DAV/`)."""


def engine_graphs(names: Iterable[str]) -> frozenset[str]:
    """The graphs among `names` that the engine keeps for itself, not data: Virtuoso's own
    (`_VIRTUOSO_OWN`), recognised only when its `virtrdf:` graph is listed too, so the same
    names on another store stay data. Every validation leaves them out: read as data they
    made even one user graph a merge of several on Virtuoso (past its time limit at 1M).

    >>> sorted(engine_graphs([VIRTUOSO_SCHEMA_GRAPH, "http://localuriqaserver/sparql", "urn:x"]))
    ['http://localuriqaserver/sparql', 'http://www.openlinksw.com/schemas/virtrdf#']
    >>> engine_graphs(["http://www.w3.org/ns/ldp#", "urn:x"])
    frozenset()
    """
    listed = list(names)
    if VIRTUOSO_SCHEMA_GRAPH not in listed:
        return frozenset()
    return frozenset(name for name in listed if _VIRTUOSO_OWN.fullmatch(name))


ANALYTICS_GRAPH = "urn:triskel:analytics"
"""The network analytics (`service.network`): replaced whole by each `triskel analyse` or
`POST /analyse`, never validated (a system graph), read with plain SPARQL."""

SELF_CHECKED_PREFIX = "urn:triskel:live:"
"""System graphs a client's `DROP`/`CLEAR` `ALL`/`NAMED` and `DELETE` over `GRAPH ?var` may
reach: the maintained live findings (`service.findings.saved`), whose stamp counts their
statements, so that a state missing some is rebuilt at the next start. Refusing those
updates while these graphs exist would refuse them always."""


def _self_checked(iri: str) -> bool:
    """True for a system graph whose losses the service finds itself (`SELF_CHECKED_PREFIX`).

    >>> _self_checked("urn:triskel:live:findings"), _self_checked("urn:triskel:report:1")
    (True, False)
    """
    return iri.lower().startswith(SELF_CHECKED_PREFIX)


@contextmanager
def service_writes() -> Iterator[None]:
    """Let the code inside write system graphs: the service's own writes (kept reports)."""
    token = _SERVICE.set(True)
    try:
        yield
    finally:
        _SERVICE.reset(token)


def refused(iri: str) -> ForbiddenOperationError:
    """The error for a client's write to a system graph."""
    return ForbiddenOperationError(
        f"<{iri}> is a system graph, written by the service alone; "
        "write your data to a graph outside urn:triskel: (nothing was written)"
    )


def check_writable(graphs: Iterable[str | None]) -> None:
    """Refuse (`ForbiddenOperationError`) a client's write to any system graph among
    `graphs`; inside `service_writes()` everything is writable."""
    if _SERVICE.get():
        return
    for iri in graphs:
        if iri is not None and is_system_graph(iri):
            raise refused(iri)


@dataclass(frozen=True)
class Targets:
    """What an update may write: named `graphs`, every named graph (`all_named`), or a graph
    bound at run time (`variable`)."""

    graphs: frozenset[str] = field(default_factory=frozenset)
    all_named: bool = False
    variable: bool = False
    """`GRAPH ?var` in an INSERT template: may create any graph, a blank-node one included."""
    variable_delete: bool = False
    """`GRAPH ?var` in a DELETE template: may reach any graph the store holds."""


def check_update(text: str, base_iri: str | None, held: Callable[[], Iterable[str]]) -> None:
    """Refuse a client's update that may write a system graph (see the module docstring).

    `held` lists the store's graphs; it is asked only for `DROP`/`CLEAR ALL|NAMED`, which
    are refused only when the store holds a system graph.
    """
    if _SERVICE.get() or not _may_name_a_graph(text):
        return
    targets = update_targets(text, base_iri)
    if targets.variable:
        raise ForbiddenOperationError(
            "GRAPH ?variable in an INSERT template may write a system graph "
            "(urn:triskel:..., written by the service alone) or a blank-node graph; "
            "name the graph with an IRI (nothing was written)"
        )
    check_writable(sorted(targets.graphs))
    if targets.all_named or targets.variable_delete:
        system = sorted(g for g in held() if is_system_graph(g) and not _self_checked(g))
        if system:
            what = "DROP/CLEAR ALL or NAMED" if targets.all_named else "DELETE from GRAPH ?var"
            raise ForbiddenOperationError(
                f"{what} could reach <{system[0]}>, a system graph written by the service "
                "alone; name the data graphs with IRIs (nothing was written)"
            )


def _may_name_a_graph(text: str) -> bool:
    """False when none of `_WORDS` occurs in the text even as part of a word (a plain
    substring search, ~2 ms on 1 MB); else whether one occurs as a keyword-like token, or
    glued to the end of another bare word (`trueGRAPH`: the engine reads `true GRAPH`)."""
    lowered = text.lower()
    return any(word in lowered for word in _WORDS) and (
        _KEYWORDS.search(text) is not None or _GLUED.search(text) is not None
    )


_WORDS = ("graph", "with", "drop", "clear", "create", "add", "move", "copy", "load")
_KEYWORD = "(?:GRAPH|WITH|DROP|CLEAR|CREATE|ADD|MOVE|COPY|LOAD)"
_KEYWORDS = re.compile(rf"(?i)(?<![\w:?$]){_KEYWORD}\b")
"""Words without which an update writes only the default graph."""
_GLUED = re.compile(rf"(?i)(?<![\w:?$<#/.\-])[a-z]+{_KEYWORD}\b")
"""One of those words at the end of a longer bare word."""


def _word(token: Token) -> str:
    """The upper-cased bare word a keyword is (`""` for anything else, prefixed names too).

    The engine reads a keyword glued to the end of another word as two (`trueGRAPH` is
    `true GRAPH`), and no SPARQL keyword or function name ends with one of the graph words,
    so such a word is refused rather than guessed at:

    >>> _word(Token("name", "trueGRAPH", 0))
    Traceback (most recent call last):
    ...
    service.errors.ForbiddenOperationError: 'trueGRAPH' glues a keyword to another word; ...
    """
    if token.kind != "name" or ":" in token.text:
        return ""
    word = token.text.upper()
    if word not in _WORDS_UPPER and _GLUED.fullmatch(token.text):
        raise ForbiddenOperationError(
            f"'{token.text}' glues a keyword to another word; separate them with a space "
            "(an update's graphs must be readable to check that none is a system graph; "
            "nothing was written)"
        )
    return word


_WORDS_UPPER = frozenset(word.upper() for word in _WORDS)


def _is(token: Token, punctuation: str) -> bool:
    """True for the punctuation token `punctuation` (a brace in a string or IRI is not one)."""
    return token.kind == "other" and token.text == punctuation


class _Resolver:
    """Absolute IRIs of `<…>` and prefixed-name tokens, by the engine's own rules: the
    text's `PREFIX` and `BASE` (else `base_iri`), `\\u` escapes, relative references."""

    def __init__(self, base_iri: str | None) -> None:
        self.base = base_iri
        self.prefixes: dict[str, str] = {}
        self.known: dict[tuple[str, str], str | None] = {}

    def declare(self, prefix: str | None, iri: str | None) -> None:
        """A `PREFIX` (or with `prefix=None`, a `BASE`) from here on."""
        if prefix is None:
            self.base = iri
        else:
            self.prefixes[prefix] = iri or ""
        self.known.clear()

    def iri(self, token: Token) -> str | None:
        key = (token.kind, token.text)
        if key not in self.known:
            self.known[key] = self._iri(*key)
        return self.known[key]

    def _iri(self, kind: str, value: str) -> str | None:
        if kind == "name" and ":" in value:
            prefix, local = value.split(":", 1)
            namespace = self.prefixes.get(prefix)
            return None if namespace is None else self._turtle(f"<{namespace}>", local)
        return self._turtle(value, "") if kind == "iri" else None

    def _turtle(self, iri: str, local: str) -> str | None:
        """Resolve with pyoxigraph's Turtle parser, which resolves like its SPARQL parser."""
        term = f"p:{local}" if local else iri
        head = f"@prefix p: {iri} .\n" if local else ""
        try:
            quads = ox.parse(
                f"{head}{term} <urn:x:p> <urn:x:o> .".encode(),
                ox.RdfFormat.TURTLE,
                base_iri=self.base,
            )
            subject = next(iter(quads)).subject
        except (SyntaxError, ValueError, StopIteration):
            return None
        return subject.value if isinstance(subject, ox.NamedNode) else None


def update_targets(text: str, base_iri: str | None = None) -> Targets:
    """The graphs an update (already accepted by the engine's parser) may write."""
    found = tokens(text)
    resolve = _Resolver(base_iri)
    graphs: set[str] = set()
    all_named = variable = variable_delete = False
    index, count = 0, len(found)
    template = ""  # INSERT or DELETE: the next top-level `{` opens that template
    while index < count:
        word = _word(found[index])
        after = found[index + 1 : index + 6]
        if word == "PREFIX" and len(after) >= 2 and after[1].kind == "iri":
            resolve.declare(after[0].text.rstrip(":"), resolve.iri(after[1]))
            index += 3
            continue
        if word == "BASE" and after and after[0].kind == "iri":
            resolve.declare(None, resolve.iri(after[0]))
            index += 2
            continue
        if word in ("INSERT", "DELETE"):
            template = word
        elif word == "WHERE":
            template = "DELETE" if index and _word(found[index - 1]) == "DELETE" else ""
        elif word in ("WITH", "CREATE", "DROP", "CLEAR", "LOAD", "ADD", "COPY", "MOVE"):
            written, every = _operation_targets(word, found, index, resolve)
            graphs |= written
            all_named |= every
        elif _is(found[index], "{"):
            end = _closing(found, index)
            if template:
                written, unbound = _template_graphs(found[index:end], resolve)
                graphs |= written
                if template == "INSERT":
                    variable |= unbound
                else:
                    variable_delete |= unbound
            template = ""
            index = end
        index += 1
    return Targets(frozenset(graphs), all_named, variable, variable_delete)


def _operation_targets(
    word: str, tokens: Sequence[Token], index: int, resolve: _Resolver
) -> tuple[set[str], bool]:
    """Graphs one graph-management operation (or `WITH`, `LOAD … INTO`) writes."""
    rest = [t for t in tokens[index + 1 : index + 9] if _word(t) != "SILENT"]
    if word in ("DROP", "CLEAR"):
        first = _word(rest[0]) if rest else ""
        if first in ("ALL", "NAMED"):
            return set(), True
        return _named(rest[1:2] if first == "GRAPH" else rest[:1], resolve), False
    if word in ("WITH", "CREATE"):
        return _named(rest[1:2] if rest and _word(rest[0]) == "GRAPH" else rest[:1], resolve), False
    if word == "LOAD":
        into = next((i for i, t in enumerate(rest) if _word(t) == "INTO"), None)
        return (
            (set(), False) if into is None else (_named(rest[into + 2 : into + 3], resolve), False)
        )
    # ADD / COPY / MOVE [GRAPH] source TO [GRAPH] target; MOVE empties its source too
    terms = [t for t in rest if _word(t) != "GRAPH"]
    to = next((i for i, t in enumerate(terms) if _word(t) == "TO"), None)
    if to is None:
        return set(), False
    written = terms[to + 1 : to + 2] + (terms[:1] if word == "MOVE" else [])
    return _named(written, resolve), False


UNRESOLVED = "urn:triskel:unresolved"
"""Stands for a graph name the scan could not resolve: a system graph, so it is refused."""


def _named(tokens: Sequence[Token], resolve: _Resolver) -> set[str]:
    """The IRIs the tokens name; `DEFAULT` names none; anything unresolvable fails closed."""
    return {resolve.iri(t) or UNRESOLVED for t in tokens if _word(t) not in ("DEFAULT", "GRAPH")}


def _template_graphs(tokens: Sequence[Token], resolve: _Resolver) -> tuple[set[str], bool]:
    """`GRAPH x` names inside a template group: IRIs, and whether one is a variable."""
    graphs: set[str] = set()
    variable = False
    for position, token in enumerate(tokens[:-1]):
        if _word(token) != "GRAPH":
            continue
        following = tokens[position + 1]
        if following.kind in ("var", "other"):
            variable = True  # `GRAPH ?g`, or a name the scan cannot read: refused either way
        else:
            graphs |= _named([following], resolve)
    return graphs, variable


def _closing(tokens: Sequence[Token], opening: int) -> int:
    """The index of the `}` closing the `{` at `opening` (the last token if none does)."""
    depth = 0
    for index in range(opening, len(tokens)):
        if _is(tokens[index], "{"):
            depth += 1
        elif _is(tokens[index], "}"):
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1
