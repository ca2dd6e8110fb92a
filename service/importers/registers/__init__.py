"""`csv`: registers (HR directory, IT tool inventory, tool policies, practices) in CSV, made
triples by declarative RML mappings that an RML engine (SDM-RDFizer) executes: no Python
knows what a column means. `templates/` ships a CSV template and its RML Turtle mapping for
each register (`people.csv` ... `practices.csv`); a source named like a template is read with
its mapping, and `--mapping FILE` (RML Turtle) reads files of other names or columns.

What this module decides is which rows the engine sees. A row is skipped, named by file
and line, when it has another number of fields than the header, when it has no value in a
column that the file's first triples map (the one that makes the register's entity) reads
in its subject, templates or functions, or when a column any map reads holds a character
of Unicode's private use area U+E000 to U+E002. Those three carry quotes and backslashes
past the engine, which rewrites them (it would store another name than the register's): a
row goes to the engine with them in place of `'`, `"` and `\\`, and the engine's output is
given them back, in literals as the characters and in IRIs percent-encoded, as the other
importers encode them.
Every other map is given the rows that have a value in each such column of its own (the
engine writes an empty one as the text `nan`, and reads `nan`, `N/A`, `None` and `NULL` as
empty, so these count as empty here too): an empty optional column makes no triple. A file
that is not UTF-8 CSV, or whose header lacks a column the mapping reads, is refused.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePath
from tempfile import TemporaryDirectory
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad

from service.errors import InputError
from service.importers.contract import (
    RDF_TYPE,
    SB,
    Importer,
    OptionSpec,
    Request,
    Source,
    Summary,
    Triples,
)
from service.importers.registers.engine import run_engine
from service.importers.registers.mapping import BASE, Mapping, Node, TriplesMap, parse_mapping
from service.rdf.formats import rdf_format_named
from service.rdf.reader import read_quads

KIND = "csv"
TEMPLATES = Path(__file__).parent / "templates"
EMPTY = frozenset({"", "nan", "N/A", "None", "NULL"})
"""Values the engine reads as no value."""
CARRIED = {"'": "\ue000", '"': "\ue001", "\\": "\ue002"}
"""Characters the engine does not write back as they were, and what carries each past it."""
TO_ENGINE = str.maketrans(CARRIED)
FROM_ENGINE = str.maketrans({carrier: char for char, carrier in CARRIED.items()})
FROM_ENGINE_MARKS = tuple(CARRIED.values())
ENCODED_BACK = {quote(carrier, safe=""): quote(char, safe="") for char, carrier in CARRIED.items()}
"""A carrier percent-encoded by the engine's `escape` -> the character's own encoding."""
ORG_ORGANIZATION = "http://www.w3.org/ns/org#Organization"
COUNTED = {
    "people": f"{SB}Person",
    "organisations": ORG_ORGANIZATION,
    "tools": f"{SB}Tool",
    "practices": f"{SB}Practice",
}
POLICY = f"{SB}ToolPolicy"
ENGINE_RUNS = 2
"""Engine processes run at once (one per register file; most of a run is the engine's own
start, the same for a small register and a big one)."""


@dataclass(frozen=True, slots=True)
class Table:
    """One CSV source: its name, header and rows, each with the line it starts on."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def template_names() -> list[str]:
    """The registers that have a shipped mapping (`people.csv`, ...)."""
    return sorted(
        path.name.removesuffix(".rml.ttl") + ".csv" for path in TEMPLATES.glob("*.rml.ttl")
    )


class RegistersImporter(Importer):
    """CSV registers through RML mappings."""

    name = KIND
    version = "1"
    options = (OptionSpec("delimiter", ",", "the CSV delimiter"),)

    def read(self, sources: list[Source], request: Request, out: Triples) -> Summary:
        if request.pseudonyms is not None:
            raise InputError("csv: registers name people by address; --pseudonymise does not apply")
        if request.since is not None:
            raise InputError("csv: registers carry no dates; --since does not apply")
        delimiter = request.options.get("delimiter") or ","
        if len(delimiter) != 1:
            raise InputError(f"csv: the delimiter is one character, not {delimiter!r}")
        tables = {source.name: read_table(source, delimiter) for source in sources}
        summary = Summary()
        summary.details = {"rows": sum(len(t.rows) for t in tables.values())}
        runs = self._mappings(sources, request.mapping)
        with TemporaryDirectory(prefix="triskel-csv-") as folder:
            prepared = []
            for index, (mapping, read) in enumerate(runs):
                work = Path(folder) / str(index)
                work.mkdir()
                rewritten = _prepare(mapping, _files(read, mapping), tables, work, summary)
                if rewritten is not None:
                    prepared.append((work, rewritten))
            with ThreadPoolExecutor(max_workers=ENGINE_RUNS) as pool:
                produced = list(pool.map(lambda run: run_engine(*run), prepared))
        _add(b"".join(produced), out, summary)
        return summary

    def _mappings(
        self, sources: list[Source], given: bytes | None
    ) -> list[tuple[Mapping, list[Source]]]:
        """The user's mapping with all sources, or each source with the shipped mapping of
        its register (one engine run each, so the runs can go side by side)."""
        if given is not None:
            return [(parse_mapping(given, "mapping", f"{BASE}given"), sources)]
        runs = []
        for source in sources:
            name = PurePath(source.name).name
            if name not in template_names():
                raise InputError(
                    f"csv: {source.name} is no register with a shipped mapping "
                    f"({', '.join(template_names())}); pass --mapping FILE"
                )
            stem = name.removesuffix(".csv")
            template = TEMPLATES / f"{stem}.rml.ttl"
            base = f"{BASE}{quote(stem)}"
            runs.append((parse_mapping(template.read_bytes(), template.name, base), [source]))
        return runs


def _prepare(
    mapping: Mapping, files: dict[str, str], tables: dict[str, Table], work: Path, summary: Summary
) -> bytes | None:
    """One engine run made ready: each triples map given its rows in a file of its own
    under `work`; the mapping rewritten to read them (None when no map has a source)."""
    given: dict[str, list[TriplesMap]] = {}
    for triples_map in mapping.maps:
        if triples_map.file in files:
            given.setdefault(files[triples_map.file], []).append(triples_map)
    paths: dict[Node, str] = {}
    for name, maps in given.items():
        table = tables[name]
        rows = _kept_rows(table, maps, summary)
        for triples_map in maps:
            path = work / f"{len(paths)}.csv"
            _write(path, table.header, _rows_for(table, rows, triples_map))
            paths[triples_map.node] = str(path)
    return mapping.rewritten(paths) if paths else None


def read_table(source: Source, delimiter: str) -> Table:
    """A source as CSV; `InputError` for one that is not UTF-8 CSV with a header. A row with
    another number of fields than the header is kept here and skipped later."""
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source.name}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, tuple[str, ...]]] = []
    header: tuple[str, ...] = ()
    line = 1
    try:
        for record in reader:
            if not header:
                header = tuple(name.strip() for name in record)
            elif record:
                rows.append((line, tuple(record)))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{source.name}:{line}: not CSV ({exc})") from None
    if not any(header):
        raise InputError(f"{source.name}: not a CSV register (no header line)")
    return Table(source.name, header, tuple(rows))


def _files(sources: list[Source], mapping: Mapping) -> dict[str, str]:
    """Mapping file name -> the source read for it: by file name, or the one source when
    the mapping reads one file; `InputError` for a source no triples map reads."""
    wanted = mapping.files
    if len(wanted) == 1 and len(sources) == 1:
        return {next(iter(wanted)): sources[0].name}
    found: dict[str, str] = {}
    for source in sources:
        name = PurePath(source.name).name
        if name not in wanted:
            raise InputError(
                f"csv: {source.name} is read by no triples map of the mapping "
                f"(it reads {', '.join(sorted(wanted))})"
            )
        found[name] = source.name
    return found


def _kept_rows(table: Table, maps: list[TriplesMap], summary: Summary) -> list[tuple[str, ...]]:
    """The rows of `table` not skipped (the others are named in `summary`); `InputError`
    when the header lacks a column a map reads."""
    columns = sorted({column for m in maps for column in m.columns})
    missing = [column for column in columns if column not in table.header]
    if missing:
        raise InputError(
            f"{table.name}: no column {missing[0]!r} in the header "
            f"({', '.join(table.header)}), which the mapping reads"
        )
    read = [(column, table.header.index(column)) for column in columns]
    first = [(column, table.header.index(column)) for column in maps[0].needed]
    kept = []
    for line, row in table.rows:
        where = f"{table.name}:{line}"
        if len(row) != len(table.header):
            summary.skip(where, f"{len(row)} fields where the header has {len(table.header)}")
        elif marked := [c for c, i in read if any(mark in row[i] for mark in FROM_ENGINE_MARKS)]:
            summary.skip(where, f"a private-use character U+E000 to U+E002 in column {marked[0]!r}")
        elif empty := [c for c, i in first if row[i].strip() in EMPTY]:
            summary.skip(where, f"no value in column {empty[0]!r}")
        else:
            kept.append(tuple(value.translate(TO_ENGINE) for value in row))
    return kept


def _rows_for(
    table: Table, rows: list[tuple[str, ...]], triples_map: TriplesMap
) -> list[tuple[str, ...]]:
    """The rows a triples map is given: those with a value in every column it needs."""
    needed = [table.header.index(column) for column in triples_map.needed]
    return [row for row in rows if all(row[i].strip() not in EMPTY for i in needed)]


def _write(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)


def _add(produced: bytes, out: Triples, summary: Summary) -> None:
    """The engine's N-Triples into `out` (as one canonical line each), counted by type."""
    typed: Counter[str] = Counter()
    lines: dict[str, None] = {}
    for quad in read_quads(
        produced, rdf_format_named("ntriples"), source="csv: the RML engine's output"
    ):
        quad = _given_back(quad)
        line = f"{quad.subject} {quad.predicate} {quad.object} .\n"
        if line in lines:
            continue
        lines[line] = None
        if quad.predicate == NamedNode(RDF_TYPE[1:-1]) and isinstance(quad.object, NamedNode):
            typed[quad.object.value] += 1
    out.extend("".join(lines), len(lines))
    for field, type_iri in COUNTED.items():
        setattr(summary, field, typed[type_iri])
    summary.details["policies"] = typed[POLICY]


def _given_back(quad: Quad) -> Quad:
    """`quad` with the quotes and backslashes its terms carried past the engine restored.

    >>> back = _given_back(Quad(NamedNode("urn:x:o%EE%80%80b"), NamedNode("urn:p"),
    ...                         Literal("Dan O\ue000Brien")))
    >>> (back.subject.value, back.object.value)
    ('urn:x:o%27b', "Dan O'Brien")
    """
    subject, value = quad.subject, quad.object
    if isinstance(subject, NamedNode):
        subject = _iri_back(subject)
    if isinstance(value, NamedNode):
        value = _iri_back(value)
    elif isinstance(value, Literal) and any(c in value.value for c in FROM_ENGINE_MARKS):
        text = value.value.translate(FROM_ENGINE)
        language = value.language
        value = (
            Literal(text, language=language) if language else Literal(text, datatype=value.datatype)
        )
    return Quad(subject, quad.predicate, value)


def _iri_back(iri: NamedNode) -> NamedNode:
    """The IRI with each carrier the engine percent-encoded encoded as its character."""
    text = iri.value
    for carried, encoded in ENCODED_BACK.items():
        text = text.replace(carried, encoded)
    return NamedNode(text)


IMPORTER = RegistersImporter()
