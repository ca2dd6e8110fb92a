"""The one small contract every importer kind implements, and what kinds share.

An importer reads sources (files as bytes, each with a name for messages) with options and
writes N-Triples lines to a `Triples` sink, counting what it made in a `Summary`. It never
touches a store: `service.importers.run` names the graph, adds the provenance and writes
it all or nothing. So a kind is one module exposing an `Importer`, and adding one touches
no other kind.

Entity IRIs are minted from source identifiers (`entity_iri`), the same on every import of
the same identifier, so imports that meet join on the same node; the identifier itself is
kept as `dcterms:identifier`, or its keyed hash when pseudonymised (`Pseudonyms`).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import tomllib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from service.errors import InputError
from service.rdf.reader import MAX_BYTES

SB = "https://w3id.org/social-business#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
IDENTIFIER = "<http://purl.org/dc/terms/identifier>"
XSD = "http://www.w3.org/2001/XMLSchema#"
MAX_SKIPPED_LISTED = 100
"""Skipped items named one by one in a summary; past it they are only counted."""
ENCODE_LINES = 50_000
"""Pieces (lines, or texts of several lines) of a document encoded at a time (`Triples`)."""
MAX_ARCHIVE_ENTRIES = 100_000
"""Entries a zip source may hold (a chat export has a file per channel and day)."""


@dataclass(frozen=True, slots=True)
class Source:
    """One input: its name (a file path, or the upload's name) for messages, and its bytes."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the bytes: what the import graph is derived from."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """An option a kind takes (`--option NAME=VALUE`, or a query parameter of the route)."""

    name: str
    default: str | None
    help: str


@dataclass(frozen=True, slots=True)
class Request:
    """What the caller asked for besides the sources: the kind's options (every declared
    option, defaults filled in), the mapping file's bytes, pseudonymisation, the date
    before which items are left out, and the bytes an archive may unpack to (the service's
    body limit, `TRISKEL_MAX_BODY_MB`)."""

    options: Mapping[str, str | None]
    mapping: bytes | None = None
    pseudonyms: Pseudonyms | None = None
    since: datetime | None = None
    max_bytes: int = MAX_BYTES


@dataclass(frozen=True, slots=True)
class Skipped:
    """An item left out of an import: where (file and line or offset) and why."""

    where: str
    why: str


@dataclass(slots=True)
class Summary:
    """What an import made and left out; `details` holds counts particular to a kind."""

    people: int = 0
    organisations: int = 0
    tools: int = 0
    practices: int = 0
    conversations: int = 0
    acts: int = 0
    arcs: int = 0
    details: dict[str, int] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    skipped_count: int = 0

    def skip(self, where: str, why: str) -> None:
        """Count a skipped item; name it while fewer than `MAX_SKIPPED_LISTED` are named."""
        self.skipped_count += 1
        if len(self.skipped) < MAX_SKIPPED_LISTED:
            self.skipped.append(Skipped(where, why))

    def counts(self) -> dict[str, int]:
        """The entity counts every kind reports, in a fixed order."""
        return {
            "people": self.people,
            "organisations": self.organisations,
            "tools": self.tools,
            "practices": self.practices,
            "conversations": self.conversations,
            "acts": self.acts,
            "arcs": self.arcs,
        }


class Triples:
    """An N-Triples document under construction: lines of already well-formed terms, encoded
    to UTF-8 as they come, `ENCODE_LINES` pieces at a time, into one growing buffer. A big
    import so holds its document once, as bytes, and `encode` hands that very buffer out:
    never as lines, text and bytes at once, nor two copies of the bytes.

    >>> out = Triples()
    >>> out.add(iri("urn:x:a"), RDFS_LABEL, literal('say "hi"'))
    >>> out.encode()
    b'<urn:x:a> <http://www.w3.org/2000/01/rdf-schema#label> "say \\\\"hi\\\\"" .\\n'
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0
        self._document = io.BytesIO()

    def add(self, subject: str, predicate: str, obj: str) -> None:
        """Add one triple of N-Triples terms (`iri`, `literal`, `typed`)."""
        self.lines.append(f"{subject} {predicate} {obj} .\n")
        self.size += 1
        if len(self.lines) >= ENCODE_LINES:
            self._flush()

    def extend(self, text: str, count: int) -> None:
        """Add `count` triples already written as N-Triples lines (the fast path of kinds
        that write many alike entities)."""
        self.lines.append(text)
        self.size += count
        if len(self.lines) >= ENCODE_LINES:
            self._flush()

    def __len__(self) -> int:
        return self.size

    def _flush(self) -> None:
        """Encode the pending lines into the document and drop them."""
        self._document.write("".join(self.lines).encode("utf-8"))
        self.lines.clear()

    def hash_into(self, digest: Any) -> None:
        """Feed the document so far to a `hashlib` digest, without copying it."""
        self._flush()
        with self._document.getbuffer() as view:
            digest.update(view)

    def encode(self) -> bytes:
        """The document as UTF-8: the buffer itself (`BytesIO.getvalue` of a buffer no one
        views shares it), not a copy."""
        self._flush()
        return self._document.getvalue()


class Importer(ABC):
    """One kind of source. `read` turns sources into triples and counts, or raises
    `InputError` naming why a source is not of the kind; malformed items inside a source of
    the kind are skipped and named in the summary instead."""

    name: str
    version: str
    options: tuple[OptionSpec, ...] = ()

    @abstractmethod
    def read(self, sources: list[Source], request: Request, out: Triples) -> Summary:
        """Add the sources' entities to `out`; return what was made and left out."""

    def resolve_options(self, given: Mapping[str, str]) -> dict[str, str | None]:
        """Every declared option with `given` values over the defaults; an undeclared name
        is an `InputError` listing the declared ones."""
        declared = {spec.name: spec.default for spec in self.options}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            known = ", ".join(sorted(declared)) or "none"
            raise InputError(f"{self.name} takes no option {unknown[0]!r} (options: {known})")
        return declared | dict(given)


class Pseudonyms:
    """Keyed hashes of identifiers: HMAC-SHA256 with `TRISKEL_PSEUDONYM_KEY`, hex, so the
    same identifier gets the same pseudonym on every import made with the same key.

    >>> Pseudonyms("k").of("Pete") == Pseudonyms("k").of("Pete") != Pseudonyms("j").of("Pete")
    True
    """

    def __init__(self, key: str) -> None:
        if not key:
            raise InputError("pseudonymising needs TRISKEL_PSEUDONYM_KEY (a secret, not empty)")
        self._key = key.encode("utf-8")

    def of(self, identifier: str) -> str:
        """The pseudonym of one identifier."""
        return hmac.new(self._key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()


def entity_iri(entity: str, scope: str, *parts: str) -> str:
    """The IRI of an imported entity: `urn:triskel:<entity>:<scope>:<part>/<part>...`,
    each part percent-encoded, so an identifier never breaks out of its place.

    >>> entity_iri("person", "eventlog", "Pete Smith")
    'urn:triskel:person:eventlog:Pete%20Smith'
    >>> entity_iri("conversation", "eventlog", "log/1", "3")
    'urn:triskel:conversation:eventlog:log%2F1/3'
    """
    return f"urn:triskel:{entity}:{scope}:" + "/".join(map(_encoded, parts))


_SAFE = re.compile(r"[A-Za-z0-9._~-]*")
_SAFE_BUT_AT = re.compile(r"[A-Za-z0-9._~@-]*")


def _encoded(part: str) -> str:
    """A part percent-encoded; most identifiers need none, and skip the encoder, and mail
    addresses and message ids need only their `@` encoded.

    >>> _encoded("ann@example.org") == quote("ann@example.org", safe="")
    True
    """
    if _SAFE.fullmatch(part):
        return part
    if _SAFE_BUT_AT.fullmatch(part):
        return part.replace("@", "%40")
    return quote(part, safe="")


def iri(value: str) -> str:
    """An IRI as an N-Triples term (the value is one `entity_iri` or a vocabulary IRI)."""
    return f"<{value}>"


def sb(local: str) -> str:
    """A term of the social-business vocabulary as an N-Triples term."""
    return f"<{SB}{local}>"


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def literal(text: str) -> str:
    """A plain string literal as an N-Triples term."""
    return f'"{text.translate(_ESCAPES)}"'


def typed(lexical: str, datatype: str) -> str:
    """A literal of an XML Schema datatype (`datatype` is its local name).

    >>> typed("3", "integer")
    '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    return f'"{lexical}"^^<{XSD}{datatype}>'


def date_time(moment: datetime) -> str:
    """An `xsd:dateTime` literal; a time without zone stays without one."""
    return typed(moment.isoformat(), "dateTime")


def mapping_tables(data: bytes, kind: str, tables: tuple[str, ...]) -> dict[str, Any]:
    """A kind's TOML mapping file as its tables; `InputError` for a file that is not TOML
    or a table the kind does not know.

    >>> mapping_tables(b'[members]\\n"a@b.org" = "Sales"\\n', "mbox", ("members",))
    {'members': {'a@b.org': 'Sales'}}
    """
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"mapping: not a TOML file ({exc})") from None
    unknown = sorted(set(table) - set(tables))
    if unknown:
        raise InputError(
            f"mapping: an {kind} mapping has no table {unknown[0]!r} ({', '.join(tables)})"
        )
    return table


def add_tool(out: Triples, node: str, *, name: str, label: str, category: str) -> None:
    """A tool of a text medium (mail, chat): its type, label, identifier, category (a member
    of `sb:ToolCategory`) and `sb:text` as its medium."""
    out.add(node, RDF_TYPE, sb("Tool"))
    out.add(node, RDFS_LABEL, literal(label))
    out.add(node, IDENTIFIER, literal(name))
    out.add(node, sb("toolCategory"), sb(category))
    out.add(node, sb("supportsMedium"), sb("text"))


def add_arc(out: Triples, node: str, ends: tuple[str, str], weight: int, channel: str) -> None:
    """An arc from `ends[0]` to `ends[1]` (person nodes) with its weight, over `channel`."""
    out.add(node, RDF_TYPE, sb("Arc"))
    out.add(node, sb("source"), ends[0])
    out.add(node, sb("target"), ends[1])
    out.add(node, sb("weight"), typed(str(weight), "integer"))
    out.add(node, sb("channel"), channel)
