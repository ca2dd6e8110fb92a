"""Live findings: the current findings of the store, kept up to date by every write.

* `state` — `LiveFindings`: started from the kept findings, or built from the store (a
  progress line in the log), patched from each committed write's delta, tried and rolled
  back for a guarded write, rebuilt once when the store changed behind the service's back.
* `pages` — filtered, paged views of the findings as reports (`GET /findings`).
* `saved` — the findings kept in the store's `urn:triskel:live:` system graphs, with a stamp,
  so that a restart serves them without validating the store.
"""

from __future__ import annotations

from service.findings.pages import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    SORT_FIELDS,
    Filters,
    Order,
    Page,
    page,
    refused_results,
)
from service.findings.state import Change, LiveFindings, at_least, change_of, quads_of

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "SORT_FIELDS",
    "Change",
    "Filters",
    "LiveFindings",
    "Order",
    "Page",
    "at_least",
    "change_of",
    "page",
    "quads_of",
    "refused_results",
]
