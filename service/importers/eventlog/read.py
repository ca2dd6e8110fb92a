"""Read an event log, XES (IEEE 1849) or CSV, into cases of events.

Both syntaxes are read through the same names, PM4Py's: an option naming `case:K` reads the
trace attribute `K` of an XES trace, or the column `case:K` of a CSV row; any other name
reads the event attribute (XES) or the column (CSV) of that name. An event without an
activity or a readable timestamp is skipped and named (file and line); the rest of the log
is read. A file that is not an event log at all — not well-formed XML, an XML document that
is not a `<log>`, a CSV without the case, activity or timestamp column — is an `InputError`
naming why.

XML is read by expat with every DTD refused outright: no entity can be declared, expanded or
fetched (the billion laughs and external entities have nothing to work with). A gzip file
(`.xes.gz`, as the 4TU and BPI logs are published) is unpacked first (`gunzipped`), counted
against the service's body limit as it unpacks.
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.parsers import expat

from service.errors import InputError, TooLargeError
from service.importers.contract import Source, Summary

CASE_PREFIX = "case:"
GZIP_MAGIC = b"\x1f\x8b"
UNPACK_CHUNK = 1 << 20
"""Bytes unpacked at a time from a gzip source, so a bomb is stopped at the limit."""
MAX_DEPTH = 64
"""Deepest XES element nesting read; logs nest attributes a few levels at most."""


@dataclass(slots=True)
class Event:
    """One well-formed event: `rank` orders events of a case (timestamp, then file order)."""

    rank: tuple[float, int]
    time: datetime
    activity: str
    resource: str | None
    transition: str
    instance: str | None
    group: str | None = None


@dataclass(slots=True)
class Case:
    """The events of one case and the case-level values read with them."""

    events: list[Event] = field(default_factory=list)
    channels: dict[str, None] = field(default_factory=dict)
    uses: dict[tuple[str, str], None] = field(default_factory=dict)
    """(resource, channel) of each event that has both, in the order first read."""
    practice: str | None = None


@dataclass(slots=True)
class Log:
    """The cases of one log, in the order first seen, and the log's own name if it has one."""

    name: str | None
    cases: dict[str, Case]


Columns = Mapping[str, str | None]
"""The option names that say where each value is (`case`, `activity`, ...), resolved."""
FIELDS = (
    "activity", "timestamp", "resource", "lifecycle", "instance", "channel", "practice", "group"
)  # fmt: skip
"""The options naming an event's values besides its case, in the order `_Reader.event` takes."""


def instant(moment: datetime) -> float:
    """Seconds since the epoch; a time without zone counts as UTC, so all times compare."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class _Reader:
    """Builds the cases of a log from raw event values, skipping malformed events."""

    def __init__(self, source: Source, columns: Columns, summary: Summary) -> None:
        self.source = source
        self.columns = columns
        self.summary = summary
        self.cases: dict[str, Case] = {}
        self.order = 0

    def event(self, where: str, case_id: str | None, values: list[str | None]) -> None:
        """Add one event read at `where`; `values` are those `FIELDS` name, in that order."""
        self.order += 1
        activity, stamp, resource, transition, instance, channel, practice, group = values
        why = None
        if not case_id:
            why = f"no case identifier ({self.columns['case']})"
        elif not activity:
            why = f"no activity ({self.columns['activity']})"
        elif not stamp:
            why = f"no timestamp ({self.columns['timestamp']})"
        else:
            try:
                time = datetime.fromisoformat(stamp)
            except ValueError:
                why = f"timestamp {stamp!r} is not an ISO 8601 date and time"
        if why is not None or not case_id or not activity:
            self.summary.skip(where, why or "")
            return
        case = self.cases.get(case_id)
        if case is None:
            case = self.cases[case_id] = Case(practice=practice or None)
        if channel:
            case.channels[channel] = None
            if resource:
                case.uses[(resource, channel)] = None
        case.events.append(
            Event(
                (instant(time), self.order),
                time,
                activity,
                resource or None,
                transition.lower() if transition else "complete",
                instance or None,
                group or None,
            )
        )


def read_csv(source: Source, columns: Columns, delimiter: str, summary: Summary) -> Log:
    """The cases of a CSV log with a header row; `InputError` without the needed columns."""
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source.name}: not an event log: not UTF-8 text ({exc.reason})"
        ) from None
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = _header(source, rows)
    needed = [columns["case"], columns["activity"], columns["timestamp"]]
    missing = [name for name in needed if name not in header]
    if missing:
        shown = ", ".join(header[:12]) + (", ..." if len(header) > 12 else "")
        raise InputError(
            f"{source.name}: not an event log: no column {missing[0]!r} in the header "
            f"(columns: {shown}); name the columns with --option"
        )
    position = {name: index for index, name in enumerate(header)}
    reader = _Reader(source, columns, summary)
    case_at = position[columns["case"] or ""]
    at = [position.get(name) if name is not None else None for name in map(columns.get, FIELDS)]
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            reader.order += 1
            summary.skip(f"{source.name}:{rows.line_num}", f"malformed CSV row ({exc})")
            continue
        where = f"{source.name}:{rows.line_num}"
        if not row:
            continue
        if len(row) != len(header):
            reader.order += 1
            summary.skip(where, f"{len(row)} fields, the header has {len(header)}")
            continue

        reader.event(where, row[case_at], [None if i is None else row[i] for i in at])
    return Log(None, reader.cases)


def _header(source: Source, rows: Iterator[list[str]]) -> list[str]:
    try:
        return next(rows)
    except StopIteration:
        raise InputError(f"{source.name}: not an event log: the file is empty") from None
    except csv.Error as exc:
        raise InputError(
            f"{source.name}: not an event log: unreadable CSV header ({exc})"
        ) from None


class _Refused(Exception):
    """Raised from an expat callback: the document is refused, with this reason."""


def gunzipped(source: Source, max_bytes: int) -> Source:
    """A gzip source unpacked, named without its `.gz`; any other source as it is.
    `TooLargeError` when it unpacks past `max_bytes`, `InputError` for a broken stream.

    >>> import gzip
    >>> gunzipped(Source("log.xes.gz", gzip.compress(b"<log/>")), 100)
    Source(name='log.xes', data=b'<log/>')
    """
    if not source.data.startswith(GZIP_MAGIC):
        return source
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    chunks: list[bytes] = []
    size, pending = 0, source.data
    try:
        while not inflater.eof:
            chunk = inflater.decompress(pending, UNPACK_CHUNK)
            size += len(chunk)
            if size > max_bytes:
                raise TooLargeError(
                    f"{source.name}: the gzip file unpacks past {max_bytes:,} bytes: refused"
                )
            chunks.append(chunk)
            pending = inflater.unconsumed_tail
            if not chunk and not pending:
                raise InputError(f"{source.name}: the gzip file ends before its data does")
    except zlib.error as exc:
        raise InputError(f"{source.name}: not a readable gzip file ({exc})") from None
    return Source(source.name.removesuffix(".gz"), b"".join(chunks))


def read_xes(source: Source, columns: Columns, summary: Summary) -> Log:
    """The cases of an XES log; `InputError` for XML that is not well-formed, has a DTD, or
    is not a `<log>`."""
    reader = _Reader(source, columns, summary)
    parser = expat.ParserCreate(namespace_separator=" ")
    state = _XesState()

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        state.depth += 1
        if state.depth > MAX_DEPTH:
            raise _Refused(f"XML nested deeper than {MAX_DEPTH} elements")
        if state.depth == 1 and local != "log":
            raise _Refused(f"not an XES event log: the root element is <{local}>, not <log>")
        where = f"{source.name}:{parser.CurrentLineNumber}"
        if state.depth == 2 and local == "trace":
            state.trace, state.trace_at, state.events = {}, where, []
        elif state.depth == 3 and state.trace is not None and local == "event":
            state.event, state.event_at = {}, where
        elif "key" in attributes:
            state.attribute(state.depth, attributes["key"], attributes.get("value"))

    def end(name: str) -> None:
        state.depth -= 1
        if state.depth == 2 and state.event is not None:
            state.events.append((state.event_at, state.event))
            state.event = None
        elif state.depth == 1 and state.trace is not None:
            state.flush(reader, columns)

    def doctype(*_args: object) -> None:
        raise _Refused("a DTD is not accepted in an event log (no entities, no DTDs)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(source.data, True)
    except _Refused as exc:
        raise InputError(f"{source.name}:{parser.CurrentLineNumber}: {exc}") from None
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc))
        raise InputError(
            f"{source.name}:{exc.lineno}: not an event log: not well-formed XML ({message})"
        ) from None
    return Log(state.log.get("concept:name"), reader.cases)


@dataclass(slots=True)
class _XesState:
    """Where the XES parse is: the log's attributes, the open trace and event."""

    depth: int = 0
    log: dict[str, str] = field(default_factory=dict)
    trace: dict[str, str] | None = None
    trace_at: str = ""
    event: dict[str, str] | None = None
    event_at: str = ""
    events: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def attribute(self, depth: int, key: str, value: str | None) -> None:
        """Keep an attribute of the log, the open trace or the open event (nested
        meta-attributes are not read)."""
        if value is None:
            return
        if depth == 2:
            self.log[key] = value
        elif depth == 3 and self.trace is not None and self.event is None:
            self.trace[key] = value
        elif depth == 4 and self.event is not None:
            self.event[key] = value

    def flush(self, reader: _Reader, columns: Columns) -> None:
        """Hand the closed trace's events to the reader, now that its attributes are known."""
        trace = self.trace or {}
        case_id = _value(columns["case"], trace, {})
        for where, event in self.events:
            values = [_value(columns[name], trace, event) for name in FIELDS]
            reader.event(where, case_id, values)
        self.trace, self.events = None, []


def _value(name: str | None, trace: dict[str, str], event: dict[str, str]) -> str | None:
    """The value an option names: `case:K` from the trace, any other name from the event."""
    if name is None:
        return None
    if name.startswith(CASE_PREFIX):
        return trace.get(name[len(CASE_PREFIX) :])
    return event.get(name)
