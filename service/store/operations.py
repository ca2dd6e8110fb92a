"""A SPARQL update cut into its operations, from the tokens the store's analyser reads.

The store computes what an update changes before it applies it (`service.store.delta`): it
needs each operation's kind, its graphs, its templates as quad patterns and its `WHERE`
group. All of it comes from `sparqltokens.tokens`, the engine's own terminals, after the
engine's parser accepted the text (`Store.check_update`), so comments (also those ending at a
bare carriage return), strings and IRIs holding braces never cut an operation in the wrong
place. A template is read by pyoxigraph's TriG parser, each variable stood in for by an IRI
of its own (`Template`): TriG's triples are SPARQL's (prefixed names, `a`, lists, `[ ]`,
literals), and the same parser resolves IRIs against the same `PREFIX` and `BASE`.

Text the analyser cannot read as it reads the grammar (keywords glued to other words, which
the engine accepts) is `UnreadableUpdate`; the store then refuses it rather than guess.

>>> [op.kind for op in operations("PREFIX : <http://e/> INSERT DATA { :a :b 'x;y' } ;"
...                                " # ; DROP ALL\\r DELETE WHERE { ?s :b ?o }")]
['INSERT DATA', 'DELETE WHERE']
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.errors import InputError
from service.store.sparqltokens import Token, tokens

GRAPH_OPS = ("CLEAR", "DROP", "CREATE", "ADD", "COPY", "MOVE", "LOAD")
ANY_NAMED = "*"
"""In a set of graph keys: any named graph (`""` is the default graph, else an IRI)."""


class UnreadableUpdate(InputError):
    """The update parses, but not as the analyser reads the grammar."""


@dataclass(frozen=True)
class Var:
    """A variable of a template."""

    name: str


PatternTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph | Var


@dataclass(frozen=True)
class Template:
    """A quad template: the quads of a `{ ... }` with variables (`Var`) and template blank
    nodes (fresh for each solution when instantiated)."""

    quads: tuple[tuple[PatternTerm, PatternTerm, PatternTerm, PatternTerm], ...]

    @property
    def variables(self) -> frozenset[str]:
        """The names of its variables."""
        return frozenset(t.name for q in self.quads for t in q if isinstance(t, Var))

    @property
    def has_blank_nodes(self) -> bool:
        """True when instantiating it makes fresh blank nodes."""
        return any(isinstance(t, ox.BlankNode) for q in self.quads for t in q)


@dataclass(frozen=True)
class Operation:
    """One operation of an update, with the prologue in force at its start.

    `kind` is `INSERT DATA`, `DELETE DATA`, `DELETE WHERE`, `MODIFY` or one of `GRAPH_OPS`.
    Graph operands (`graphs`) are absolute IRIs, `""` for `DEFAULT`, `NAMED` or `ALL` as
    such; `where` is the text of the `WHERE` group (braces included).
    """

    kind: str
    prologue: str
    base_iri: str | None
    silent: bool = False
    graphs: tuple[str, ...] = ()
    with_graph: str | None = None
    using: tuple[str, ...] = ()
    using_named: tuple[str, ...] | None = None
    delete: Template | None = None
    insert: Template | None = None
    where: str = ""
    reads: frozenset[str] = field(default_factory=frozenset)
    """Graph keys its `WHERE` may read (see `ANY_NAMED`)."""
    writes: frozenset[str] = field(default_factory=frozenset)
    """Graph keys it may write."""

    @property
    def reads_patterns(self) -> bool:
        """True for the operations that evaluate a graph pattern."""
        return self.kind in ("MODIFY", "DELETE WHERE")


def operations(update: str, base_iri: str | None = None) -> list[Operation]:
    """The operations of an update the engine's parser accepted, in order."""
    return list(_Reader(update, base_iri).read())


def needs_writable_copy(found: list[Operation]) -> bool:
    """True when the operations cannot be evaluated on a read-only view: a `LOAD` (the
    engine fetches), or an operation reading patterns that a previous one may have written.

    >>> needs_writable_copy(operations("INSERT DATA { GRAPH <a:g> { <a:s> <a:p> 1 } } ;"
    ...                                " DELETE WHERE { ?s ?p ?o }"))
    False
    >>> needs_writable_copy(operations("INSERT DATA { <a:s> <a:p> 1 } ; DELETE WHERE { ?s ?p ?o }"))
    True
    """
    written: set[str] = set()
    for operation in found:
        if operation.kind == "LOAD":
            return True
        if operation.reads_patterns and overlaps(operation.reads, frozenset(written)):
            return True
        written |= operation.writes
    return False


def overlaps(reads: frozenset[str], writes: frozenset[str]) -> bool:
    """True when an operation reading `reads` could see a change to `writes`.

    >>> overlaps(frozenset({"http://g"}), frozenset({ANY_NAMED}))
    True
    >>> overlaps(frozenset({""}), frozenset({"http://g"}))
    False
    """
    if reads & writes:
        return True
    named_read = any(g for g in reads)
    named_written = any(g for g in writes)
    return (ANY_NAMED in reads and named_written) or (ANY_NAMED in writes and named_read)


class _Reader:
    """Walks the tokens operation by operation, keeping the prologue."""

    def __init__(self, text: str, base_iri: str | None) -> None:
        self.text = text
        self.found = tokens(text)
        self.at = 0
        self.prologue: list[str] = []
        self.base_iri = base_iri
        self.nonce = uuid.uuid4().hex

    def read(self) -> Iterator[Operation]:
        while self.at < len(self.found):
            word = self._word()
            if word in ("PREFIX", "BASE"):
                self._declaration(word)
            elif self.found[self.at].text == ";":
                self.at += 1
            else:
                yield self._operation(word)

    def _word(self, offset: int = 0) -> str:
        at = self.at + offset
        token = self.found[at] if at < len(self.found) else None
        return token.text.upper() if token and token.kind == "name" else ""

    def _take(self) -> Token:
        if self.at >= len(self.found):
            raise UnreadableUpdate("the update ends in the middle of an operation")
        token = self.found[self.at]
        self.at += 1
        return token

    def _expect(self, word: str) -> None:
        if self._word() != word:
            raise UnreadableUpdate(f"expected {word} at offset {self._offset()}")
        self.at += 1

    def _offset(self) -> int:
        return self.found[self.at].start if self.at < len(self.found) else len(self.text)

    def _declaration(self, word: str) -> None:
        self.at += 1
        parts = [self._take()] if word == "BASE" else [self._take(), self._take()]
        if parts[-1].kind != "iri":
            raise UnreadableUpdate(f"a {word} declaration without an IRI")
        self.prologue.append(" ".join([word, *(t.text for t in parts)]))

    def _operation(self, word: str) -> Operation:
        prologue = "\n".join(self.prologue)
        if word in GRAPH_OPS:
            return self._graph_operation(word, prologue)
        if word in ("INSERT", "DELETE") and self._word(1) in ("DATA", "WHERE"):
            kind = f"{word} {self._word(1)}"
            self.at += 2
            start, end = self._group()
            template = self._template(start, end, prologue)
            if kind != "DELETE WHERE":
                return Operation(kind, prologue, self.base_iri, insert=template,
                                 writes=_writes(template, None))  # fmt: skip
            where = self.text[self.found[start].start : self.found[end].start + 1]
            reads = _reads(self.found[start:end], ("",), self)
            return Operation(kind, prologue, self.base_iri, delete=template, where=where,
                             reads=reads, writes=_writes(template, None))  # fmt: skip
        return self._modify(prologue)

    def _modify(self, prologue: str) -> Operation:
        with_graph = None
        if self._word() == "WITH":
            self.at += 1
            with_graph = self._iri(self._take(), prologue)
        delete = insert = None
        written: set[str] = set()
        for keyword in ("DELETE", "INSERT"):
            if self._word() == keyword:
                self.at += 1
                start, end = self._group()
                template = self._template(start, end, prologue)
                written |= _writes(template, with_graph)
                delete, insert = (template, insert) if keyword == "DELETE" else (delete, template)
        if delete is None and insert is None:
            raise UnreadableUpdate(f"an unknown operation at offset {self._offset()}")
        using: list[str] = []
        named: list[str] = []
        while self._word() == "USING":
            self.at += 1
            target = named if self._word() == "NAMED" else using
            self.at += target is named
            target.append(self._iri(self._take(), prologue))
        self._expect("WHERE")
        start, end = self._group()
        defaults = tuple(using) or ((with_graph,) if with_graph else ("",))
        return Operation(
            "MODIFY", prologue, self.base_iri, with_graph=with_graph, using=tuple(using),
            using_named=tuple(named) if using or named else None, delete=delete, insert=insert,
            where=self.text[self.found[start].start : self.found[end].start + 1],
            reads=_reads(self.found[start:end], defaults, self), writes=frozenset(written),
        )  # fmt: skip

    def _graph_operation(self, word: str, prologue: str) -> Operation:
        self.at += 1
        silent = self._word() == "SILENT"
        self.at += silent
        graphs: list[str] = []
        while self.at < len(self.found) and self.found[self.at].text != ";":
            token = self._take()
            upper = token.text.upper() if token.kind == "name" else ""
            if upper in ("DEFAULT", "NAMED", "ALL"):
                graphs.append(upper)
            elif upper not in ("GRAPH", "TO", "INTO"):
                graphs.append(self._iri(token, prologue))
        targets = graphs[1:] if word == "LOAD" else graphs  # LOAD's source is fetched
        writes = {"" if g in ("DEFAULT", "ALL") else g for g in targets if g != "NAMED"}
        if any(g in ("NAMED", "ALL") for g in graphs):
            writes.add(ANY_NAMED)
        if word in ("ADD", "COPY") and len(graphs) == 2:
            writes.discard(_key(graphs[0]))
        if word == "LOAD" and not targets:
            writes.add("")
        return Operation(word, prologue, self.base_iri, silent=silent, graphs=tuple(graphs),
                         writes=frozenset(writes))  # fmt: skip

    def _group(self) -> tuple[int, int]:
        """Token indexes of the `{` here and of the `}` that closes it; moves past it."""
        if self.at >= len(self.found) or self.found[self.at].text != "{":
            raise UnreadableUpdate(f"expected {{ at offset {self._offset()}")
        start, depth = self.at, 0
        for index in range(start, len(self.found)):
            token = self.found[index]
            if token.kind == "other" and token.text in "{}":
                depth += 1 if token.text == "{" else -1
                if depth == 0:
                    self.at = index + 1
                    return start, index
        raise UnreadableUpdate("a group is not closed")

    def _iri(self, token: Token, prologue: str) -> str:
        """The absolute IRI an IRI or prefixed-name token names, resolved by pyoxigraph."""
        if token.kind not in ("iri", "name"):
            raise UnreadableUpdate(f"expected an IRI at offset {token.start}")
        parsed = _parse(f"{prologue}\n{token.text} {token.text} {token.text} .", self.base_iri)
        subject = parsed[0].subject
        assert isinstance(subject, ox.NamedNode)
        return subject.value

    def _template(self, start: int, end: int, prologue: str) -> Template:
        """The quad template between the braces at `start` and `end`, read as TriG: each
        run of default-graph triples wrapped in braces of its own (TriG ends a triple with
        `.` outside braces, SPARQL may leave the last one out)."""
        names: dict[str, str] = {}
        parts: list[str] = []
        previous_end, depth, run, graph = -1, 0, False, False
        for token in self.found[start + 1 : end]:
            text = token.text
            if token.kind == "var":
                index = names.setdefault(text[1:], str(len(names)))
                text = f"<urn:triskel:template:{self.nonce}:{index}>"
            word = text.upper() if token.kind == "name" else ""
            if depth == 0 and word == "GRAPH":
                parts.append(" }" if run else "")
                run, graph = False, True
            elif depth == 0 and not run and not graph:
                if text == ".":
                    continue
                parts.append(" {")
                run = True
            if token.kind == "other" and text in "{}":
                depth += 1 if text == "{" else -1
                graph = graph and text != "{"
            parts.append(text if token.start == previous_end else " " + text)
            previous_end = token.start + len(token.text)
        parts.append(" }" if run else "")
        variables = {f"urn:triskel:template:{self.nonce}:{n}": Var(v) for v, n in names.items()}
        quads = _parse(f"{prologue}\n{''.join(parts)}", self.base_iri)
        return Template(tuple(_pattern(q, variables) for q in quads))


def _parse(trig: str, base_iri: str | None) -> list[ox.Quad]:
    try:
        return list(ox.parse(trig.encode(), ox.RdfFormat.TRIG, base_iri=base_iri))
    except (SyntaxError, ValueError) as exc:
        raise UnreadableUpdate(f"a template could not be read: {exc}") from None


def _pattern(
    quad: ox.Quad, variables: dict[str, Var]
) -> tuple[PatternTerm, PatternTerm, PatternTerm, PatternTerm]:
    def term(value: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph) -> PatternTerm:
        if isinstance(value, ox.NamedNode):
            return variables.get(value.value, value)
        return value

    assert not isinstance(quad.object, ox.Triple) and not isinstance(quad.subject, ox.Triple)
    return term(quad.subject), term(quad.predicate), term(quad.object), term(quad.graph_name)


def _key(graph: str) -> str:
    return "" if graph in ("DEFAULT", "ALL") else graph


def _graph_names(span: tuple[Token, ...], reader: _Reader) -> Iterator[str]:
    """Keys of the graphs `GRAPH x` names in a span (`ANY_NAMED` for a variable)."""
    for index, token in enumerate(span[:-1]):
        if token.kind == "name" and token.text.upper() == "GRAPH":
            following = span[index + 1]
            if following.kind in ("iri", "name"):
                yield reader._iri(following, "\n".join(reader.prologue))
            else:
                yield ANY_NAMED


def _reads(span: tuple[Token, ...], defaults: tuple[str, ...], reader: _Reader) -> frozenset[str]:
    """What a `WHERE` group reads: its default graphs and the graphs `GRAPH` names in it."""
    return frozenset(defaults) | frozenset(_graph_names(span, reader))


def _writes(template: Template, with_graph: str | None) -> frozenset[str]:
    """The graph keys a template writes (a variable or blank graph name: any named graph)."""
    keys: set[str] = set()
    for quad in template.quads:
        graph = quad[3]
        if isinstance(graph, ox.DefaultGraph):
            keys.add(with_graph or "")
        else:
            keys.add(graph.value if isinstance(graph, ox.NamedNode) else ANY_NAMED)
    return frozenset(keys)
