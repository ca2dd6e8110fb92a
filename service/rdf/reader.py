"""The one guarded RDF reader: every RDF the service takes in is read here, whoever sends it.

`/store` uploads, `POST /validate` data and shapes parts, multipart uploads, `triskel load`
and `triskel validate` files, the ontology and the shapes files all come through these
functions, so they all get the same guards, in this order:

1. size: a file is read only if it is a regular file (never a FIFO, a device or a folder),
   and no more than the body limit (`TRISKEL_MAX_BODY_MB`) is ever read (`read_file`);
   one literal or IRI over pyoxigraph's 16 MB token cap is `TooLargeError`;
2. RDF/XML: no DTD entity may be declared at all (so nothing expands: the literals can be
   no bigger than the upload), no external entity is read, depth is bounded (`xmlguard`);
3. Turtle, TriG, JSON-LD: bracket nesting bounded (`textguard`);
4. RDF 1.2 triple terms are refused with the line and column of the first one: pyoxigraph
   parses them, but JSON-LD export, SPARQL results and pySHACL then fail on them;
5. a quad naming a graph other than the upload's target is refused, and a graph named by a
   blank node anywhere (`check_rdf`): such a graph cannot be addressed afterwards, to read,
   validate, replace or delete it.

Syntax errors are `RDFSyntaxError` with the source, line and column pyoxigraph gives.

Checking every parsed quad for a triple term costs about a third of a parse, so it is done
only when the text could hold one: N-Triples and N-Quads need `<<(` (their only form),
Turtle and TriG `<<`, `{|` or `~`; RDF/XML's are found by the expat pass; JSON-LD is always
checked. That search costs about 1% of a `triskel load` of N-Triples.

>>> from service.rdf.formats import rdf_format_named
>>> sum(1 for _ in read_quads(b'<http://e/s> <http://e/p> "<<" .', rdf_format_named("nt")))
1
>>> star = b'<http://e/s> <http://e/p> <<( <http://e/a> <http://e/b> <http://e/c> )>> .'
>>> try:
...     list(read_quads(star, rdf_format_named("nt"), source="x.nt"))
... except RDFSyntaxError as refused:
...     print(refused)
x.nt, line 1, column 27: RDF 1.2 triple terms are not supported
"""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat, Store, Triple, parse

from service.errors import InputError, RDFSyntaxError, TooLargeError
from service.rdf.formats import FOLDER_SUFFIXES, Format
from service.rdf.textguard import MAX_NESTING, check_nesting, triple_term_at
from service.rdf.xmlguard import TRIPLE_TERMS, check_xml

GraphName = NamedNode | BlankNode | DefaultGraph

MEGABYTE = 1024 * 1024
MAX_BYTES = 256 * MEGABYTE
"""The default read limit, the default of `TRISKEL_MAX_BODY_MB`."""

_POSITION = re.compile(r"line (\d+) column (\d+)")
_MARKERS: dict[RdfFormat, tuple[bytes, ...]] = {
    RdfFormat.N_TRIPLES: (b"<<(",),
    RdfFormat.N_QUADS: (b"<<(",),
    RdfFormat.TURTLE: (b"<<", b"{|", b"~"),
    RdfFormat.TRIG: (b"<<", b"{|", b"~"),
    RdfFormat.RDF_XML: (),
}
"""Tokens without which a document in that syntax cannot hold a triple term (JSON-LD is
not listed: it is always checked quad by quad)."""


# -- bytes in ---------------------------------------------------------------------------


def read_body(
    data: bytes | IO[bytes] | io.RawIOBase,
    *,
    max_bytes: int | None = None,
    source: str | None = None,
) -> bytes:
    """The whole upload as bytes (every load parses all of it before writing anything),
    `TooLargeError` past `max_bytes` (None: the caller bounded it already)."""
    if isinstance(data, bytes):
        size = len(data)
    else:
        chunks: list[bytes] = []
        size = 0
        for chunk in iter(partial(data.read, MEGABYTE), b""):
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                break
            chunks.append(chunk)
    if max_bytes is not None and size > max_bytes:
        raise TooLargeError(
            f"{source or 'upload'} is over the limit of {max_bytes / MEGABYTE:g} MB "
            "(TRISKEL_MAX_BODY_MB)"
        )
    return data if isinstance(data, bytes) else b"".join(chunks)


def open_regular(path: Path) -> IO[bytes]:
    """`path` opened for reading if it is a regular file (symbolic links followed), else
    `InputError` naming it: a FIFO would block forever, `/dev/zero` never ends.

    The file is opened without blocking and checked on the open descriptor, so a FIFO put in
    place between a check and the open cannot block either.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not an RDF file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputError(f"{path}: not a regular file ({_kind(mode)}); only files are read")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_file(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file, `TooLargeError` past `max_bytes`."""
    with open_regular(path) as raw:
        return read_body(raw, max_bytes=max_bytes, source=str(path))


def rdf_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders replaced by their RDF files (sorted, not recursive; by
    extension, see `FOLDER_SUFFIXES`). Whether each is a regular file is checked when read."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in FOLDER_SUFFIXES))
        else:
            files.append(path)
    return files


def regular_files(paths: Iterable[Path]) -> list[Path]:
    """`rdf_files(paths)`, each checked to be a regular file before any is read, so that a
    command refuses a FIFO or a device among its inputs before it changes anything.
    `InputError` naming the first that is not (or does not exist)."""
    files = rdf_files(paths)
    for path in files:
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
        if not stat.S_ISREG(mode):
            raise InputError(f"{path}: not a regular file ({_kind(mode)}); only files are read")
    return files


def _kind(mode: int) -> str:
    """What a file that is not regular is, for messages."""
    kinds = (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


# -- parsing ----------------------------------------------------------------------------


def graph_node(graph: str | None) -> NamedNode | DefaultGraph:
    """The pyoxigraph graph name for an IRI string (`None`: the default graph)."""
    if graph is None:
        return DefaultGraph()
    try:
        return NamedNode(graph)
    except ValueError as exc:
        raise InputError(f"invalid graph IRI {graph!r}: {exc}") from None


def base_iri_of(graph: str | None) -> str | None:
    """Relative IRIs in an upload resolve against the target graph's IRI (as in the GSP)."""
    return graph


def syntax_error(exc: SyntaxError, source: str | None) -> InputError:
    """Translate pyoxigraph's `SyntaxError` into ours, keeping line and column.

    pyoxigraph puts the start position in `lineno`/`offset` for the text formats; for the
    others the message may still say "line L column C", which is read as a fallback.
    """
    message = str(exc.msg if exc.msg else exc)
    if "LoadDocumentCallback" in message or "remote context" in message:
        return InputError(
            f"{source or 'upload'}: JSON-LD remote contexts are not fetched; inline the @context"
        )
    line, column = exc.lineno, exc.offset
    found = _POSITION.search(message)
    if line is None and found:
        line, column = int(found.group(1)), int(found.group(2))
    return RDFSyntaxError(message, source=source, line=line, column=column)


def term_too_large(exc: MemoryError, source: str | None) -> TooLargeError:
    """pyoxigraph caps one token (a literal, an IRI) at 16 MB and says so by `MemoryError`."""
    return TooLargeError(f"{source or 'upload'}: {exc} (one term over the parser's limit)")


def guard(data: bytes, fmt: Format, *, source: str | None, max_nesting: int = MAX_NESTING) -> None:
    """Refuse, before parsing, what would make a parser or the code after it blow up: XML
    entities, deep elements and RDF/XML triple terms (`check_xml`), deep brackets
    (`check_nesting`)."""
    if fmt.oxigraph == RdfFormat.RDF_XML:
        check_xml(data, source=source)
    check_nesting(data, fmt.media_type, limit=max_nesting, source=source)


def may_hold_triple_terms(data: bytes, fmt: Format) -> bool:
    """False when `data` cannot hold a triple term, so its quads need no check."""
    markers = _MARKERS.get(fmt.oxigraph)
    return markers is None or any(marker in data for marker in markers)


def triple_term_error(data: bytes, fmt: Format, source: str | None) -> RDFSyntaxError:
    """The refusal of a triple term, placed at its first token where the syntax allows."""
    where = triple_term_at(data) if _MARKERS.get(fmt.oxigraph) else None
    line, column = where if where else (None, None)
    return RDFSyntaxError(TRIPLE_TERMS, source=source or "upload", line=line, column=column)


def read_quads(
    data: bytes,
    fmt: Format,
    *,
    source: str | None = None,
    base_iri: str | None = None,
    rename_blank_nodes: bool = False,
    max_nesting: int = MAX_NESTING,
) -> Iterator[Quad]:
    """The quads of `data`, guarded: `guard` runs at once, the rest while iterating.

    Raises `RDFSyntaxError` (syntax, entities, triple terms), `InputError` (nesting),
    `TooLargeError` (one term over 16 MB).
    """
    guard(data, fmt, source=source, max_nesting=max_nesting)
    return _quads(data, fmt, source, base_iri, rename_blank_nodes)


@contextmanager
def _parse_errors(source: str | None) -> Iterator[None]:
    """pyoxigraph's parse errors raised inside as ours: `SyntaxError` as `RDFSyntaxError`
    (`syntax_error`), `MemoryError` as `TooLargeError` (`term_too_large`). Both ways into
    pyoxigraph, its parser and its loader, fail alike through it; our own `RDFSyntaxError`
    (a triple term) passes unchanged."""
    try:
        yield
    except SyntaxError as exc:
        if isinstance(exc, RDFSyntaxError):
            raise
        raise syntax_error(exc, source) from None
    except MemoryError as exc:
        raise term_too_large(exc, source) from None


def _quads(
    data: bytes, fmt: Format, source: str | None, base_iri: str | None, rename: bool
) -> Iterator[Quad]:
    check = may_hold_triple_terms(data, fmt)
    with _parse_errors(source):
        for quad in parse(data, fmt.oxigraph, base_iri=base_iri, rename_blank_nodes=rename):
            if check and type(quad.object) is Triple:
                raise triple_term_error(data, fmt, source)
            yield quad


def load_into(
    store: Store,
    data: bytes,
    fmt: Format,
    *,
    source: str | None = None,
    base_iri: str | None = None,
    max_nesting: int = MAX_NESTING,
) -> None:
    """Load `data` into an in-memory pyoxigraph store, all or nothing (triples into the
    default graph, quads into theirs), with the guards of `read_quads`. Without a possible
    triple term pyoxigraph's own loader does it, with no quad crossing into Python."""
    guard(data, fmt, source=source, max_nesting=max_nesting)
    if may_hold_triple_terms(data, fmt):
        store.extend(list(_quads(data, fmt, source, base_iri, True)))
        return
    with _parse_errors(source):
        store.load(data, fmt.oxigraph, base_iri=base_iri, to_graph=DefaultGraph())


@dataclass(frozen=True, slots=True)
class Checked:
    """What a validating parse found: how many quads, and which graphs they name."""

    quads: int
    graphs: frozenset[GraphName]


def check_rdf(
    data: bytes,
    fmt: Format,
    *,
    graph: str | None,
    source: str | None = None,
    keep_graphs: bool = False,
    max_nesting: int = MAX_NESTING,
) -> Checked:
    """Parse all of `data` once, keeping nothing but a count, to prove it can be loaded.

    The errors of `read_quads`, `InputError` for a quad in a graph named by a blank node
    and, unless `keep_graphs`, for a quad naming a graph other than the target. Whether a
    graph may be written at all is the store's decision (system graphs), taken on the target
    and on `Checked.graphs`. The store then parses the same bytes again while
    writing (the parse is ~10% of a bulk load; a list of Python quads would cost more time
    and ten times the memory).
    """
    target = graph_node(graph)
    named: set[GraphName] = set()
    count = 0
    quads = read_quads(
        data, fmt, source=source, base_iri=base_iri_of(graph), max_nesting=max_nesting
    )
    for quad in quads:
        count += 1
        name = quad.graph_name
        if name not in named:
            named.add(name)
            if isinstance(name, BlankNode):
                raise InputError(
                    f"{source or 'upload'}: a quad names the blank-node graph {name}; "
                    "name graphs by IRIs"
                )
            if not keep_graphs and name != target and not isinstance(name, DefaultGraph):
                raise InputError(
                    f"{source or 'upload'}: a quad names graph {name} but the upload "
                    f"targets {_shown(target)}; upload each graph to its own target"
                )
    return Checked(count, frozenset(named) if keep_graphs else frozenset({target}))


def _shown(graph: GraphName) -> str:
    """A graph name for messages."""
    return "the default graph" if isinstance(graph, DefaultGraph) else str(graph)
