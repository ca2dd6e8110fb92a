"""Cases 6 and 12 of issue 9: one guarded reader for every way RDF comes in.

An RDF/XML entity bomb, or an entity declaration of any kind, a triple term (RDF 1.2) in
any syntax that can carry one, and JSON parameter bodies Python cannot hold are 400 with a
problem document, on `/store` and on `/validate` (body, `data` part, `shapes` part) alike,
and the store is the same afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.hardening.conftest import READ, WRITE, Service, problem_of

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_OPEN = f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:e="http://e/">'
SEED = "<http://e/s> <http://e/p> <http://e/o> .\n"

BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n<!ENTITY l0 "ha">\n'
    + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">\n' for i in range(1, 7))
    + f']>\n{XML_OPEN}<rdf:Description rdf:about="http://e/s"><e:p>&l6;</e:p>'
    "</rdf:Description></rdf:RDF>\n"
)
"""A small bomb: a 1 MB literal, under expat's own amplification limit."""

UNDER_FACTOR = (
    f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY a "{"a" * 2_000}">]>\n'
    f'{XML_OPEN}<rdf:Description rdf:about="http://e/s"><e:p>{"&a;" * 90}</e:p>'
    "</rdf:Description></rdf:RDF>\n"
)
"""Entities kept under expat's factor of 100: still 180 KB of literal from 8 KB."""

PROTEGE = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY e "http://e/">]>\n'
    f'{XML_OPEN}<rdf:Description rdf:about="&e;a"><e:p rdf:resource="&e;b"/>'
    "</rdf:Description></rdf:RDF>\n"
)

TRIPLE_TERMS: list[tuple[str, str, int, int]] = [
    (
        "application/n-triples",
        '<http://e/s> <http://e/p> "<<( not one )>>" .\n'
        "<http://e/s> <http://e/p> <<( <http://e/a> <http://e/b> <http://e/c> )>> .\n",
        2,
        27,
    ),
    (
        "application/n-quads",
        "<http://e/s> <http://e/p> <<( <http://e/a> <http://e/b> <http://e/c> )>> <urn:g> .\n",
        1,
        27,
    ),
    ("text/turtle", "@prefix : <http://e/> .\n# << ~ {|\n<< :a :b :c >> :p :o .\n", 3, 1),
    ("text/turtle", "@prefix : <http://e/> .\n:s :p :o {| :q :r |} .\n", 2, 10),
    ("text/turtle", "@prefix : <http://e/~x/> .\n:s :p :o ~ :r .\n", 2, 10),
    ("application/trig", "<urn:g> {\n <urn:s> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> }\n", 2, 18),
    (
        "application/rdf+xml",
        f'{XML_OPEN}\n<rdf:Description rdf:about="http://e/s">'
        '<e:p rdf:resource="http://e/o" rdf:annotation="http://e/r"/></rdf:Description></rdf:RDF>',
        2,
        0,
    ),
]


def _seeded(service: Service) -> str:
    response = service.client.put(
        "/store?graph=urn:g",
        content=SEED,
        headers={"Content-Type": "application/n-triples"} | WRITE,
    )
    assert response.status_code == 201, response.text
    return service.fingerprint()


def _each_way_in(service: Service, media_type: str, text: str) -> list[Any]:
    """The document sent every way RDF comes in: PUT and multipart POST to /store, POST
    /validate as the body, as the data part and as a shapes part."""
    typed = {"Content-Type": media_type}
    part = ("doc", text.encode(), media_type)
    client = service.client
    return [
        client.put("/store?graph=urn:g", content=text, headers=typed | WRITE),
        client.post("/store?graph=urn:g", files={"file": part}, headers=WRITE),
        client.post("/validate", content=text, headers=typed | READ),
        client.post("/validate", files={"data": part}, headers=READ),
        client.post("/validate", files={"shapes": part}, headers=READ),
    ]


@pytest.mark.parametrize(
    "document", [BOMB, UNDER_FACTOR, PROTEGE], ids=["bomb", "under-factor", "protege"]
)
def test_case_06_rdf_xml_entities_are_refused_every_way_in(
    embedded: Service, document: str
) -> None:
    before = _seeded(embedded)
    for response in _each_way_in(embedded, "application/rdf+xml", document):
        body = problem_of(response, 400)
        assert "DTD entity declarations are not accepted in RDF/XML" in body["detail"]
        assert body["line"] in (2, 3)
    assert embedded.fingerprint() == before


@pytest.mark.parametrize(("media_type", "text", "line", "column"), TRIPLE_TERMS)
def test_case_12_triple_terms_are_refused_with_their_position(
    embedded: Service, media_type: str, text: str, line: int, column: int
) -> None:
    before = _seeded(embedded)
    for response in _each_way_in(embedded, media_type, text):
        body = problem_of(response, 400)
        assert "RDF 1.2 triple terms are not supported" in body["detail"]
        assert body["line"] == line
        if column:
            assert body["column"] == column
    assert embedded.fingerprint() == before


def test_case_12_triple_terms_are_refused_on_both_backends(service: Service) -> None:
    before = _seeded(service)
    media_type, text, line, column = TRIPLE_TERMS[0]
    response = service.client.post(
        "/store?graph=urn:g", content=text, headers={"Content-Type": media_type} | WRITE
    )
    body = problem_of(response, 400)
    assert (body["line"], body["column"]) == (line, column)
    assert service.fingerprint() == before


def test_a_quad_for_another_graph_is_refused_every_way_in_to_the_store(embedded: Service) -> None:
    before = _seeded(embedded)
    text = "<urn:s> <urn:p> <urn:o> <urn:other> .\n"
    response = embedded.client.post(
        "/store?graph=urn:g", content=text, headers={"Content-Type": "application/n-quads"} | WRITE
    )
    assert "urn:other" in problem_of(response, 400)["detail"]
    assert embedded.fingerprint() == before


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ('{"min_weight": ' + "[" * 100_000, "nested too deeply"),
        ('{"min_weight": ' + "7" * 5_000 + "}", "parameter 'min_weight'"),
        ('{"min_weight": 1e999999}', "must be a JSON string or integer"),
    ],
    ids=["nested", "long-integer", "infinite-float"],
)
def test_case_12_json_parameters_python_cannot_hold_are_400(
    embedded: Service, body: str, detail: str
) -> None:
    before = embedded.fingerprint()
    response = embedded.client.post(
        "/queries/strong-external-ties",
        content=body,
        headers={"Content-Type": "application/json"} | READ,
    )
    assert detail in problem_of(response, 400)["detail"]
    assert embedded.fingerprint() == before
