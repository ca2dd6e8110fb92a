"""HTTP content negotiation: `Accept` with q-values, and `Content-Type` with its charset.

The offers come from the store's formats table. We answer with canonical media types; the
aliases clients send (`application/json` for SPARQL JSON results, `application/x-turtle`...)
count in `Accept` as the canonical type of the same format.

>>> choose("text/csv;q=0.5, application/sparql-results+xml", RESULT_TYPES)
'application/sparql-results+xml'
>>> choose(None, GRAPH_TYPES)
'text/turtle'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.errors import NotAcceptableError, UnsupportedFormatError
from service.rdf.formats import RDF_FORMATS, RESULTS_FORMATS, rdf_format_named

RESULT_TYPES: tuple[str, ...] = tuple(fmt.media_type for fmt in RESULTS_FORMATS)
"""SELECT answers, default (SPARQL JSON) first."""

BOOLEAN_TYPES: tuple[str, ...] = tuple(fmt.media_type for fmt in RESULTS_FORMATS if fmt.boolean)
"""ASK answers (CSV and TSV have no boolean form)."""

GRAPH_TYPES: tuple[str, ...] = tuple(
    rdf_format_named(name).media_type for name in ("turtle", "ntriples", "jsonld", "rdfxml")
)
"""CONSTRUCT and DESCRIBE answers and Graph Store reads, default (Turtle) first."""

ALIASES: Mapping[str, tuple[str, ...]] = {
    **{fmt.media_type: fmt.aliases for fmt in RDF_FORMATS},
    **{fmt.media_type: fmt.aliases for fmt in RESULTS_FORMATS},
}
"""Other names clients send for a format, by its canonical media type (from the formats table)."""


@dataclass(frozen=True, slots=True)
class MediaRange:
    """One element of an `Accept` header."""

    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> bool:
        """True if this range covers `media_type` (wildcards included)."""
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)

    @property
    def name(self) -> str:
        """The range as written, without parameters (`text/*`)."""
        return f"{self.type}/{self.subtype}"

    @property
    def specificity(self) -> int:
        """2 for `a/b`, 1 for `a/*`, 0 for `*/*`: the most specific range sets the q."""
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an `Accept` header; an absent or empty header accepts everything."""
    ranges: list[MediaRange] = []
    for element in (header or "*/*").split(","):
        media, *params = (part.strip() for part in element.split(";"))
        if "/" not in media:
            continue
        main, _, sub = media.lower().partition("/")
        ranges.append(MediaRange(main, sub, _quality(params)))
    return ranges or [MediaRange("*", "*", 1.0)]


def _quality(params: Sequence[str]) -> float:
    """The `q` parameter of one media range (1.0 when absent, 0.0 when unreadable)."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def _quality_of(media_type: str, ranges: Sequence[MediaRange]) -> float:
    """The q the caller gives `media_type`, by the most specific range covering it.

    An alias counts only when named exactly: `text/*` covers `text/csv`, but it does not ask
    for SPARQL XML results just because `text/xml` is one of their aliases.
    """
    aliases = ALIASES.get(media_type, ())
    best: tuple[int, float] | None = None
    for media_range in ranges:
        named = media_range.specificity == 2 and media_range.name in aliases
        if named or media_range.matches(media_type):
            rank = (media_range.specificity, media_range.q)
            best = rank if best is None or rank > best else best
    return 0.0 if best is None else best[1]


def choose(header: str | None, offered: Sequence[str]) -> str:
    """The offered type the caller prefers; ties go to the earlier (default) offer.

    Raises `NotAcceptableError` when the caller accepts none of `offered`.
    """
    ranges = parse_accept(header)
    scored = [
        (_quality_of(media_type, ranges), -i, media_type) for i, media_type in enumerate(offered)
    ]
    q, _, media_type = max(scored)
    if q <= 0:
        raise NotAcceptableError(
            f"none of the accepted types ({header}) is available; offered: {', '.join(offered)}"
        )
    return media_type


@dataclass(frozen=True, slots=True)
class ContentType:
    """A parsed `Content-Type`: the bare media type and its charset (if given)."""

    media_type: str
    charset: str | None


def parse_content_type(header: str | None) -> ContentType:
    """Split a `Content-Type` header; absent means the empty media type."""
    media, *params = (part.strip() for part in (header or "").split(";"))
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return ContentType(media.lower(), charset)


def require_utf8(content_type: ContentType) -> None:
    """SPARQL protocol bodies are UTF-8; any other declared charset is refused (415)."""
    if content_type.charset not in (None, "utf-8", "utf8"):
        raise UnsupportedFormatError(f"charset {content_type.charset} is not supported; send UTF-8")
