"""The remote store: any SPARQL 1.1 Query / Update / Graph Store endpoint, over httpx.

It keeps the embedded store's semantics by doing the checking here, before anything is sent:
queries and updates are parsed locally (a syntax error never reaches the remote) and pass
the same `LOAD`/`SERVICE` policy; uploads are parsed and confined locally and sent as
N-Triples (or N-Quads for a dataset), so base IRIs and graph confinement are ours. Answers
are read back in one fixed format and re-serialised here under the same row cap.

What the remote must do: apply each update and each Graph Store `PUT`/`POST` atomically
(Oxigraph, Fuseki/TDB2, GraphDB do), and give the union of all graphs as the default graph
when a query names no dataset: Oxigraph server does so for the `union-default-graph` request
parameter sent here; other engines need it configured (Fuseki `unionDefaultGraph`); and read
a dataset (`FROM`, `USING`, `default-graph-uri`) from its own graphs, an absent one empty,
never fetched (Oxigraph server and a Fuseki dataset service do; a trap listener proves it for
Oxigraph in `tests/hardening/test_outbound.py`). A whole
dataset is read and written at the Graph Store URL without `graph`/`default` (Oxigraph and
Fuseki accept N-Quads there).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import IO

import httpx
from pyoxigraph import (
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from service.errors import (
    InputError,
    LimitExceededError,
    NotFoundError,
    OperationFailedError,
    StoreError,
)
from service.rdf.formats import EXPORT_PREFIXES, NQUADS, NTRIPLES, RESULTS_JSON, rdf_format_for
from service.rdf.reader import base_iri_of, read_body
from service.rdf.textguard import MAX_NESTING
from service.settings import Settings
from service.store.base import QueryResult, Row, Store, Term
from service.store.deadline import Deadline
from service.store.results import Answer, own_rows, serialise
from service.store.scan import (
    calls_as_errors,
    check_operations,
    has_dataset_clause,
    where_group_start,
)
from service.store.syntax import operation_failure, query_form, silenced

_IRI = re.compile(r"[^<>\"{}|^`\\\x00-\x20]+")
"""An IRI that cannot break out of `<...>` in SPARQL text."""
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_PROBE_GRAPH = "urn:triskel:pushdown:probe:"
"""A system graph (`service.store.system_graphs`): never validated, never a client's."""
_NT = {"Accept": NTRIPLES}
UPLOAD = httpx.Timeout(30.0, read=None)
"""An upload may take the remote long to commit; only connecting and sending are bounded."""


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint triple: query URL, update URL, Graph Store URL."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        auth: httpx.Auth | None = None,
        query_timeout_s: float = 30.0,
        max_rows: int = 100_000,
        allowed_hosts: str = "",
        max_rdf_nesting: int = MAX_NESTING,
        max_answer_mb: float = 256.0,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.gsp_url = gsp_url or query_url
        self.query_timeout_s = query_timeout_s
        self.max_rows = max_rows
        self.allowed_hosts = allowed_hosts
        self.max_rdf_nesting = max_rdf_nesting
        self.max_answer_mb = max_answer_mb
        self._client = httpx.Client(auth=auth, timeout=httpx.Timeout(query_timeout_s))
        self._union_default: bool | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """The endpoints and credentials of `TRISKEL_SPARQL_URL` and friends."""
        auth: httpx.Auth | None = None
        if settings.remote_token:
            auth = _Bearer(settings.remote_token)
        elif settings.remote_user:
            auth = httpx.BasicAuth(settings.remote_user, settings.remote_password or "")
        assert settings.sparql_url is not None
        return cls(
            settings.sparql_url,
            update_url=settings.sparql_update_url,
            gsp_url=settings.gsp_url,
            auth=auth,
            query_timeout_s=settings.query_timeout_s,
            max_rows=settings.max_rows,
            allowed_hosts=settings.allowed_hosts,
            max_rdf_nesting=settings.max_rdf_nesting,
            max_answer_mb=settings.max_body_mb,
        )

    # -- HTTP ----------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, *, deadline: Deadline | None = None, **kwargs: object
    ) -> bytes:
        """One request, its body read in chunks so a `deadline` can stop it between them.

        With a `deadline` (a query), an answer over `max_answer_mb` is abandoned too: the
        row cap applies only once the answer is read, so without this a query with a huge
        answer (a cartesian product) would fill memory until its time ran out.
        Transport failures become `StoreError`, timeouts and oversized answers
        `LimitExceededError`, 404 `NotFoundError`, 400 `InputError`.
        """
        limit = int(self.max_answer_mb * 1024 * 1024)
        try:
            with self._client.stream(method, url, **kwargs) as response:  # type: ignore[arg-type]
                chunks = []
                size = 0
                for chunk in response.iter_bytes():
                    if deadline is not None:
                        deadline.check()
                        size += len(chunk)
                        if size > limit:
                            raise LimitExceededError(
                                f"the remote store's answer is over {self.max_answer_mb:g} MB "
                                "(TRISKEL_MAX_BODY_MB) and was abandoned; ask for fewer rows"
                            )
                    chunks.append(chunk)
        except httpx.TimeoutException:
            raise LimitExceededError(
                f"the remote store did not answer within {self.query_timeout_s:g} s "
                "(TRISKEL_QUERY_TIMEOUT_S)"
            ) from None
        except httpx.HTTPError as exc:
            raise StoreError(f"the remote store at {url} is unreachable: {exc}") from None
        body = b"".join(chunks)
        _check_status(response.status_code, body)
        _check_complete(response.headers)
        return body

    def _graph_params(self, graph: str | None) -> dict[str, str]:
        """Graph Store Protocol parameters naming one graph."""
        return {"default": ""} if graph is None else {"graph": graph}

    # -- queries -------------------------------------------------------------------------

    def _answer(
        self,
        query: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        substitutions: Mapping[str, Term] | None = None,
        base_iri: str | None = None,
        *,
        union: bool = True,
    ) -> Answer:
        """Check the query locally, run it remotely, read the answer back as pyoxigraph's.
        `union=False` reads the engine's own default graph when the query names no dataset."""
        query = silenced(_bind(query, substitutions or {}), allowed_hosts=self.allowed_hosts)
        check_operations(query, allowed_hosts=self.allowed_hosts)
        form = query_form(query, base_iri)
        accept = NTRIPLES if form == "GRAPH" else RESULTS_JSON
        data = {
            "query": _with_base(query, base_iri),
            "default-graph-uri": list(default_graph_uris),
            "named-graph-uri": list(named_graph_uris),
        }
        union = union and not (default_graph_uris or named_graph_uris or has_dataset_clause(query))
        params = {"union-default-graph": ""} if union else {}
        headers = {"Accept": accept}
        deadline = Deadline(self.query_timeout_s)
        try:
            body = self._send(
                "POST", self.query_url, deadline=deadline, params=params, data=data, headers=headers
            )
        except (InputError, StoreError) as refused:  # Oxigraph server answers 500
            standard = calls_as_errors(query, base_iri)
            if standard == query:
                raise
            # The engine may have refused a function it does not know: ask again with each call
            # an evaluation error (SPARQL 1.1 §17.1); the first error stands if that fails too.
            data["query"] = _with_base(standard, base_iri)
            try:
                body = self._send(
                    "POST",
                    self.query_url,
                    deadline=deadline,
                    params=params,
                    data=data,
                    headers=headers,
                )
            except (InputError, StoreError):
                raise refused from None
        if form == "GRAPH":
            return iter(  # type: ignore[return-value]
                Triple(q.subject, q.predicate, q.object) for q in parse(body, RdfFormat.N_TRIPLES)
            )
        answer = parse_query_results(body, QueryResultsFormat.JSON)
        if form == "ASK" and isinstance(answer, QuerySolutions):
            return _boolean(any(True for _ in answer))
        return answer

    def select(self, query: str, *, substitutions: Mapping[str, Term] | None = None) -> list[Row]:
        """Rows of one of the service's own SELECTs (`own_rows`: all of them); a
        `LimitExceededError` past the timeout."""
        answer = self._answer(query, substitutions=substitutions)
        if not isinstance(answer, QuerySolutions):
            raise InputError("select() needs a SELECT query")
        return own_rows(answer, Deadline(self.query_timeout_s))

    def select_in(
        self, query: str, *, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
    ) -> list[Row]:
        """Rows of one of the service's own SELECTs over a dataset of the engine's graphs
        (`default-graph-uri`, `named-graph-uri`; none: the engine's own default graph, not
        the union): a validation pushed down to the engine reads the validated graphs and
        its scratch graphs this way, the others not at all."""
        answer = self._answer(query, default_graphs, named_graphs, union=False)
        if not isinstance(answer, QuerySolutions):
            raise InputError("select_in() needs a SELECT query")
        return own_rows(answer, Deadline(self.query_timeout_s))

    def construct_in(self, query: str, *, default_graphs: Sequence[str]) -> list[Triple]:
        """The triples of one of the service's own CONSTRUCTs over `default_graphs`."""
        answer = self._answer(query, default_graphs)
        if isinstance(answer, QuerySolutions | QueryBoolean):
            raise InputError("construct_in() needs a CONSTRUCT query")
        return list(answer)

    def ask(self, query: str, *, substitutions: Mapping[str, Term] | None = None) -> bool:
        """The answer of an ASK."""
        return bool(self._answer(query, substitutions=substitutions))

    def query(
        self,
        query: str,
        *,
        accept: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        substitutions: Mapping[str, Term] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """As `EmbeddedStore.query`: any form, serialised in `accept`, capped at `max_rows`."""
        answer = self._answer(query, default_graph_uris, named_graph_uris, substitutions, base_iri)
        done = serialise(
            answer, accept, max_rows=self.max_rows, deadline=Deadline(self.query_timeout_s)
        )
        return QueryResult(done.body, done.media_type, done.truncated)

    # -- writes --------------------------------------------------------------------------

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        """Check the update locally (syntax, then policy), then send the update to run
        (`check_update`) in one request."""
        update = self.check_update(update, base_iri=base_iri)
        try:
            self._send("POST", self.update_url, data={"update": _with_base(update, base_iri)})
        except (InputError, StoreError) as exc:
            # Engines answer a failed operation with 400 or 500 (Oxigraph): ours if the
            # update fails by the standard's rules on the graphs the remote holds.
            reason = operation_failure(update, self.graphs(), base_iri)
            if reason is not None:
                failed = f"the update failed and changed nothing: {reason}"
                raise OperationFailedError(failed) from None
            if isinstance(exc, StoreError):
                raise
            raise InputError(f"the update failed and changed nothing: {exc}") from None

    def load(
        self,
        data: bytes | IO[bytes],
        *,
        media_type: str,
        graph: str | None,
        replace: bool = False,
        source: str | None = None,
        keep_graphs: bool = False,
        triples: int | None = None,
    ) -> int:
        """Check the upload locally, then one Graph Store `PUT` (replace) or `POST` (add).
        Every upload is checked whole, `triples` given or not: the document is parsed again
        here to be re-serialised (but a dataset in N-Quads, sent as it came: a kept report
        of a large store is tens of megabytes), and that parse's errors are not translated."""
        fmt = rdf_format_for(media_type)
        keep_graphs = keep_graphs and fmt.is_dataset
        if keep_graphs and replace:
            raise InputError("the remote store cannot replace every graph of a dataset at once")
        blob = read_body(data)
        checked = self.check_upload(blob, fmt, graph=graph, source=source, keep_graphs=keep_graphs)
        quads = parse(blob, fmt.oxigraph, base_iri=base_iri_of(graph))
        if keep_graphs:  # N-Quads, checked already, go as they are: no second copy
            nquads = fmt.oxigraph == RdfFormat.N_QUADS
            body = blob if nquads else serialize(quads, format=RdfFormat.N_QUADS) or b""
            headers = {"Content-Type": NQUADS}
            self._send("POST", self.gsp_url, content=body, headers=headers, timeout=UPLOAD)
            return checked.quads
        if graph is None and self.union_default():
            raise InputError(
                "the remote store has no default graph of its own (its default graph is the "
                "union of its named graphs): load into a named graph"
            )
        statements = (Triple(q.subject, q.predicate, q.object) for q in quads)
        body = serialize(statements, format=RdfFormat.N_TRIPLES) or b""
        self._send(
            "PUT" if replace else "POST",
            self.gsp_url,
            params=self._graph_params(graph),
            content=body,
            headers={"Content-Type": NTRIPLES},
            timeout=UPLOAD,
        )
        return checked.quads

    def delete_graph(self, graph: str | None) -> None:
        """Graph Store `DELETE`; `NotFoundError` when the remote has no such graph."""
        self._send("DELETE", self.gsp_url, params=self._graph_params(graph))

    # -- reads ---------------------------------------------------------------------------

    def export(self, graph: str | None, *, media_type: str, dataset: bool = False) -> bytes:
        """Graph Store `GET` of one graph, or of the whole dataset (N-Quads, re-serialised)."""
        fmt = rdf_format_for(media_type)
        if dataset:
            if not fmt.is_dataset:
                raise InputError(f"{fmt.media_type} cannot hold named graphs")
            quads = self._graph_quads() if self.union_default() else self._dataset_quads()
            return serialize(quads, format=fmt.oxigraph, prefixes=EXPORT_PREFIXES) or b""
        if graph is None and self.union_default():  # none of its own: empty
            return serialize([], format=fmt.oxigraph, prefixes=EXPORT_PREFIXES) or b""
        triples = self._graph_triples(graph)
        return serialize(triples, format=fmt.oxigraph, prefixes=EXPORT_PREFIXES) or b""

    def _graph_triples(self, graph: str | None) -> list[Triple]:
        """One graph's triples by a Graph Store `GET`, checked against the engine's count:
        Virtuoso cuts the `GET` at its `ResultSetMaxRows` with no header saying so (the
        first 100,000 triples of a 1M graph), so a short read is a `LimitExceededError`
        (503), never the graph."""
        body = self._send("GET", self.gsp_url, params=self._graph_params(graph), headers=_NT)
        triples = list(parse(body, RdfFormat.N_TRIPLES))
        expected = self.count(graph)
        if len(triples) < expected:
            raise LimitExceededError(
                f"the remote store sent {len(triples)} of the {expected} triples of "
                f"{graph or 'the default graph'}: it cut the download (Virtuoso: raise "
                "ResultSetMaxRows, [SPARQL] in virtuoso.ini, above the graph's size)"
            )
        return triples

    def _dataset_quads(self) -> Iterator[Quad]:
        """The whole dataset in one Graph Store `GET` (Oxigraph, Fuseki)."""
        body = self._send("GET", self.gsp_url, headers={"Accept": NQUADS})
        return parse(body, RdfFormat.N_QUADS)

    def _graph_quads(self) -> Iterator[Quad]:
        """The whole dataset a named graph at a time, for an engine with no default graph of
        its own, whose Graph Store has no dataset representation (Virtuoso: 406)."""
        for graph in self.graphs():
            for t in self._graph_triples(graph):
                yield Quad(t.subject, t.predicate, t.object, NamedNode(graph))

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted.

        Asked as `GRAPH ?g { }` (empty graphs included, no data read); when that lists
        none, asked again by a triple in each graph: Virtuoso answers the first with one
        row that binds no graph. The second groups by graph instead of asking `DISTINCT`:
        Virtuoso 7.2 answers the grouped form from its graph index (0.04 s at 100k
        triples) and scans for the other (52 s at 100k, past its time limit at 1M)."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        if not any("g" in row for row in rows):
            rows = self.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return sorted(row["g"].value for row in rows if "g" in row)

    def has_graph(self, graph: str) -> bool:
        """Asked of the one graph, not by listing them all (on Virtuoso the list reads the
        graph index: 0.3 s at 1M triples, most of a guarded write): a triple in it, or,
        for an engine that keeps empty named graphs (Oxigraph server), its name among
        theirs (`GRAPH ?g { }`, which lists none on Virtuoso, where none is empty)."""
        bound = {"g": NamedNode(graph)}
        if self.select("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", substitutions=bound):
            return True
        return bool(
            self.select("SELECT ?h WHERE { GRAPH ?h { } FILTER(?h = ?g) }", substitutions=bound)
        )

    def union_default(self) -> bool:
        """True when the engine's default graph is the union of its named graphs and holds
        nothing of its own (Virtuoso; Fuseki with `unionDefaultGraph`): the store then has
        no default graph of its own, empty for `count(None)` and a validation.

        Found once, by writing one triple in a scratch named graph and reading it back
        from the engine's default graph (standard SPARQL 1.1); an engine that refuses the
        write is taken to keep a default graph of its own."""
        if self._union_default is None:
            graph, marker = f"{_PROBE_GRAPH}{uuid.uuid4().hex}", f"<{_PROBE_GRAPH}marker>"
            triple = f'{marker} {marker} "{graph}"'
            try:
                self._send(
                    "POST",
                    self.update_url,
                    data={"update": f"INSERT DATA {{ GRAPH <{graph}> {{ {triple} }} }}"},
                )
            except (InputError, StoreError):
                self._union_default = False
                return False
            try:
                found = self._answer(f"SELECT * WHERE {{ {triple} }}", union=False)
                self._union_default = any(True for _ in found)  # type: ignore[union-attr]
            finally:
                self._send("POST", self.update_url, data={"update": f"DROP SILENT GRAPH <{graph}>"})
        return self._union_default

    def count(self, graph: str | None = None, *, all_graphs: bool = False) -> int:
        """Triples in one graph, or quads in the whole dataset, counted by the engine
        (`COUNT` queries: nothing is downloaded, so `/health` stays cheap at any size).

        The default graph is counted by a query that names no dataset and asks for no union
        default graph: Oxigraph server then reads its own default graph; an engine whose
        default graph is always the union of its graphs (`union_default`) has none of its
        own: 0."""
        in_named = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
        if graph is not None and not all_graphs:
            return self._count(in_named, {"g": NamedNode(graph)})
        in_default = 0 if self.union_default() else self._count(_COUNT_DEFAULT, {}, union=False)
        if not all_graphs:
            return in_default
        return in_default + self._count(in_named, {})

    def _count(self, query: str, substitutions: Mapping[str, Term], *, union: bool = True) -> int:
        answer = self._answer(query, substitutions=substitutions, union=union)
        return int(next(iter(answer))["n"].value)  # type: ignore[arg-type]

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()


def _boolean(value: bool) -> QueryBoolean:
    """An ASK answer. Virtuoso answers an ASK as a result set (one row when true, none when
    false), which pyoxigraph reads as solutions, truthy either way."""
    body = b'{"head": {}, "boolean": %s}' % (b"true" if value else b"false")
    answer = parse_query_results(body, QueryResultsFormat.JSON)
    assert isinstance(answer, QueryBoolean)
    return answer


def _with_base(text: str, base_iri: str | None) -> str:
    """The text with a leading `BASE` (checked locally already, so positions stay ours)."""
    if base_iri is None:
        return text
    if not _IRI.fullmatch(base_iri):
        raise InputError(f"not a usable base IRI: {base_iri!r}")
    return f"BASE <{base_iri}>\n{text}"


def _bind(query: str, substitutions: Mapping[str, Term]) -> str:
    """The query with its substitutions as one inline `VALUES` row, first in its WHERE group.

    A SPARQL endpoint takes no SEP-0007 substitutions, so the values travel in the text:
    each is written as an RDF term by `_sparql_term` (never as the caller's raw string), and
    the variable is bound from the start of the group, as a substitution binds it.

    >>> _bind("SELECT ?p WHERE { ?p ?q ?o }", {"p": NamedNode("http://ex/a")})
    'SELECT ?p WHERE { VALUES (?p) { (<http://ex/a>) } ?p ?q ?o }'
    """
    if not substitutions:
        return query
    for name in substitutions:
        if not _VARIABLE.fullmatch(name):
            raise InputError(f"not a SPARQL variable name: {name!r}")
    names = " ".join(f"?{name}" for name in substitutions)
    terms = " ".join(_sparql_term(term) for term in substitutions.values())
    at = where_group_start(query)
    return f"{query[:at]} VALUES ({names}) {{ ({terms}) }}{query[at:]}"


def _sparql_term(term: Term) -> str:
    """An IRI or literal as SPARQL text: IRIs checked, literals escaped (N-Triples form)."""
    if isinstance(term, NamedNode):
        if not _IRI.fullmatch(term.value):
            raise InputError(f"not an absolute IRI: {term.value!r}")
        return f"<{term.value}>"
    if isinstance(term, Literal):
        return str(term)
    raise InputError("a blank node cannot be bound to a query on the remote store")


_ENGINE_LIMITS = {
    "SR353": "refused to sort an answer past its MaxSortedTopRows ([Parameters] in "
    "virtuoso.ini): raise it above the largest answer a validation reads in pages",
    "SR325": "aborted a write whose transaction log outgrew its TransactionAfterImageLimit "
    "([Parameters] in virtuoso.ini, bytes): raise it above the largest write, such as a "
    "validation's entailments",
}
"""Virtuoso's errors for a limit of its own configuration, and the setting each names."""


def _check_status(status: int, body: bytes) -> None:
    """Map an HTTP error status of the remote to the project's errors; a limit of the engine
    that refused the request (`_ENGINE_LIMITS`) is a `LimitExceededError` naming its
    setting."""
    text = body[:200].decode("utf-8", "replace")
    for code, meaning in _ENGINE_LIMITS.items():
        if status >= 300 and code in text:
            raise LimitExceededError(f"the remote store (Virtuoso) {meaning} ({text[:120]})")
    if status == 404:
        raise NotFoundError(f"not found on the remote store: {text}")
    if status == 400:
        raise InputError(f"the remote store refused the request: {text}")
    if status >= 300:
        raise StoreError(f"the remote store answered {status}: {text}")


def _check_complete(headers: httpx.Headers) -> None:
    """Refuse an answer the engine says it cut: Virtuoso sends `X-SPARQL-MaxRows` when an
    answer reached its `ResultSetMaxRows` (rows past it are dropped silently) and
    `X-SQL-State` with an "anytime" partial answer cut at `MaxQueryExecutionTime`. Either
    is a `LimitExceededError` (503) naming the setting: a cut answer is never an answer, and
    a validation read from one could say "conforms" of data it did not see."""
    cap = headers.get("X-SPARQL-MaxRows")
    if cap is not None:
        raise LimitExceededError(
            f"the remote store (Virtuoso) cut the answer at {cap} rows (its ResultSetMaxRows "
            "setting, [SPARQL] in virtuoso.ini): raise it above TRISKEL_MAX_ROWS and "
            "TRISKEL_REMOTE_PAGE_ROWS"
        )
    state = headers.get("X-SQL-State")
    if state is not None:
        message = headers.get("X-SQL-Message", "")[:200]
        raise LimitExceededError(
            f"the remote store (Virtuoso) answered in part ({state} {message}): its "
            "MaxQueryExecutionTime ([SPARQL] in virtuoso.ini) ran out"
        )


class _Bearer(httpx.Auth):
    """`Authorization: Bearer <token>` on every request (the token never appears in errors)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request
