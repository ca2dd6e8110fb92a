"""An RDF fuzzer: mutated documents to `PUT` / `POST /store` and `POST /validate`.

The seeds are the example organisation of `data/example/`, written in each syntax the
service reads (Turtle, TriG, N-Triples, RDF/XML, JSON-LD). Each case takes one, mutates it
(byte flips, truncation, splices, deep nesting, XML entity declarations, RDF 1.2 triple
terms, huge literals and IRIs, long blank-node chains, bad IRIs, other encodings) and sends
it, sometimes under the wrong `Content-Type`, to a graph, the default graph, a new graph, a
system graph (`urn:triskel:report:x`) or the validator (as a body or as multipart parts).
One case in ten is the document unchanged, so the store keeps data to work on.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from benchmarks.fuzz import Case
from service.resources import DATA_DIR

FORMATS = {
    "turtle": "text/turtle",
    "trig": "application/trig",
    "nt": "application/n-triples",
    "xml": "application/rdf+xml",
    "json-ld": "application/ld+json",
}
OTHER_TYPES = (
    "application/n-quads", "text/plain", "application/octet-stream", "application/x-unknown",
    "text/turtle; charset=utf-16", "text/turtle; charset=latin-1", "application/json",
    "multipart/form-data; boundary=x", "text/html", "", "text/turtle;;;q=x",
)  # fmt: skip
INTERESTING = b"<>\"{}[]()\\.;,@#^_:\x00\xff\xfe\r\n'~|"
DEPTHS = (10, 500, 999, 1_000, 1_001, 5_000, 100_000)
TRIPLE_TERMS = (
    b"<urn:fuzz:a> <urn:fuzz:p> <<( <urn:fuzz:s> <urn:fuzz:p> <urn:fuzz:o> )>> .\n",
    b"<< <urn:fuzz:s> <urn:fuzz:p> <urn:fuzz:o> >> <urn:fuzz:q> 1 .\n",
    b"<urn:fuzz:s> <urn:fuzz:p> <urn:fuzz:o> {| <urn:fuzz:r> 2 |} .\n",
    b"<urn:fuzz:s> <urn:fuzz:p> <urn:fuzz:o> ~ <urn:fuzz:reifier> .\n",
    b"<urn:fuzz:r> <http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies> "
    b"<<( <urn:fuzz:s> <urn:fuzz:p> <<( <urn:fuzz:s> <urn:fuzz:p> <urn:fuzz:o> )>> )>> .\n",
    b'VERSION "1.2"\n<urn:fuzz:s> <urn:fuzz:p> "x"@en--ltr .\n',
)
BAD_IRIS = (
    b"<http://ex ample/>", b"<\x00>", b"<http://[::1>", b"<javascript:alert(1)>",
    b"<../../../etc/passwd>", b"<urn:triskel:report:x>", b"<>", b"<http://a/\\u0000>",
    b"<%ZZ>", b"<http://a/" + b"x" * 100_000 + b">",
)  # fmt: skip
SHAPES = (
    b"@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    b"<urn:fuzz:shape> a sh:NodeShape ; sh:targetClass <urn:fuzz:C> ;\n"
    b"  sh:property [ sh:path <urn:fuzz:p> ; sh:minCount 1 ] .\n"
)


@dataclass(frozen=True)
class Document:
    """A valid seed document: its syntax name, media type and bytes."""

    syntax: str
    media_type: str
    data: bytes


def _written(items: list[ox.Triple] | list[ox.Quad], fmt: ox.RdfFormat) -> bytes:
    """`items` in `fmt`, in the order given (without an output file pyoxigraph returns bytes)."""
    data = ox.serialize(items, format=fmt)
    assert data is not None
    return data


def documents(folder: Path = DATA_DIR / "example") -> list[Document]:
    """Each Turtle file of `folder` in each syntax; the same bytes on every run (pyoxigraph
    writes triples in the order it is given them: sorted N-Triples)."""
    found = []
    for path in sorted(folder.glob("*.ttl")):
        text = path.read_bytes()
        triples = list(ox.parse(text, format=ox.RdfFormat.TURTLE))
        lines = sorted(_written(triples, ox.RdfFormat.N_TRIPLES).splitlines())
        ordered = list(ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_TRIPLES))
        graph = ox.NamedNode(f"urn:fuzz:trig:{path.stem}")
        quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ordered]
        found.append(Document("turtle", FORMATS["turtle"], text))
        found.append(Document("nt", FORMATS["nt"], b"\n".join(lines) + b"\n"))
        found.append(Document("trig", FORMATS["trig"], _written(quads, ox.RdfFormat.TRIG)))
        for syntax, fmt in (("xml", ox.RdfFormat.RDF_XML), ("json-ld", ox.RdfFormat.JSON_LD)):
            found.append(Document(syntax, FORMATS[syntax], _written(ordered, fmt)))
    return found


# -- mutations: each (rng, document) -> (name, bytes) ---------------------------


def _flip(rng: random.Random, doc: Document) -> tuple[str, bytes]:
    data = bytearray(doc.data)
    for _ in range(rng.randint(1, 20)):
        data[rng.randrange(len(data))] = rng.choice(INTERESTING)
    return "flip", bytes(data)


def _truncate(rng: random.Random, doc: Document) -> tuple[str, bytes]:
    return "truncate", doc.data[: rng.randrange(len(doc.data))]


def _repeat(rng: random.Random, doc: Document) -> tuple[str, bytes]:
    start = rng.randrange(len(doc.data))
    piece = doc.data[start : start + rng.randint(1, 200)]
    at = rng.randrange(len(doc.data))
    return "repeat", doc.data[:at] + piece * rng.randint(2, 2_000) + doc.data[at:]


def _nesting(rng: random.Random, doc: Document) -> tuple[str, bytes]:
    n = rng.choice(DEPTHS)
    if doc.syntax == "xml":
        opened = b'<rdf:Description><ex:p rdf:parseType="Resource">' * n
        body = opened + b"<ex:q>1</ex:q>" + b"</ex:p></rdf:Description>" * n
        return f"nesting:{n}", (
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            b'xmlns:ex="urn:fuzz:">' + body + b"</rdf:RDF>"
        )
    if doc.syntax == "json-ld":
        inner = b'{"@id": "urn:fuzz:s", "urn:fuzz:p": ' * n + b'"x"' + b"}" * n
        return f"nesting:{n}", rng.choice((inner, b"[" * n + b"]" * n))
    if doc.syntax == "nt":
        term = b"<urn:fuzz:o>"
        for _ in range(min(n, 5_000)):
            term = b"<<( <urn:fuzz:s> <urn:fuzz:p> " + term + b" )>>"
        return f"nesting:{n}", b"<urn:fuzz:a> <urn:fuzz:p> " + term + b" .\n"
    opened = rng.choice((b"[ <urn:fuzz:p> ", b"( "))
    closed = b"] " if opened.startswith(b"[") else b") "
    triple = b"<urn:fuzz:a> <urn:fuzz:p> " + opened * n + b"1 " + closed * n + b".\n"
    return f"nesting:{n}", doc.data + b"\n" + (
        b"<urn:fuzz:g> { " + triple + b"}" if doc.syntax == "trig" else triple
    )


def _entities(rng: random.Random, doc: Document) -> tuple[str, bytes]:
    """XML entity declarations: expansion bombs and external entities."""
    head = rng.choice(
        (
            b'<!DOCTYPE rdf:RDF [<!ENTITY a "' + b"a" * 1000 + b'">'
            b'<!ENTITY a0 "' + b"&a;" * 10 + b'">]>',
            b'<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            b'<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>',
            b'<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "http://fuzz.invalid/p.dtd"> %p;]>',
            b'<!DOCTYPE rdf:RDF SYSTEM "http://127.0.0.1:9/dtd">',
            b'<!DOCTYPE rdf:RDF [<!ENTITY l0 "lol">'
            + b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
            + b"]>",
        )
    )  # fmt: skip
    use = rng.choice((b"&x;", b"&a0;", b"&l9;", b"&a;", b""))
    body = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:fuzz:">'
        b'<rdf:Description rdf:about="urn:fuzz:s"><ex:p>'
        + use
        + b"</ex:p></rdf:Description></rdf:RDF>"
    )
    return "entities", b'<?xml version="1.0"?>\n' + head + b"\n" + body


def _triple_terms(rng: random.Random, doc: Document) -> tuple[str, bytes]:
    term = rng.choice(TRIPLE_TERMS)
    return "triple-term", doc.data + b"\n" + (
        b"<urn:fuzz:g> { " + term + b"}" if doc.syntax == "trig" else term
    )


def _huge(rng: random.Random, doc: Document) -> tuple[str, bytes]:
    size = rng.choice((100_000, 1_000_000, 8_000_000))
    form = rng.randrange(3)
    if form == 0:
        line = b'<urn:fuzz:s> <urn:fuzz:p> "' + b"x" * size + b'" .\n'
    elif form == 1:
        line = b'<urn:fuzz:s> <urn:fuzz:p> "x"@' + b"a" * (size // 100) + b" .\n"
    else:
        line = b"<urn:fuzz:s> <urn:fuzz:" + b"p" * size + b"> 1 .\n"
    return f"huge:{size}", line


def _chain(rng: random.Random, doc: Document) -> tuple[str, bytes]:
    """A long chain of blank nodes: the worst case of canonical hashing."""
    n = rng.choice((1_000, 10_000, 50_000))
    lines = b"".join(b"_:b%d <urn:fuzz:p> _:b%d .\n" % (i, i + 1) for i in range(n))
    return f"blank-chain:{n}", lines


def _bad_iri(rng: random.Random, doc: Document) -> tuple[str, bytes]:
    iri = rng.choice(BAD_IRIS)
    if doc.syntax == "trig":
        return "bad-iri", iri + b" { <urn:fuzz:s> <urn:fuzz:p> 1 . }\n"
    return "bad-iri", b"<urn:fuzz:s> <urn:fuzz:p> " + iri + b" .\n" + iri + b" <urn:fuzz:p> 1 .\n"


def _encoding(rng: random.Random, doc: Document) -> tuple[str, bytes]:
    form = rng.randrange(3)
    if form == 0:
        return "bom", b"\xef\xbb\xbf" + doc.data
    if form == 1:
        return "utf-16", doc.data.decode().encode("utf-16")
    return "bad-utf8", doc.data[:200] + b"\xc3\x28\xa0\xa1\xf0\x28\x8c\xbc" + doc.data[200:]


MUTATIONS: tuple[Callable[[random.Random, Document], tuple[str, bytes]], ...] = (
    _flip, _flip, _truncate, _repeat, _nesting, _entities, _triple_terms, _huge, _chain,
    _bad_iri, _encoding,
)  # fmt: skip


# -- targets ------------------------------------------------------------------------------


def _target(rng: random.Random) -> tuple[str, str]:
    """A method and path that take an RDF body."""
    graph = rng.choice(
        (
            "urn:fuzz:g1",
            "urn:fuzz:g2",
            "urn:triskel:report:x",
            "urn:triskel:file:x",
            "not an iri",
            "",
        )
    )
    return rng.choice(
        (
            ("PUT", f"/store?graph={quote(graph)}"),
            ("POST", f"/store?graph={quote(graph)}"),
            ("PUT", "/store?default"),
            ("POST", "/store"),
            ("PUT", "/store"),
            ("POST", "/validate"),
            ("POST", "/validate?engine=pyshacl"),
        )
    )


def _multipart(rng: random.Random, data: bytes, media_type: str) -> tuple[bytes, str]:
    """`data` as the `data` or `shapes` part of a multipart `POST /validate`."""
    boundary = "fuzzboundary"
    name = rng.choice(("data", "shapes", "other"))
    parts = [(name, data, media_type)]
    if name == "data" and rng.random() < 0.5:
        parts.append(("shapes", SHAPES, "text/turtle"))
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{part}"; filename="x.ttl"\r\n'
        f"Content-Type: {kind}\r\n\r\n".encode()
        + content
        + b"\r\n"
        for part, content, kind in parts
    )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def cases(seed: int, seeds: list[Document] | None = None) -> Iterator[Case]:
    """The endless stream of RDF cases for `seed`: the same seed, the same cases."""
    rng = random.Random(seed)
    pool = seeds if seeds is not None else documents()
    while True:
        doc = rng.choice(pool)
        if rng.random() < 0.1:
            name, data = "valid", doc.data
        else:
            name, data = rng.choice(MUTATIONS)(rng, doc)
        media_type: str | None = doc.media_type
        if rng.random() < 0.15:
            media_type = rng.choice(OTHER_TYPES) or None
        method, path = _target(rng)
        if path.startswith("/validate") and rng.random() < 0.3:
            data, media_type = _multipart(rng, data, doc.media_type)
            name += ":multipart"
        yield Case(f"{doc.syntax}:{name}", method, path, data, media_type)
