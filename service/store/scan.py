"""What the store learns from SPARQL text before any engine sees it, from its tokens.

The tokens are the engine's own terminals (`service.store.sparqltokens`, which says how they
were made to agree with pyoxigraph's parser and where no tokeniser can).

1. Refuse operations that would make the engine fetch from elsewhere (DESIGN §8).

`SERVICE` (in queries and updates) and `LOAD` name a URL the engine would fetch. They are
refused before the text reaches any engine unless `TRISKEL_ALLOWED_HOSTS` names the URL's
host. A `SERVICE` inside a string, an IRI, a comment, a variable name or the local part of a
prefixed name is not an operation, and the IRI after the keyword is resolved through the
text's own `PREFIX` and `BASE` declarations. A `SERVICE ?var`, whose target is only known at
run time, is always refused. Where the engine may read the text otherwise than its tokens:

* it matches keywords letter by letter, with no word boundary, so a keyword may hide inside a
  longer word (`trueSERVICE <x> {}`, `SERVICEex:a {}`, `LOADSILENT<x>`): every word that
  holds `SERVICE` or `LOAD` is taken as that keyword wherever the grammar could put it;
* an IRI token holding `'` may be "less than" and a string (`sparqltokens.ambiguous_iri`):
  a text with such a token that mentions `SERVICE` or `LOAD` anywhere is refused;
* a text that does not hold the letters `SERVICE` or `LOAD` at all, in any case, cannot
  fetch: no escape spells a keyword (pyoxigraph reads `\\u0053ERVICE` as a syntax error).

A `SERVICE SILENT` whose target would be refused is not refused: `silence_refused_services`
replaces it by `{}` before evaluation, since SPARQL 1.1 Federated Query §4 makes a failed
SILENT service the single empty solution (the join identity), and refusing to fetch is such a
failure. Only the plain form `SERVICE SILENT <iri> { ... }` (or a prefixed name, or a
variable) is rewritten; every other `SERVICE` left in the text is then refused as above.

`FROM`/`FROM NAMED` (queries) and `USING`/`USING NAMED` (updates) fetch nothing: both
engines (pyoxigraph, and Oxigraph server or Fuseki behind the remote store) read a dataset
from the store only, and a graph it does not hold is an empty graph.

2. Refuse text too deep or too long for the engine (`service.store.complexity`): pyoxigraph's
recursive parser and evaluator crash the whole process (a segmentation fault, not an
exception) on a few thousand nested groups or chained operators.

3. Refuse RDF 1.2 triple terms (`check_triple_terms`): the engine parses SPARQL 1.2, but the
rest of the service (results, exports, validation) takes RDF 1.1 only, as uploads do.

4. Tell whether a query names its own dataset (`FROM`/`FROM NAMED`): the union default graph
is asked for only when it does not, since both engines let the union option override `FROM`.

5. Tell whether an update may evaluate a graph pattern (`evaluates_patterns`), the part of an
update whose cost has no bound: the store tries those in a worker process first.

>>> check_operations("SELECT * { ?s ?p 'SERVICE <http://x/>' }", allowed_hosts="")
>>> check_operations("LOAD <file:///etc/passwd>", allowed_hosts="")
Traceback (most recent call last):
...
service.errors.ForbiddenOperationError: LOAD <file:///etc/passwd> is refused: ...
>>> check_operations("ASK { ?s ?p true } # x\\rSERVICE <http://x/> {}", allowed_hosts="")
Traceback (most recent call last):
...
service.errors.ForbiddenOperationError: SERVICE <http://x/> is refused: ...
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from service.errors import ForbiddenOperationError, InputError
from service.rdf.xmlguard import TRIPLE_TERMS
from service.store.complexity import MAX_NESTING, check_complexity
from service.store.sparqltokens import Token, ambiguous_iri, tokens, unescape_iri

__all__ = [
    "BUILT_IN_FUNCTIONS",
    "MAX_NESTING",
    "calls_as_errors",
    "check_complexity",
    "check_nesting",
    "check_operations",
    "check_triple_terms",
    "evaluates_patterns",
    "extension_functions",
    "has_dataset_clause",
    "silence_refused_services",
    "where_group_start",
]

_FETCHING = re.compile("SERVICE|LOAD")
_MAY_FETCH = re.compile("service|load", re.IGNORECASE)
BUILT_IN_FUNCTIONS = (
    "http://www.w3.org/2001/XMLSchema#",
    "http://www.opengis.net/def/function/geosparql/",
)
"""Namespaces of the function IRIs the engine evaluates itself (casts, GeoSPARQL)."""


def check_nesting(text: str) -> None:
    """Raise `InputError` ("too complex") for text past any structural limit of the engine:
    brackets nested too deep, too many `UNION`s, operators or path steps
    (`complexity.check_complexity`, under the name its callers know).

    >>> check_nesting("SELECT * WHERE " + "{" * 300 + "}" * 300)
    Traceback (most recent call last):
    ...
    service.errors.InputError: the query is too complex: brackets nested deeper than 256 levels
    """
    check_complexity(text)


_MAY_NAME_TRIPLE_TERMS = re.compile(r"<<|>>|\{\||~|triple|subject|predicate|object", re.IGNORECASE)
"""Text without any of these cannot hold RDF 1.2 triple-term syntax or functions."""
_TRIPLE_FUNCTIONS = ("TRIPLE", "SUBJECT", "PREDICATE", "OBJECT")
"""RDF 1.2 functions that make or take apart triple terms (`isTRIPLE` ends with `TRIPLE`)."""


def check_triple_terms(text: str) -> None:
    """Raise `InputError` ("RDF 1.2 triple terms are not supported") for text that writes a
    triple term or calls a triple-term function; syntax is left to the engine.

    pyoxigraph 0.5 parses SPARQL 1.2: `<<( s p o )>>`, `<< s p o >>`, `~ reifier`,
    annotations `{| p o |}` and the functions `TRIPLE`, `SUBJECT`, `PREDICATE`, `OBJECT`,
    `isTRIPLE`. Uploads refuse triple terms (`service.rdf.reader`) because the JSON-LD export,
    the SPARQL results and pySHACL fail on them; an update could store them all the same and
    a query could answer with one, so they are refused here too. None of these forms is
    SPARQL 1.1, so no 1.1 text is refused, with one exception: `<` glued to an IRI
    (`?o<<http://e/>`), which the engine may read as `<<`; write `?o < <http://e/>`.

    >>> check_triple_terms("SELECT * { ?s ?p ?o FILTER(?o < <http://e/>) } # <<(")
    >>> check_triple_terms("INSERT DATA { <a:s> <a:p> <<( <a:s> <a:p> 1 )>> }")
    Traceback (most recent call last):
    ...
    service.errors.InputError: RDF 1.2 triple terms are not supported ('<<' at line 1 column 27)
    """
    if not _MAY_NAME_TRIPLE_TERMS.search(text):
        return
    found = tokens(text)
    for index, token in enumerate(found):
        following = found[index + 1] if index + 1 < len(found) else None
        if _triple_term_syntax(token, following):
            shown = token.text + (following.text[0] if following else "")
            line = text.count("\n", 0, token.start) + 1
            column = token.start - (text.rfind("\n", 0, token.start) + 1) + 1
            raise InputError(f"{TRIPLE_TERMS} ({shown!r} at line {line} column {column})")


def _triple_term_syntax(token: Token, following: Token | None) -> bool:
    """True when `token` (and the one after it) starts triple-term syntax or a triple-term
    function call as the engine may read it.

    `<<` and `>>` are single terminals, so only glued brackets count; the tokens may show
    `<<(?s?p?o)>>` as `<`, the IRI `<(?s?p?o)>`, `>`, hence any token that starts with `<`
    glued to a `<`. A function name is matched at the end of a word, since the engine reads
    keywords with no word boundary (`FILTERisTRIPLE(?o)` is `FILTER isTRIPLE(?o)`).
    """
    if following is None:
        return token.kind == "other" and token.text == "~"
    glued = following.start == token.start + len(token.text)
    if token.kind == "other":
        pair = (token.text, following.text[:1])
        if token.text == "~" or pair == ("{", "|"):
            return True
        return glued and pair in (("<", "<"), (">", ">")) and following.kind in ("other", "iri")
    return (
        token.kind == "name"
        and ":" not in token.text
        and following.text == "("
        and token.text.upper().endswith(_TRIPLE_FUNCTIONS)
    )


def has_dataset_clause(query: str) -> bool:
    """True when the query has a `FROM` or `FROM NAMED` clause.

    >>> has_dataset_clause("SELECT * FROM <http://g> { ?s ?p 'FROM' }")
    True
    """
    return any(t.kind == "name" and t.text.upper() in _FROM for t in tokens(query))


_FROM = frozenset({"FROM", "FROMNAMED"})

_MAY_MATCH = re.compile("where", re.IGNORECASE)


def evaluates_patterns(update: str) -> bool:
    """True when an update may evaluate a graph pattern: `DELETE`/`INSERT … WHERE` or
    `DELETE WHERE`, whose cost grows with the data and the pattern without bound.

    Every such operation needs the keyword `WHERE` (Update grammar, `Modify` and
    `DeleteWhere`; pyoxigraph refuses a modify without it) and no escape spells a keyword,
    so text without those letters, in any case, evaluates none: `INSERT DATA`, `DELETE
    DATA`, `CLEAR`, `DROP`, `CREATE`, `ADD`/`COPY`/`MOVE` (a copy, linear in the graph) and
    `LOAD`. The letters in a string, an IRI or a comment only cost a needless trial.

    >>> evaluates_patterns("DELETE { ?s ?p ?o } wHeRe { ?s ?p ?o }")
    True
    >>> evaluates_patterns("INSERT DATA { <a:s> <a:p> 1 } ; DROP SILENT GRAPH <a:g>")
    False
    """
    return _MAY_MATCH.search(update) is not None


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
    for token in tokens(query):
        word = token.text.upper() if token.kind == "name" and depth == 0 else ""
        if word in ("SELECT", "ASK", "DESCRIBE", "CONSTRUCT") and not form:
            form = word
        elif word == "WHERE":
            form = "WHERE"
        elif token.opens():
            if token.text == "{" and depth == 0 and form not in ("", "CONSTRUCT"):
                return token.start + 1
            depth += 1
        elif token.closes():
            depth -= 1
    raise InputError("the query has no WHERE group to bind values in")


def _allowed(iri: str, allowed_hosts: str) -> bool:
    """True when the IRI is an http(s) URL whose host the allow-list names."""
    hosts = {h.strip().lower() for h in allowed_hosts.split(",") if h.strip()}
    try:
        parts = urlsplit(iri)
        host = parts.hostname or ""
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and host in hosts


def _target(token: Token, prefixes: dict[str, str], base: str) -> str | None:
    """The absolute IRI a token names, or None when it names none (a variable, a keyword).

    As the engine reads it: `\\u` escapes in IRIs decoded, relative IRIs resolved against
    the base, a prefixed name's local part without its backslashes.
    """
    if token.kind == "iri":
        iri = unescape_iri(token.text)
        return urljoin(base, iri) if base else iri
    if token.kind == "name" and ":" in token.text:
        prefix, local = token.text.split(":", 1)
        return prefixes[prefix] + local.replace("\\", "") if prefix in prefixes else None
    return None


def _walk(
    text: str, base: str = ""
) -> Iterator[tuple[tuple[Token, ...], int, dict[str, str], str]]:
    """(tokens, index, prefixes, base) per token, with the `PREFIX`/`BASE` declared so far
    (also `PREFIXex:<...>`, which the engine reads as a declaration too)."""
    prefixes: dict[str, str] = {}
    found = tokens(text)
    for index, token in enumerate(found):
        following = found[index + 1 : index + 3]
        if token.kind == "name" and following:
            upper = token.text.upper()
            if upper == "PREFIX" and len(following) == 2 and following[1].kind == "iri":
                prefixes[following[0].text.rstrip(":")] = _target(following[1], {}, base) or ""
            elif upper.startswith("PREFIX") and upper.endswith(":") and following[0].kind == "iri":
                prefixes[token.text[6:-1]] = _target(following[0], {}, base) or ""
            elif upper == "BASE" and following[0].kind == "iri":
                base = _target(following[0], {}, base) or ""
        yield found, index, prefixes, base


def check_operations(text: str, *, allowed_hosts: str) -> None:
    """Raise `ForbiddenOperationError` for a `SERVICE` or `LOAD` to a host not allowed.

    Syntax is not checked here (the engine does that); a malformed text simply yields
    whatever tokens it has. See the module docstring for how keywords the engine could read
    inside longer words are found.
    """
    if not _MAY_FETCH.search(text):
        return
    ambiguous = ambiguous_iri(tokens(text))
    if ambiguous is not None:
        raise ForbiddenOperationError(
            f"the text is refused: it mentions SERVICE or LOAD and holds {ambiguous.text[:60]}, "
            "which the engine may read as a comparison with a string rather than an IRI, so "
            "what it would fetch cannot be told; write the quote in the IRI as %27"
        )
    depth = 0
    for found, index, prefixes, base in _walk(text):
        token = found[index]
        if token.opens():
            depth += 1
        elif token.closes():
            depth -= 1
        for keyword in _FETCHING.finditer(token.word):
            _check_keyword(found, index, keyword, depth, prefixes, base, allowed_hosts)


def _check_keyword(
    found: tuple[Token, ...],
    index: int,
    keyword: re.Match[str],
    depth: int,
    prefixes: dict[str, str],
    base: str,
    allowed_hosts: str,
) -> None:
    """Refuse one `SERVICE`/`LOAD` the engine could read at `found[index]` unless its
    target's host is allowed.

    A word that is exactly the keyword is always checked. A keyword inside a longer word is
    checked where the grammar could put it: a `SERVICE` whose target is followed by `{`, a
    `LOAD` that starts an operation (at depth 0, first or after `;` or a prologue's IRI).
    """
    token = found[index]
    name = keyword.group()
    glued = token.text.upper() != name
    rest = token.text[keyword.end() :]
    silent = rest.upper().startswith("SILENT")
    rest = rest[6:] if silent else rest
    after = index + 1
    if not rest and not silent and after < len(found) and found[after].text.upper() == "SILENT":
        after += 1
    targets: list[Token] = []
    if rest:
        targets.append(Token("name", rest, token.start))
    elif after < len(found):
        targets.append(found[after])
        word = found[after].text
        if found[after].kind == "name" and word[:6].upper() == "SILENT" and ":" in word:
            targets.append(Token("name", word[6:], found[after].start))  # SILENTex:a
        after += 1
    if glued and not _keyword_position(name, found, index, after, depth):
        return
    for target in targets or [Token("other", "", token.start)]:
        iri = _target(target, prefixes, base)
        if iri is None or not _allowed(iri, allowed_hosts):
            raise ForbiddenOperationError(
                f"{name} {target.text} is refused: the service fetches nothing from other "
                "hosts unless TRISKEL_ALLOWED_HOSTS names the host"
            )


def silence_refused_services(text: str, *, allowed_hosts: str) -> str:
    """The text with each `SERVICE SILENT <target> { ... }` that would be refused replaced by
    `{}`, the empty group: what a SILENT service that failed gives.

    A variable target (`SERVICE SILENT ?s { ... }`) is known only at run time: it is replaced
    when no host is allowed (whatever `?s` is bound to, the fetch would be refused, so every
    call fails silently) and left, to be refused, when some host is. A pattern whose brackets
    do not nest, a target with an undeclared prefix, and any text whose IRIs are ambiguous
    (`sparqltokens.ambiguous_iri`) are left as they are, for `check_operations` to refuse: the
    rewrite only ever removes text, and the result must still pass `check_operations`.

    >>> silence_refused_services(
    ...     "SELECT * { ?s ?p ?o SERVICE SILENT <http://x/> { ?s ?q [ ?r {} ] } }", allowed_hosts=""
    ... )
    'SELECT * { ?s ?p ?o {} }'
    >>> silence_refused_services("ASK { SERVICE SILENT <http://x/> {} }", allowed_hosts="x")
    'ASK { SERVICE SILENT <http://x/> {} }'
    """
    if not _MAY_FETCH.search(text) or ambiguous_iri(tokens(text)) is not None:
        return text
    cuts: list[tuple[int, int]] = []
    resume = 0
    for found, index, prefixes, base in _walk(text):
        if index < resume or not _refused_silent_service(
            found, index, prefixes, base, allowed_hosts
        ):
            continue
        closing = _matching(found, index + 3)
        if closing is not None:
            cuts.append((found[index].start, found[closing].start + 1))
            resume = closing + 1
    for start, end in reversed(cuts):
        text = f"{text[:start]}{{}}{text[end:]}"
    return text


def _refused_silent_service(
    found: tuple[Token, ...], index: int, prefixes: dict[str, str], base: str, allowed_hosts: str
) -> bool:
    """True when `found[index:index + 4]` is `SERVICE SILENT target {` and the target is a
    variable with no host allowed, or names a host that is not allowed."""
    words = found[index : index + 4]
    if len(words) < 4 or [t.text.upper() for t in words[:2]] != ["SERVICE", "SILENT"]:
        return False
    target, opening = words[2], words[3]
    if words[0].kind != "name" or opening.kind != "other" or opening.text != "{":
        return False
    if target.kind == "var":
        return not any(host.strip() for host in allowed_hosts.split(","))
    iri = _target(target, prefixes, base)
    return iri is not None and not _allowed(iri, allowed_hosts)


_PAIRS = {"{": "}", "(": ")", "[": "]"}


def _matching(found: tuple[Token, ...], opening: int) -> int | None:
    """The index of the bracket closing the one at `opening`, or None when the brackets
    between them do not nest properly or it is never closed."""
    expected: list[str] = []
    for index in range(opening, len(found)):
        token = found[index]
        if token.opens():
            expected.append(_PAIRS[token.text])
        elif token.closes():
            if not expected or expected.pop() != token.text:
                return None
            if not expected:
                return index
    return None


def _keyword_position(
    name: str, found: tuple[Token, ...], index: int, after: int, depth: int
) -> bool:
    """True where the grammar could read a keyword hidden in a longer word at `index`."""
    if name == "SERVICE":
        return after < len(found) and found[after].text == "{"
    previous = found[index - 1] if index else None
    if previous is not None and previous.kind == "name" and previous.text.upper() == "PREFIX":
        return False
    return depth == 0 and (previous is None or previous.text == ";" or previous.kind == "iri")


def extension_functions(query: str, base_iri: str | None = None) -> frozenset[str]:
    """The IRIs the query calls as functions, except the engine's own (XSD casts, GeoSPARQL).

    A call is an IRI or prefixed name right before `(`; a property followed by a collection
    (`?s ex:p (1 2)`) counts too, which is harmless: an extra name is never called. Relative
    IRIs resolve against the text's `BASE`, else `base_iri`.

    >>> sorted(extension_functions("PREFIX : <http://ex/> SELECT (:f(xsd:int(?x)) AS ?y) {}"))
    ['http://ex/f']
    """
    found: set[str] = set()
    for found_tokens, index, prefixes, base in _walk(query, base_iri or ""):
        following = found_tokens[index + 1 : index + 2]
        if not following or following[0].text != "(" or following[0].kind != "other":
            continue
        iri = _target(found_tokens[index], prefixes, base)
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
    cuts: list[tuple[int, int]] = []
    opened: list[str] = []
    resume = 0
    for found, index, prefixes, base in _walk(query, base_iri or ""):
        token = found[index]
        if token.opens():
            opened.append(token.text)
        elif token.closes() and opened:
            opened.pop()
        following = found[index + 1 : index + 2]
        if index < resume or not following or following[0].text != "(":
            continue
        before = found[index - 1].text.upper() if index else ""
        if not (opened and opened[-1] == "(") and before not in ("FILTER", "BY", "HAVING"):
            continue
        iri = _target(token, prefixes, base)
        if iri and not iri.startswith(BUILT_IN_FUNCTIONS):
            closing = _matching(found, index + 1)
            resume = (len(found) - 1 if closing is None else closing) + 1
            cuts.append((token.start, found[resume - 1].start + 1))
    for start, end in reversed(cuts):
        query = f"{query[:start]}COALESCE(){query[end:]}"
    return query
