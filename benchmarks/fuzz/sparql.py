"""A grammar-based SPARQL fuzzer: queries to `POST /sparql`, updates to `POST /update`.

Cases are drawn from the SPARQL 1.1 grammar by a seeded random walk: nested groups, `UNION`
/ `OPTIONAL` / `MINUS` chains, property paths, expressions and functions, aggregates with
`GROUP BY` / `HAVING`, subqueries, `VALUES`, solution modifiers, comments ending in CR or LF,
strings with escapes, odd `SERVICE` / `LOAD` spellings, and every update operation with
targets that include the service's own graphs (`urn:triskel:report:x`). About one case in six
is a *large* shape, sized around and past the structural limits of
`service.store.complexity` (nesting, group operations, operators) and of the engine's
measured crash points, sometimes hidden behind a comment that ends in a bare CR.

Every remote IRI points at a closed loopback port or a reserved `.invalid` name, so a
`SERVICE` or `LOAD` the service wrongly ran would fetch nothing from the outside world.

>>> from itertools import islice
>>> [case.body for case in islice(cases(7), 20)] == [case.body for case in islice(cases(7), 20)]
True
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

from benchmarks.fuzz import Case
from service.store.complexity import MAX_NESTING, MAX_OPERATORS, MAX_PATTERN_STEPS

PREFIXES = (
    "PREFIX ex: <https://example.org/larkspur/>\n"
    "PREFIX sb: <https://w3id.org/social-business#>\n"
    "PREFIX org: <http://www.w3.org/ns/org#>\n"
    "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
)
VARIABLES = ("?s", "?p", "?o", "?a", "?b", "?c", "?x", "?n", "$g")
PREDICATES = (
    "sb:participant", "sb:initiator", "sb:enacts", "sb:carriedBy", "org:memberOf",
    "org:unitOf", "sb:usesTool", "rdfs:label", "sb:source", "sb:target", "sb:weight", "a",
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "foaf:name", "ex:nothing",
)  # fmt: skip
NODES = (
    "ex:larkspur", "ex:customerCare", "sb:Person", "sb:Conversation", "sb:Tool",
    "<https://example.org/larkspur/x%20y>", "<urn:fuzz:node>", "[]", "_:b1",
)  # fmt: skip
GRAPHS = (
    "<urn:fuzz:g1>", "<urn:fuzz:g2>", "<urn:fuzz:example>", "<urn:triskel:report:x>",
    "<URN:Triskel:Report:y>", "<urn:triskel:something>", "<https://w3id.org/social-business>",
    "<relative>", "<>",
)  # fmt: skip
REMOTE = (
    "<http://127.0.0.1:9/sparql>", "<http://fuzz.invalid/sparql>", "<file:///etc/passwd>",
    "<http://[::1]:9/>", "?svc", "<http://localhost:9/x>",
)  # fmt: skip
STRINGS = (
    '"plain"', "'single'", '"esc \\" \\\\ \\n \\t \\r \\u00e9 \\U0001F600"', '"""long\nquote"""',
    "'''a ' b''' ", '"x"@en', '"y"@en-GB', '"1"^^xsd:integer', '"nan"^^xsd:double',
    '"2024-01-01"^^xsd:date', '"bad"^^xsd:dateTime', '""', '"\\u0000"', "42", "-0.5", "1e308",
    "true", '"ü ø ß 漢"', '"(.*)*"',
)  # fmt: skip
FUNCTIONS_1 = (
    "STR", "STRLEN", "UCASE", "LCASE", "ENCODE_FOR_URI", "ABS", "ROUND", "CEIL", "isIRI",
    "isLiteral", "BOUND", "DATATYPE", "LANG", "xsd:integer", "xsd:string", "SHA256", "MD5",
    "IRI", "STRUUID", "BNODE", "YEAR", "xsd:double", "isTRIPLE", "SUBJECT",
)  # fmt: skip
FUNCTIONS_2 = (
    "CONCAT", "STRSTARTS", "CONTAINS", "STRBEFORE", "STRAFTER", "langMatches", "REGEX",
    "SUBSTR", "STRDT", "STRLANG", "sameTerm", "COALESCE",
)  # fmt: skip
AGGREGATES = ("COUNT", "SUM", "AVG", "MIN", "MAX", "SAMPLE", "GROUP_CONCAT")
ACCEPTS = (
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values", "text/turtle", "application/ld+json", "application/n-triples",
    "application/rdf+xml", "*/*", "image/png",
)  # fmt: skip
LINE_ENDS = ("\n", "\r", "\r\n")
# Sizes around a limit: under, at, just past, far past (the engine's crash points are 3-30x).
SCALES = (0.5, 0.99, 1.0, 1.01, 2.0, 12.0)


class _Grammar:
    """A random walk over the grammar; `budget` bounds the size of one ordinary case."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.budget = 0

    def pick(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options)

    def spend(self) -> bool:
        """Take one unit of the case's budget; False once it is spent (close the branch)."""
        self.budget -= 1
        return self.budget > 0

    # -- comments and whitespace ----------------------------------------------------------

    def gap(self) -> str:
        """Whitespace, sometimes a comment ending in LF, CR or CRLF that hides keywords."""
        roll = self.rng.random()
        if roll < 0.85:
            return " "
        text = self.pick((" x", " SERVICE <http://127.0.0.1:9/> {", " }}}", " LOAD <x:y>", ""))
        return f" #{text}{self.pick(LINE_ENDS)} "

    # -- terms ----------------------------------------------------------------------------

    def term(self) -> str:
        roll = self.rng.random()
        if roll < 0.45:
            return self.pick(VARIABLES)
        if roll < 0.75:
            return self.pick(NODES)
        if roll < 0.9:
            return self.pick(STRINGS)
        if roll < 0.95:
            return f"<< {self.pick(VARIABLES)} {self.pick(PREDICATES)} {self.pick(VARIABLES)} >>"
        return f"<<( {self.pick(NODES)} {self.pick(PREDICATES)} {self.pick(STRINGS)} )>>"

    def path(self, depth: int = 0) -> str:
        """A predicate or a property path: sequence, alternative, inverse, `*`, `+`, `?`, `!`."""
        if depth > 3 or not self.spend() or self.rng.random() < 0.5:
            return self.pick(PREDICATES)
        form = self.rng.randrange(7)
        inner = self.path(depth + 1)
        if form == 0:
            return f"{inner}/{self.path(depth + 1)}"
        if form == 1:
            return f"({inner}|{self.path(depth + 1)})"
        if form == 2:
            return f"^{inner}"
        if form == 3:
            return f"({inner}){self.pick(('*', '+', '?'))}"
        if form == 4:
            return f"!({self.pick(PREDICATES)}|^{self.pick(PREDICATES)})"
        if form == 5:
            return f"({inner})"
        return f"{self.pick(PREDICATES)}/^{inner}"

    def triples(self) -> str:
        count = self.rng.randint(1, 3)
        parts = [f"{self.term()} {self.path()} {self.term()}" for _ in range(count)]
        return f"{' .'.join(parts)} ."

    # -- expressions ----------------------------------------------------------------------

    def expression(self, depth: int = 0) -> str:
        if depth > 4 or not self.spend() or self.rng.random() < 0.3:
            return self.term() if self.rng.random() < 0.8 else self.pick(("NOW()", "RAND()"))
        form = self.rng.randrange(9)
        left, right = self.expression(depth + 1), self.expression(depth + 1)
        if form == 0:
            return f"({left} {self.pick(('+', '-', '*', '/'))} {right})"
        if form == 1:
            return f"({left} {self.pick(('=', '!=', '<', '>=', '&&', '||'))} {right})"
        if form == 2:
            return f"{self.pick(FUNCTIONS_1)}({left})"
        if form == 3:
            return f"{self.pick(FUNCTIONS_2)}({left}, {right})"
        if form == 4:
            flags = self.pick(("", ', "i"', ', "q"', ', "x"', ', "zz"'))
            return f'REPLACE(STR({left}), {self.pick(STRINGS)}, "$1$1"{flags})'
        if form == 5:
            return f"SUBSTR(STR({left}), {self.rng.randint(-3, 9)}, {self.rng.randint(-1, 9)})"
        if form == 6:
            return f"IF({left}, {right}, {self.term()})"
        if form == 7:
            return f"!{left}"
        return f"({left} IN ({right}, {self.term()}))"

    # -- patterns -------------------------------------------------------------------------

    def group(self, depth: int = 0) -> str:
        return f"{{{self.gap()}{self.pattern(depth + 1)}{self.gap()}}}"

    def pattern(self, depth: int = 0) -> str:
        """A group graph pattern's content: a few elements drawn from the grammar."""
        if depth > 5 or not self.spend():
            return self.triples()
        elements = [self.element(depth) for _ in range(self.rng.randint(1, 3))]
        return self.gap().join(elements)

    def element(self, depth: int) -> str:
        form = self.rng.randrange(12)
        if form <= 1:
            return self.triples()
        if form == 2:
            branches = [self.group(depth) for _ in range(self.rng.randint(2, 4))]
            return " UNION ".join(branches)
        if form == 3:
            return f"OPTIONAL {self.group(depth)}"
        if form == 4:
            return f"MINUS {self.group(depth)}"
        if form == 5:
            return f"FILTER ({self.expression()})"
        if form == 6:
            return f"BIND ({self.expression()} AS ?v{self.rng.randrange(4)})"
        if form == 7:
            return self.values()
        if form == 8:
            return f"GRAPH {self.pick((*GRAPHS, '?g'))} {self.group(depth)}"
        if form == 9:
            return f"{{ {self.select(depth + 1)} }}"
        if form == 10:
            return self.service(depth)
        return self.group(depth)

    def values(self) -> str:
        rows = " ".join(f"({self.pick(STRINGS)} UNDEF)" for _ in range(self.rng.randint(0, 4)))
        return f"VALUES (?x ?n) {{ {rows} }}"

    def service(self, depth: int) -> str:
        keyword = self.pick(("SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "SERVICE\tSILENT"))
        return f"{keyword} {self.pick(REMOTE)} {self.group(depth)}"

    # -- queries --------------------------------------------------------------------------

    def select(self, depth: int = 0) -> str:
        distinct = self.pick(("", "DISTINCT ", "REDUCED "))
        grouped = self.rng.random() < 0.3
        if grouped:
            aggregate = self.pick(AGGREGATES)
            argument = self.pick(("*", "?o", "DISTINCT ?s", self.expression()))
            if aggregate == "GROUP_CONCAT":
                argument = f"{self.pick(VARIABLES)}; SEPARATOR={self.pick(STRINGS[:4])}"
            elif argument == "*" and aggregate != "COUNT":
                argument = "?o"
            head = f"?s ({aggregate}({argument}) AS ?agg)"
        else:
            head = self.pick(("*", "?s ?o", f"({self.expression()} AS ?e) ?s"))
        text = f"SELECT {distinct}{head} WHERE {self.group(depth)}"
        if grouped:
            text += " GROUP BY ?s"
            if self.rng.random() < 0.5:
                text += f" HAVING ({self.expression()})"
        return text + self.modifiers()

    def modifiers(self) -> str:
        text = ""
        if self.rng.random() < 0.4:
            keys = " ".join(
                self.pick(("?s", "DESC(?o)", "ASC(?x)", f"({self.expression()})")) for _ in range(2)
            )
            text += f" ORDER BY {keys}"
        if self.rng.random() < 0.5:
            text += f" LIMIT {self.pick(('0', '1', '10', '999999999999999999999'))}"
        if self.rng.random() < 0.2:
            text += f" OFFSET {self.rng.randint(0, 50)}"
        return text

    def query(self) -> str:
        form = self.rng.randrange(6)
        if form <= 2:
            body = self.select()
        elif form == 3:
            body = f"ASK {self.group()}"
        elif form == 4:
            template = f"{self.term()} {self.pick(PREDICATES)} {self.term()}"
            body = f"CONSTRUCT {{ {template} }} WHERE {self.group()}{self.modifiers()}"
        else:
            body = self.pick(("DESCRIBE ?s WHERE ", "DESCRIBE ex:larkspur ", "CONSTRUCT WHERE "))
            body += "{ ?s ?p ?o }" if body.startswith("CONSTRUCT") else self.group()
        dataset = self.pick(
            ("", "", "", f"FROM {self.pick(GRAPHS)} ", f"FROM NAMED {self.pick(GRAPHS)} ")
        )
        return PREFIXES + self.gap() + (body.replace(" WHERE ", f" {dataset}WHERE ", 1))

    # -- updates --------------------------------------------------------------------------

    def quads(self) -> str:
        triples = " ".join(
            f"{self.pick(NODES[:6])} {self.pick(PREDICATES[:-3])} {self.pick(STRINGS)} ."
            for _ in range(self.rng.randint(1, 4))
        )
        if self.rng.random() < 0.5:
            return triples
        return f"GRAPH {self.pick(GRAPHS)} {{ {triples} }}"

    def target(self) -> str:
        return self.pick(("DEFAULT", f"GRAPH {self.pick(GRAPHS)}", self.pick(GRAPHS)))

    def operation(self) -> str:
        form = self.rng.randrange(9)
        silent = self.pick(("", "SILENT "))
        if form == 0:
            return f"INSERT DATA {{ {self.quads()} }}"
        if form == 1:
            return f"DELETE DATA {{ {self.quads()} }}"
        if form == 2:
            using = self.pick(
                ("", f"USING {self.pick(GRAPHS)} ", f"USING NAMED {self.pick(GRAPHS)} ")
            )
            with_ = self.pick(("", f"WITH {self.pick(GRAPHS)} "))
            template = f"{{ {self.pick(('?s', '?o'))} {self.pick(PREDICATES[:-3])} {self.term()} }}"
            edits = self.pick(
                (
                    f"DELETE {template} ",
                    f"INSERT {template} ",
                    f"DELETE {template} INSERT {template} ",
                )
            )
            return f"{with_}{edits}{using}WHERE {self.group()}"
        if form == 3:
            return f"DELETE WHERE {{ {self.pick(('?s', '?o'))} ex:nothing ?o }}"
        if form == 4:
            scope = self.pick(("ALL", "NAMED", "DEFAULT", f"GRAPH {self.pick(GRAPHS)}"))
            return f"{self.pick(('DROP', 'CLEAR', 'drop', 'Clear'))} {silent}{scope}"
        if form == 5:
            verb = self.pick(("ADD", "MOVE", "COPY"))
            return f"{verb} {silent}{self.target()} TO {self.target()}"
        if form == 6:
            keyword = self.pick(("LOAD", "load", "LoAd", "LOAD\r"))
            into = self.pick(("", f" INTO GRAPH {self.pick(GRAPHS)}"))
            return f"{keyword} {silent}{self.pick(REMOTE[:-2])}{into}"
        if form == 7:
            return f"CREATE {silent}GRAPH {self.pick(GRAPHS)}"
        return (
            f"INSERT {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ BIND(BNODE() AS ?g) {self.triples()} }}"
        )

    def update(self) -> str:
        operations = [self.operation() for _ in range(self.rng.randint(1, 3))]
        return PREFIXES + f" ;{self.gap()}".join(operations)


# -- large shapes: each a (name, limit, builder of a text of size n) ----------------------


def _repeated(head: str, piece: str, joint: str, tail: str) -> Callable[[int], str]:
    """The builder of `head`, `n` copies of `piece` joined by `joint`, then `tail`: most
    large shapes are one construct said again and again."""
    return lambda n: head + joint.join([piece] * n) + tail


def _numbered(head: str, piece: str, tail: str) -> Callable[[int], str]:
    """As `_repeated`, joined by spaces, each copy of `piece` with `{i}` its number (from 0)
    and `{j}` the next: patterns and rows that must not be the same."""
    return lambda n: head + " ".join(piece.format(i=i, j=i + 1) for i in range(n)) + tail


def _nested(head: str, opening: str, core: str, closing: str, tail: str) -> Callable[[int], str]:
    """The builder of `head`, `n` openings, `core`, `n` closings, then `tail`."""
    return lambda n: head + opening * n + core + closing * n + tail


def _replace(n: int) -> str:
    big = "a" * n
    return f'SELECT (STRLEN(REPLACE("{big}", "", "{big}")) AS ?n) {{}}'


def _product(n: int) -> str:
    return "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT " + str(n)


_WHERE = "SELECT * WHERE { "
_ANY = f"{_WHERE}?s ?p ?o "
_PATTERNS = "?s{i} ?p{i} ?o{i} ."

LARGE: tuple[tuple[str, int, Callable[[int], str]], ...] = (
    ("nested-groups", MAX_NESTING, _nested("SELECT * WHERE ", "{ ", "?s ?p ?o", " }", "")),
    ("union-chain", MAX_PATTERN_STEPS, _repeated(_WHERE, "{ ?s ?p ?o }", " UNION ", " }")),
    ("or-chain", MAX_OPERATORS, _repeated(f"{_ANY}FILTER(", "?o = 1", " || ", ") }")),
    ("plus-chain", MAX_OPERATORS, _repeated(f"{_ANY}BIND(", "1", " + ", " AS ?x) }")),
    ("sequence-path", MAX_OPERATORS, _repeated(f"{_WHERE}?s ", "sb:participant", "/", " ?o }")),
    ("alternative-path", MAX_OPERATORS, _repeated(f"{_WHERE}?s ", "sb:participant", "|", " ?o }")),
    ("optional-chain", MAX_PATTERN_STEPS, _repeated(_ANY, "OPTIONAL { ?s ?p ?o }", " ", " }")),
    ("minus-chain", MAX_PATTERN_STEPS, _repeated(_ANY, "MINUS { ?s ?p ?o }", " ", " }")),
    ("filter-chain", MAX_PATTERN_STEPS, _repeated(_ANY, "FILTER(?o != 1)", " ", " }")),
    (
        "bind-chain",
        MAX_PATTERN_STEPS,
        _numbered(f"{_WHERE}BIND(1 AS ?x0) ", "BIND(?x{i} AS ?x{j})", " }"),
    ),
    ("parentheses", MAX_NESTING, _nested(f"{_ANY}FILTER(", "(", "?o", ")", ") }")),
    ("not-chain", MAX_OPERATORS, _repeated(f"{_ANY}FILTER(", "!", "", "BOUND(?o)) }")),
    ("blank-nodes", MAX_NESTING, _nested(f"{_WHERE}?s ", "sb:participant [ ", "?p ?o", " ]", " }")),
    ("triple-patterns", 300, _numbered(_WHERE, _PATTERNS, " }")),
    ("values-rows", 10_000, _numbered(f"{_WHERE}VALUES ?x {{ ", "-{i}", " } }")),
    ("replace-huge", 20_000, _replace),
    (
        "concat-many",
        5_000,
        _repeated("SELECT (STRLEN(CONCAT(", f'"{"x" * 100}"', ", ", ")) AS ?n) {}"),
    ),
    ("cartesian-order", 1, _product),
    (
        "insert-data-many",
        20_000,
        _numbered(
            "INSERT DATA { GRAPH <urn:fuzz:big> { ", "<urn:fuzz:s{i}> <urn:fuzz:p> {i} .", " } }"
        ),
    ),
    (
        "insert-where-join",
        3,
        _numbered("INSERT { GRAPH <urn:fuzz:copy> { ?s0 ?p0 ?o0 } } WHERE { ", _PATTERNS, " }"),
    ),
)


def _large(rng: random.Random) -> tuple[str, str]:
    """A large shape at a size around its limit, its keywords perhaps behind a CR comment."""
    name, limit, build = rng.choice(LARGE)
    size = max(1, int(limit * rng.choice(SCALES)))
    text = build(size)
    if rng.random() < 0.3:  # the scanner and the engine must agree where a comment ends
        text = text.replace("{ ", "# hidden\r{ ", 3)
    return f"large:{name}:{size}", PREFIXES + text


def _request(kind: str, text: str, update: bool, rng: random.Random) -> Case:
    """The text as a direct POST or as a form, to its endpoint."""
    field, path = ("update", "/update") if update else ("query", "/sparql")
    accept = None if update or rng.random() < 0.6 else rng.choice(ACCEPTS)
    if rng.random() < 0.5:
        direct = f"application/sparql-{field}"
        return Case(kind, "POST", path, text.encode(), direct, accept)
    form = urlencode({field: text}).encode()
    return Case(kind, "POST", path, form, "application/x-www-form-urlencoded", accept)


def cases(seed: int) -> Iterator[Case]:
    """The endless stream of SPARQL cases for `seed`: the same seed, the same cases."""
    rng = random.Random(seed)
    grammar = _Grammar(rng)
    while True:
        roll = rng.random()
        if roll < 0.15:
            kind, text = _large(rng)
            update = kind.startswith("large:insert")
        else:
            grammar.budget = rng.randint(4, 40)
            update = roll > 0.75
            text = grammar.update() if update else grammar.query()
            kind = "update" if update else "query"
        yield _request(kind, text, update, rng)
