"""The live findings kept in the store, so that a restart serves them without validating.

Two system graphs (`service.store.system_graphs`: written by the service alone, never
validated) hold the maintained state:

* `FINDINGS_GRAPH` (`urn:triskel:live:findings`): one statement per current finding,
  `<urn:triskel:finding:<id>> sbr:record "<json>"` — the subject is the finding's ledger IRI
  (its content id, `service.reports.ledger`), the literal the finding's fields with its
  context and id as the JSON view shows them (`Record`). One statement, not the ledger's
  dozen: a restart reads them all, and the store reads statements, not bytes, slowly
  (about 40,000 a second from disk on a busy machine).
* `STATE_GRAPH` (`urn:triskel:live:state`): the stamp, `<urn:triskel:live:state>
  sbr:stateVersion "<hex>" ; sbr:validatedQuads <n>`. The version hashes the state's format,
  the code's version, the shapes and the ontology files (`state_version`); the count is the
  quads of the validated graphs the findings describe. With `sbr:lastWrite` (an
  `xsd:dateTime`, UTC): when the service last committed a write, which the findings describe;
  absent until the service makes its first write, and lost with the stamp when the store is
  written outside it (`forget`).

Every write of the service voids the stamp before it writes the data (`begin`: a second
`sbr:recordCount`, -1) and writes it anew with the write's opened and closed findings in one
update after (`finish`). So a crash between the data write and the findings update leaves no
valid stamp, and the next start rebuilds. A start that finds no stamp, another version, a
record count that is not the records' (a client's `DROP ALL` or `DELETE` over `GRAPH ?g`
may reach these graphs), or (on a remote store, which others may write) another count of
validated quads, rebuilds once; `triskel load` takes the stamp away before it writes
(`forget`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from service import __version__
from service.errors import TriskelError
from service.namespaces import SBR
from service.rdf.formats import NTRIPLES
from service.reports.context import About
from service.reports.ledger import finding_iri
from service.reports.model import Result
from service.resources import ONTOLOGY_FILES
from service.store.base import Store
from service.store.system_graphs import SELF_CHECKED_PREFIX, service_writes
from service.validation.model import Finding, Severity
from service.validation.shapes import ShapePack

log = logging.getLogger(__name__)

FINDINGS_GRAPH = SELF_CHECKED_PREFIX + "findings"
"""The system graph holding one `sbr:record` statement per current finding."""
STATE_GRAPH = SELF_CHECKED_PREFIX + "state"
"""The system graph holding the stamp of the maintained state."""
FORMAT = "1"
"""The layout of the two graphs; a change makes every older state stale."""

PATCH_LINES = 1_000
"""Up to this many changed statements the kept state is patched by one update; past it, and
past a fiftieth of the kept statements, the findings graph is loaded anew: an update's text
is parsed and checked, some 250 µs a statement, a load's is parsed once."""
REWRITE_SHARE = 50

_STAMP = ox.NamedNode(STATE_GRAPH)
_VERSION = ox.NamedNode(str(SBR.stateVersion))
_QUADS = ox.NamedNode(str(SBR.validatedQuads))
_COUNT = ox.NamedNode(str(SBR.recordCount))
_RECORD = ox.NamedNode(str(SBR.record))
_WRITTEN = ox.NamedNode(str(SBR.lastWrite))
_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_DATE_TIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


def state_version(pack: ShapePack, shapes: str) -> str:
    """The hex digest naming what the findings were computed with: the state's format, the
    code's version, the shapes (`shapes`, their canonical hash) and the ontology files."""
    digest = hashlib.sha256(f"{FORMAT}\x1f{__version__}\x1f{shapes}\x1f".encode())
    for path in ONTOLOGY_FILES:
        digest.update(path.read_bytes())
    digest.update(",".join(sorted(pack.rules)).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Stamp:
    """What the stamp says: the state's version and the validated quads it describes, and
    when the service last committed a write (ISO 8601, UTC; None before its first)."""

    version: str
    quads: int
    records: int
    written: str | None = None

    def triples(self) -> str:
        """The stamp as N-Triples lines (for an update's DATA block)."""
        lines = (
            f"{_STAMP} {_VERSION} {ox.Literal(self.version)} .\n"
            f"{_STAMP} {_QUADS} {_integer(self.quads)} .\n"
            f"{_STAMP} {_COUNT} {_integer(self.records)} .\n"
        )
        if self.written is not None:
            lines += f"{_STAMP} {_WRITTEN} {ox.Literal(self.written, datatype=_DATE_TIME)} .\n"
        return lines


def now() -> str:
    """The time of a write as the stamp keeps it (UTC, to the second)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_INTEGER)


@dataclass(frozen=True)
class Record:
    """One current finding as kept: the finding, its content id and its context."""

    finding: Finding
    id: str
    about: About

    @classmethod
    def of(cls, result: Result) -> Record:
        return cls(result.finding, result.id, result.about)

    def text(self) -> str:
        """The JSON literal's text (terms as `_term` writes them)."""
        f = self.finding
        document = {
            "f": [
                f.rule,
                f.severity,
                *(_term(t) for t in (f.focus, f.value, f.path, f.shape, f.component)),
                f.message,
            ],
            "id": self.id,
            "a": [[_term(t) for t in group] for group in _groups(self.about)],
        }
        return orjson.dumps(document).decode()

    @classmethod
    def parse(cls, text: str) -> Record:
        """A record from its literal (`text`)."""
        document = orjson.loads(text)
        rule, severity, focus, value, path, shape, component, message = document["f"]
        conversations, practices, people = (
            tuple(_node(t) for t in group) for group in document["a"]
        )
        finding = Finding(
            rule=rule,
            severity=_severity(severity),
            focus=_node(focus),
            value=None if value is None else _node(value),
            path=None if path is None else _iri(path),
            message=message,
            shape=_node(shape),
            component=None if component is None else _iri(component),
        )
        return cls(finding, document["id"], About(conversations, practices, people))

    def line(self) -> str:
        """The record's statement as an N-Triples line."""
        subject = ox.NamedNode(finding_iri(self.id))
        return f"{subject} {_RECORD} {ox.Literal(self.text())} .\n"


_VOID = f"{_STAMP} {_COUNT} {_integer(-1)} ."
"""What `Kept.begin` adds to void the stamp until `finish` writes it anew."""


def read_stamp(store: Store) -> Stamp | None:
    """The stamp the store holds; None when there is none, or it has two values of a field
    (a write began and did not finish: `Kept.begin`), or it is malformed."""
    rows = store.select(
        f"SELECT ?v ?n ?r ?w WHERE {{ GRAPH <{STATE_GRAPH}> "
        f"{{ {_STAMP} {_VERSION} ?v ; {_QUADS} ?n ; {_COUNT} ?r "
        f"OPTIONAL {{ {_STAMP} {_WRITTEN} ?w }} }} }}"
    )
    if len(rows) != 1:
        return None
    try:
        row = rows[0]
        written = row.get("w")
        return Stamp(
            row["v"].value,
            int(row["n"].value),
            int(row["r"].value),
            None if written is None else written.value,
        )
    except (KeyError, ValueError):
        return None


def read_records(store: Store) -> list[tuple[Record, str]]:
    """The kept records, each with its statement as stored (an N-Triples line): what a
    later patch deletes must be that statement, and writing each line anew from its parsed
    record took a quarter of a restart at 1M."""
    if FINDINGS_GRAPH not in store.graphs():
        return []
    body = store.export(FINDINGS_GRAPH, media_type=NTRIPLES)
    return [
        (Record.parse(t.object.value), f"{t} .\n")
        for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)
        if t.predicate == _RECORD and isinstance(t.object, ox.Literal)
    ]


def forget(store: Store) -> None:
    """Take the stamp away (before a write the live findings do not follow: the next start
    of the service rebuilds them)."""
    with service_writes():
        store.update(f"DROP SILENT GRAPH <{STATE_GRAPH}>")


def rewrite(store: Store, lines: Iterable[str], stamp: Stamp) -> None:
    """Replace the kept statements with `lines` and stamp them: the stamp away first, the
    findings graph loaded in one all-or-nothing load, the stamp back."""
    with service_writes():
        forget(store)
        body = "".join(lines).encode()
        store.load(body, media_type=NTRIPLES, graph=FINDINGS_GRAPH, replace=True)
        store.update(f"INSERT DATA {{ GRAPH <{STATE_GRAPH}> {{ {stamp.triples()} }} }}")


def patch(
    store: Store,
    *,
    removed: Iterable[str],
    added: Iterable[str],
    stamp: Stamp,
) -> None:
    """One update: the stamp graph emptied and the `removed` statements out, the `added`
    ones in, the stamp back. Emptied by `CLEAR`, not `DROP`: Virtuoso 7.2 takes 0.5 s for
    a `DROP` of a graph the same update writes again, 0.02 s for a `CLEAR`."""
    gone, new = "".join(removed), "".join(added)
    parts = [f"CLEAR SILENT GRAPH <{STATE_GRAPH}>"]
    if gone:
        parts.append(f"DELETE DATA {{ GRAPH <{FINDINGS_GRAPH}> {{ {gone} }} }}")
    inserted = f"GRAPH <{FINDINGS_GRAPH}> {{ {new} }} " if new else ""
    parts.append(f"INSERT DATA {{ {inserted}GRAPH <{STATE_GRAPH}> {{ {stamp.triples()} }} }}")
    with service_writes():
        store.update(" ;\n".join(parts))


def _groups(about: About) -> Iterator[tuple[Node, ...]]:
    yield about.conversations
    yield about.practices
    yield about.people


def _term(term: Node | None) -> Any:
    """A term as JSON: an IRI as its string, a blank node as `{"b": id}`, a literal as
    `{"l": lexical form, "d": datatype, "g": language}`."""
    if term is None:
        return None
    if isinstance(term, BNode):
        return {"b": str(term)}
    if isinstance(term, Literal):
        datatype = None if term.datatype is None else str(term.datatype)
        return {"l": str(term), "d": datatype, "g": term.language}
    return str(term)


@lru_cache(maxsize=1 << 16)
def _iri(value: str) -> URIRef:
    """An IRI of a record, built once: a restart reads tens of thousands of records over
    far fewer IRIs (rules' shapes, components, people), and rdflib checks each IRI it
    builds."""
    return URIRef(value)


def _node(value: Any) -> Node:
    """The term `_term` wrote."""
    if isinstance(value, str):
        return _iri(value)
    if "b" in value:
        return BNode(value["b"])
    return Literal(value["l"], datatype=value["d"], lang=value["g"])


def _severity(name: str) -> Severity:
    for known in ("violation", "warning", "info"):
        if name == known:
            return known
    raise ValueError(f"not a severity: {name!r}")


class Kept:
    """The maintained state as this process last wrote it: each kept finding's statement
    and the stamp, plus the findings the write under way opened and closed (`note`), written
    by `finish`. Once a write of the state failed, the state is left unstamped (the next
    start rebuilds) and not written again by this process."""

    def __init__(self, lines: dict[Finding, str], stamp: Stamp) -> None:
        self._lines = lines
        self._stamp = stamp
        self._opened: set[Finding] = set()
        self._closed: set[Finding] = set()
        self._broken = False

    @property
    def findings(self) -> frozenset[Finding]:
        """The findings kept (every finding of the engine, not only the unique ones)."""
        return frozenset(self._lines)

    def relabel(self, findings: Iterable[Finding]) -> None:
        """Key the kept statements by `findings`, the same findings as this process names
        their blank shapes (`Finding.lasting`); the statements stay as stored."""
        named = {f.lasting: f for f in findings}
        self._lines = {named[f.lasting]: line for f, line in self._lines.items()}

    @property
    def count(self) -> int:
        """The statements kept (what the stamp's record count must say)."""
        return len(set(self._lines.values()))

    @property
    def last_write(self) -> str | None:
        """When the service last committed a write (the stamp's `sbr:lastWrite`)."""
        return self._stamp.written

    def note(self, opened: Iterable[Finding], closed: Iterable[Finding]) -> None:
        """Count a step of the write under way (a trial undone later cancels out)."""
        for finding in closed:
            if finding in self._opened:
                self._opened.discard(finding)
            else:
                self._closed.add(finding)
        for finding in opened:
            if finding in self._closed:
                self._closed.discard(finding)
            else:
                self._opened.add(finding)

    def begin(self, store: Store) -> None:
        """Void the stamp before a write, by adding it a second record count (a stamp with
        two is no stamp, `read_stamp`): an addition is one transaction, where a removal
        needs the store's undo log. A failure is raised (the write must not be made under a
        stamp that would still vouch for the old findings)."""
        self._opened.clear()
        self._closed.clear()
        if not self._broken:
            with service_writes():
                store.update(f"INSERT DATA {{ GRAPH <{STATE_GRAPH}> {{ {_VOID} }} }}")

    def finish(
        self,
        store: Store,
        records: Callable[[list[Finding]], list[Record]],
        quads: int,
        *,
        written: bool,
    ) -> None:
        """Write the findings the write opened and closed, and the stamp back; `written`:
        the write was committed (its time becomes the last write), not refused or failed."""
        opened, closed = list(self._opened), self._closed
        self._opened, self._closed = set(), set()
        removed = [self._lines.pop(f) for f in closed if f in self._lines]
        added = {r.finding: r.line() for r in records(opened)} if opened else {}
        self._lines.update(added)
        self._stamp = self._stamped(quads, now() if written else None)
        self._write(store, removed, added.values())

    def replace(self, store: Store, records: Iterable[Record], quads: int) -> None:
        """Make the kept statements those of `records` (writing only the difference)."""
        lines = {r.finding: r.line() for r in records}
        old, new = set(self._lines.values()), set(lines.values())
        self._lines = lines
        self._stamp = self._stamped(quads)
        self._write(store, old - new, new - old)

    def _write(self, store: Store, removed: Collection[str], added: Collection[str]) -> None:
        """Take the `removed` statements out and put the `added` ones in, with the stamp: by
        one update, or (see `PATCH_LINES`) by loading the findings graph anew: an import
        that opened 35k findings spent 9 s parsing and checking the update's text."""
        stamp = self._stamp
        changed = len(removed) + len(added)
        if changed > PATCH_LINES and changed * REWRITE_SHARE > len(self._lines):
            kept = list(self._lines.values())
            self._guarded(store, lambda: rewrite(store, kept, stamp))
        else:
            self._guarded(store, lambda: patch(store, removed=removed, added=added, stamp=stamp))

    def _stamped(self, quads: int, written: str | None = None) -> Stamp:
        return Stamp(self._stamp.version, quads, self.count, written or self._stamp.written)

    def _guarded(self, store: Store, write: Callable[[], None]) -> None:
        if self._broken:
            return
        try:
            write()
        except TriskelError as exc:
            self._broken = True
            log.warning(
                "live findings: the maintained state could not be written (%s); "
                "the next start rebuilds it",
                exc,
            )
