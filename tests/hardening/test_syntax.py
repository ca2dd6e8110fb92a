"""Case 25 of the hardening issue: no text is a 500, and nothing stored breaks an export.

Every negative syntax test of the W3C SPARQL 1.1 query and update suites (found through
`TRISKEL_SHARED_DIR`; the run fails when they are absent), and negative Turtle, N-Triples and
other RDF documents built here after the W3C Turtle/N-Triples suites (bad IRIs, literal
subjects, bad escapes...), must be a 400 that changes nothing. Then the oddest valid data
(control characters, XML-breaking text, IRIs no RDF/XML QName can hold, ill-typed literals)
is stored and exported in every offered syntax, each export parsing back to the same triples.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import parse

from service.api.negotiation import GRAPH_TYPES
from service.rdf.formats import rdf_format_for
from service.store.remote import RemoteStore
from tests.api.test_w3c_sparql import MF, QUERY_SYNTAX, UPDATE_SYNTAX, _syntax_cases
from tests.hardening.conftest import READ, WRITE, Service, problem_of

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

BROKEN: list[tuple[str, str]] = [
    ("application/n-triples", '<http://e/a b> <http://e/p> "x" .\n'),
    ("application/n-triples", '"lit" <http://e/p> "x" .\n'),
    ("application/n-triples", '<http://e/s> "p" "x" .\n'),
    ("application/n-triples", '<http://e/s> <http://e/p> "bad \\q escape" .\n'),
    ("application/n-triples", '<http://e/s> <http://e/p> "\\uZZZZ" .\n'),
    ("application/n-triples", '<relative> <http://e/p> "x" .\n'),
    ("application/n-triples", '<http://e/s> <http://e/p> "x"@1en .\n'),
    ("application/n-triples", "<http://e/s> <http://e/p> <http://e/o>\n"),
    ("application/n-triples", "<http://e/s> <http://e/p> <http://e/\\u0020> .\n"),
    ("text/turtle", "<http://e/s> <http://e/p> <http://e/a b> .\n"),
    ("text/turtle", '"lit" <http://e/p> 1 .\n'),
    ("text/turtle", ":s :p :o .\n"),
    ("text/turtle", '@prefix : <http://e/> . :s :p "unterminated .\n'),
    ("text/turtle", "@prefix : <http://e/> . :s :p [ :q 1 .\n"),
    ("text/turtle", '@prefix : <http://e/> . :s :p "\\U0011FFFF" .\n'),
    ("text/turtle", "@prefix : <http://e/> . :s :p :o :extra .\n"),
    ("text/turtle", "@prefix : <http://e/> . :s :p 'x'@ .\n"),
    ("text/turtle", "@prefix : <http://e/> . :s :p ( 1 .\n"),
    ("application/trig", "<urn:g> { <urn:s> <urn:p> 1 \n"),
    ("application/rdf+xml", f'<rdf:RDF xmlns:rdf="{RDF_NS}"><rdf:Description>\n'),
    ("application/ld+json", '{"@id": , "urn:p": 1}'),
    ("application/n-quads", '<urn:s> <urn:p> "x" "graph" .\n'),
]


def _w3c(path: Path) -> list[Path]:
    return [c.values[0] for c in _syntax_cases(path, {_NEGATIVE[path]: 400}) if c.values[0]]


_NEGATIVE = {QUERY_SYNTAX: MF.NegativeSyntaxTest11, UPDATE_SYNTAX: MF.NegativeUpdateSyntaxTest11}


@pytest.mark.parametrize(
    ("manifest", "endpoint"), [(QUERY_SYNTAX, "/sparql"), (UPDATE_SYNTAX, "/update")]
)
def test_case_25_every_w3c_negative_syntax_test_is_a_400(
    shared: Service, manifest: Path, endpoint: str
) -> None:
    kind = "query" if endpoint == "/sparql" else "update"
    headers = {"Content-Type": f"application/sparql-{kind}"} | WRITE
    before = shared.fingerprint()
    files = _w3c(manifest)
    assert len(files) == (31 if kind == "query" else 13)
    wrong = {
        path.name: response.status_code
        for path in files
        if (
            response := shared.client.post(endpoint, content=path.read_bytes(), headers=headers)
        ).status_code
        != 400
    }
    assert wrong == {}
    assert shared.fingerprint() == before


@pytest.mark.parametrize(("media_type", "document"), BROKEN)
def test_case_25_broken_rdf_is_a_400_never_a_500(
    shared: Service, media_type: str, document: str
) -> None:
    before = shared.fingerprint()
    for method in (shared.client.put, shared.client.post):
        response = method(
            "/store?graph=urn:g", content=document, headers={"Content-Type": media_type} | WRITE
        )
        problem_of(response, 400)
    assert shared.fingerprint() == before


ODD = f"""@prefix xsd: <{XSD}> . @prefix rdf: <{RDF_NS}> .
<http://e/s> <urn:p> "NUL \\u0000 BEL \\u0007 ESC \\u001B DEL \\u007F" ;
  <http://e/123> "]]> <!-- --> <x/> & &amp; \\"quoted\\" 'single' \\\\ \\r\\n\\t" ;
  <http://e/p#> "x"@en-Latn-US , "not a number"^^xsd:integer , "<a>"^^rdf:XMLLiteral ,
    "<p>unclosed"^^rdf:HTML , "2024-13-45"^^xsd:date , "x"^^<urn:type> , "\\U0001F600 ü ß" ;
  <http://e/ü/%20/a?q=1&r=2> <http://e/o#frag> , _:b , ( 1 "two" <urn:three> ) ;
  <http://e/long> "{"y" * 1_000_000}" .
_:b <http://e/p:colon> [ <http://e/-dash> "" ] .
"""


def test_case_25_export_never_fails_on_what_was_stored(service: Service) -> None:
    put = service.client.put(
        "/store?graph=urn:odd", content=ODD, headers={"Content-Type": "text/turtle"} | WRITE
    )
    assert put.status_code == 201, put.text
    stored = service.store.count("urn:odd")
    for media_type in GRAPH_TYPES:
        response = service.client.get("/store?graph=urn:odd", headers={"Accept": media_type} | READ)
        assert response.status_code == 200, (media_type, response.text[:300])
        back = list(parse(response.content, rdf_format_for(media_type).oxigraph))
        assert len(back) == stored, media_type
    construct = service.client.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <urn:odd> { ?s ?p ?o } }"},
        headers={"Accept": "application/rdf+xml"} | READ,
    )
    assert construct.status_code == 200, construct.text[:300]
    for media_type in ("application/trig", "application/n-quads"):
        dataset = service.store.export(None, media_type=media_type, dataset=True)
        assert len(list(parse(dataset, rdf_format_for(media_type).oxigraph))) >= stored
    report = service.client.post("/validate?engine=fast", headers=READ)
    assert report.status_code == 200, report.text[:300]
    reference = service.client.post("/validate?engine=pyshacl", headers=READ)
    if isinstance(service.store, RemoteStore):  # validated on the engine: pySHACL would copy all
        assert "pyshacl" in problem_of(reference, 400)["detail"]
    else:
        assert reference.status_code == 200, reference.text[:300]
