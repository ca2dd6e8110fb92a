"""`TRISKEL_REVALIDATE_EVERY`: a full validation pushed down to the remote engine on a
period, to catch writes made behind the service's back.

The live findings follow every write that goes through the service, and notice a foreign
write by the count of the validated quads (`LiveFindings.stale`); a foreign write that keeps
the count (one triple replaced by another) is not seen that way. Every period,
`Revalidation.once` validates the store on its engine (`service.validation.pushdown`: the
data is not copied for it) and, when those findings differ from the live ones, rebuilds the
live state from the store (`LiveFindings.rebuild`), saying so in the log. So a foreign write
stays unseen for up to one period plus one validation, no less: the period bounds how stale
the findings may be, at the cost of one full validation on the engine each time.
"""

from __future__ import annotations

import logging
import threading

from rdflib import BNode

from service.errors import TriskelError
from service.findings.state import LiveFindings
from service.store.remote import RemoteStore
from service.validation import pushdown, unique_findings
from service.validation.model import Finding

log = logging.getLogger(__name__)


class Revalidation:
    """A thread validating a remote store on its engine every `every_s` seconds."""

    def __init__(
        self, store: RemoteStore, live: LiveFindings, *, every_s: float, page_rows: int
    ) -> None:
        self._store, self._live = store, live
        self._every_s, self._page_rows = every_s, page_rows
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="revalidation", daemon=True)

    def once(self) -> bool:
        """One full revalidation on the engine; True when it found the live findings out of
        date and rebuilt them."""
        run = pushdown.run(self._store, self._live.pack, page_rows=self._page_rows)
        if _keys(unique_findings(run.findings)) == _keys(self._live.findings()):
            return False
        self._live.rebuild(self._store, "a full revalidation found other findings")
        return True

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """Stop after the revalidation under way, if any."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self._every_s):
            try:
                self.once()
            except TriskelError as error:  # the engine unreachable or over a limit: next time
                log.warning("revalidation failed: %s", error)


def _keys(findings: list[Finding]) -> set[tuple[object, ...]]:
    """The findings' keys, blank nodes as one placeholder: the engine and the live state label
    them differently."""
    return {tuple("_:" if isinstance(t, BNode) else t for t in f.key) for f in findings}
