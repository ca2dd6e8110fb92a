"""Graph Store uploads in `multipart/form-data` (GSP §5.5): several RDF documents, one graph.

Each part is parsed by pyoxigraph in the syntax its own `Content-Type` names, and all parts
are merged into one N-Triples document, so the store loads them in a single all-or-nothing
write. Blank nodes stay apart: each parse mints its own blank node identifiers.
"""

from __future__ import annotations

import email.policy
from email import message_from_bytes

from pyoxigraph import RdfFormat, Triple, parse, serialize

from service.errors import InputError
from service.store.formats import rdf_format_for
from service.store.parsing import guard, syntax_error, term_too_large

MULTIPART = "multipart/form-data"
NTRIPLES = "application/n-triples"


def merge_parts(content_type: str, body: bytes, *, max_nesting: int) -> bytes:
    """The triples of every part of a multipart body, as one N-Triples document.

    Raises `InputError` without parts, `UnsupportedFormatError` for a part in an unknown
    syntax, `RDFSyntaxError` naming the part (its file name) and line for a broken one; each
    part passes the parser guards (XML bombs, nesting over `max_nesting`) first.
    """
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = message_from_bytes(head + body, policy=email.policy.HTTP)
    if not message.is_multipart():
        raise InputError("a multipart/form-data body without parts")
    triples: list[Triple] = []
    for part in message.iter_parts():
        fmt = rdf_format_for(part.get_content_type())
        data = part.get_payload(decode=True)
        name = part.get_filename() or "a multipart part"
        guard(data, fmt, source=name, max_nesting=max_nesting)
        try:
            triples += [Triple(q.subject, q.predicate, q.object) for q in parse(data, fmt.oxigraph)]
        except SyntaxError as exc:
            raise syntax_error(exc, name) from None
        except MemoryError as exc:
            raise term_too_large(exc, name) from None
    return serialize(triples, format=RdfFormat.N_TRIPLES) or b""
