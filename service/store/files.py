"""Load RDF files into a store: the format from the extension, the graph from the file name.

A file loaded without an explicit graph gets its own graph, `urn:triskel:file:` followed by
its folder's name and its own (`data/example/practice.ttl` ->
`urn:triskel:file:example/practice.ttl`), the same on every machine; a dataset file (N-Quads,
TriG) keeps the graphs it names instead. Files are read by the guarded reader
(`service.rdf.reader`): regular files only, never more than the body limit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

from service.rdf.formats import Format, rdf_format_for_path
from service.rdf.reader import MAX_BYTES, open_regular, rdf_files, read_body
from service.store.base import Store
from service.store.progress import ProgressReader
from service.store.system_graphs import engine_graphs, is_system_graph

BIG_FILE = 8 * 1024 * 1024
"""Files from this size get a progress bar (when the caller gives a terminal to draw on)."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """What one file load did."""

    path: Path
    triples: int
    graph: str


def file_graph_iri(path: Path) -> str:
    """The graph a file loads into when none is named."""
    resolved = path.resolve()
    return f"urn:triskel:file:{resolved.parent.name}/{resolved.name}"


def load_file(
    store: Store,
    path: Path,
    *,
    graph: str | None = None,
    replace: bool = False,
    fmt: Format | None = None,
    progress: TextIO | None = None,
    max_bytes: int = MAX_BYTES,
) -> Loaded:
    """Load one file all-or-nothing; draw a progress bar on `progress` for big files.

    `InputError` for anything but a regular file, `TooLargeError` past `max_bytes`.
    """
    fmt = fmt or rdf_format_for_path(path)
    keep_graphs = graph is None and fmt.is_dataset
    target = None if keep_graphs else graph or file_graph_iri(path)
    with open_regular(path) as raw:
        bar = progress_bar(raw, f"loading {path.name}", progress)
        blob = read_body(bar or raw, max_bytes=max_bytes, source=str(path))
        triples = store.load(
            blob,
            media_type=fmt.media_type,
            graph=target,
            replace=replace,
            source=str(path),
            keep_graphs=keep_graphs,
        )
        if bar is not None:
            bar.finish(f"{triples:,} triples stored")
    return Loaded(path, triples, target or "the graphs it names")


def progress_bar(raw: IO[bytes], label: str, progress: TextIO | None) -> ProgressReader | None:
    """A bar drawn on `progress` while `raw` is read, for a file of `BIG_FILE` or more (None
    without a terminal or for a small file)."""
    size = os.fstat(raw.fileno()).st_size
    if progress is None or size < BIG_FILE:
        return None
    return ProgressReader(raw, total=size, label=label, out=progress)


def load_directory_if_empty(
    store: Store,
    directory: Path,
    *,
    ignore_graphs: frozenset[str],
    progress: TextIO | None = None,
    max_bytes: int = MAX_BYTES,
    before: Callable[[], None] = lambda: None,
) -> list[Loaded]:
    """Load the RDF files of `directory`, one graph per file, if the store holds no data yet,
    calling `before` first (the CLI takes the live findings' stamp away there).

    Graphs in `ignore_graphs` (the ontology the service loads itself), system graphs and the
    engine's own graphs (Virtuoso's: `engine_graphs`) do not count as data; files that are
    not RDF (a README) are skipped. This is how `make serve` seeds an empty store with the
    example without ever reloading it over a user's changes.
    """
    held = store.graphs()
    ignored = {*ignore_graphs, *engine_graphs(held)}
    if any(g not in ignored and not is_system_graph(g) for g in held):
        return []
    files = rdf_files([directory])
    before()
    return [load_file(store, path, progress=progress, max_bytes=max_bytes) for path in files]
