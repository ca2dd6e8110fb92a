"""Fuzzers run against a live `triskel serve`: generated SPARQL (`sparql`), mutated RDF
(`rdf`), and the runner that sends their cases and watches `/health` meanwhile (`runner`).

A fuzzer is an endless, seeded stream of `Case`s: the same seed gives the same cases, so a
failure found in a long run is replayed by its seed and index alone. The rule the runner
checks is the service's promise under hostile input: no 500, no crash, no answer later than
the time budget allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Case:
    """One HTTP request of a fuzzer: what to send, and a short name of what it tries."""

    kind: str
    method: str
    path: str
    body: bytes
    content_type: str | None
    accept: str | None = None

    def describe(self, limit: int = 2_000) -> str:
        """The request as text, its body cut at `limit` characters, to record a finding."""
        text = self.body.decode("utf-8", errors="backslashreplace")
        if self.content_type == "application/x-www-form-urlencoded":
            text = "\n".join(f"{k}={v}" for k, v in parse_qsl(text, keep_blank_values=True))
        cut = f"{text[:limit]}... ({len(self.body)} bytes)" if len(text) > limit else text
        return f"[{self.kind}] {self.method} {self.path} ({self.content_type})\n{cut}"
