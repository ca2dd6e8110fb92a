"""Guard pyoxigraph's RDF/XML parser against the two XML bombs it does not stop itself.

Measured with pyoxigraph 0.5: a 0.8 KB "billion laughs" document (nested internal entities)
expands to a 3.2 GB literal in about a minute, and element nesting costs quadratic time
(10k levels 0.5 s, 100k levels about a minute). So RDF/XML is first read by expat, which
stops entity amplification by itself (expat >= 2.4 refuses an amplification factor over 100)
and lets us count nesting depth; only then does pyoxigraph parse it. Both are bad input
(`InputError`), not a body over a size limit: the documents themselves are small. External
entities are never fetched: a reference to one is refused here, by name, before pyoxigraph
(which refuses them too, with a less telling message) sees the document.
The pre-read costs about as much as pyoxigraph's own parse, for RDF/XML only.
"""

from __future__ import annotations

from xml.parsers import expat

from service.errors import InputError, RDFSyntaxError

MAX_DEPTH = 1_000
"""Deepest element nesting accepted; real RDF/XML stays under a few dozen levels."""


class _TooDeep(Exception):
    """Raised from the expat callback, turned into `InputError` by the caller."""


class _External(Exception):
    """Raised from the expat callback when the document uses an external entity."""


def check_xml(data: bytes, *, source: str | None) -> None:
    """Raise `InputError` for entity amplification or nesting over `MAX_DEPTH`, and
    `RDFSyntaxError` (with line and column) for XML that is not well-formed or that uses an
    external entity."""
    parser = expat.ParserCreate()
    depth = 0

    def start(_name: str, _attributes: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _TooDeep

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    def external(_context: str, _base: str | None, system_id: str, _public: str | None) -> int:
        raise _External(system_id)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.ExternalEntityRefHandler = external
    where = source or "upload"
    try:
        parser.Parse(data, True)
    except _TooDeep:
        raise InputError(
            f"{where}: XML nested deeper than {MAX_DEPTH} elements "
            f"(line {parser.CurrentLineNumber})"
        ) from None
    except _External as exc:
        raise RDFSyntaxError(
            f"external entity {exc} is not read: the service fetches no entity",
            source=source,
            line=parser.CurrentLineNumber,
            column=parser.CurrentColumnNumber,
        ) from None
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc))
        if "amplification" in message:
            raise InputError(f"{where}: XML entities expand too much ({message})") from None
        raise RDFSyntaxError(message, source=source, line=exc.lineno, column=exc.offset) from None
