"""Importers: build the three layers from what organisations already have.

One module (or package) per kind, each exposing `IMPORTER`, an `Importer` of the shared
contract (`service.importers.contract`); `KINDS` names them, and a kind is imported only when
asked for, so adding one touches no other. `service.importers.run` turns an importer's output
into one named graph with its provenance. Core code: nothing here knows HTTP or the CLI.
"""

from __future__ import annotations

import importlib

from service.errors import NotFoundError
from service.importers.contract import Importer

KINDS: dict[str, str] = {
    "archimate": "service.importers.archimate",
    "chat": "service.importers.chat",
    "csv": "service.importers.registers",
    "eventlog": "service.importers.eventlog",
    "mbox": "service.importers.mbox",
}
"""Kind name -> the module that holds its `IMPORTER`."""

__all__ = ["KINDS", "importer_named"]


def importer_named(kind: str) -> Importer:
    """The importer of a kind; `NotFoundError` listing the kinds for an unknown name.

    >>> importer_named("eventlog").name
    'eventlog'
    """
    module = KINDS.get(kind)
    if module is None:
        raise NotFoundError(f"no importer of kind {kind!r} (kinds: {', '.join(sorted(KINDS))})")
    importer: Importer = importlib.import_module(module).IMPORTER
    return importer
