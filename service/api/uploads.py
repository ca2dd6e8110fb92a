"""Graph Store uploads in `multipart/form-data` (GSP §5.5): several RDF documents, one graph.

Each part is read by the guarded reader (`service.rdf.reader`) in the syntax its own
`Content-Type` names, and all parts
are merged into one N-Triples document, so the store loads them in a single all-or-nothing
write. Blank nodes stay apart: each parse mints its own blank node identifiers.
"""

from __future__ import annotations

import email.policy
from email import message_from_bytes

from pyoxigraph import RdfFormat, Triple, serialize

from service.errors import InputError
from service.rdf.formats import NTRIPLES, rdf_format_for
from service.rdf.reader import read_quads

MULTIPART = "multipart/form-data"

__all__ = ["MULTIPART", "NTRIPLES", "merge_parts"]


def merge_parts(content_type: str, body: bytes, *, max_nesting: int) -> bytes:
    """The triples of every part of a multipart body, as one N-Triples document.

    Raises `InputError` without parts, `UnsupportedFormatError` for a part in an unknown
    syntax, `RDFSyntaxError` naming the part (its file name) and line for a broken one; each
    part passes every guard of the reader (entities, nesting over `max_nesting`, triple
    terms).
    """
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = message_from_bytes(head + body, policy=email.policy.HTTP)
    if not message.is_multipart():
        raise InputError("a multipart/form-data body without parts")
    triples: list[Triple] = []
    for part in message.iter_parts():
        fmt = rdf_format_for(part.get_content_type())
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            raise InputError("a multipart part without a body")
        name = part.get_filename() or "a multipart part"
        quads = read_quads(data, fmt, source=name, rename_blank_nodes=True, max_nesting=max_nesting)
        triples += (quad.triple for quad in quads)
    return serialize(triples, format=RdfFormat.N_TRIPLES) or b""
