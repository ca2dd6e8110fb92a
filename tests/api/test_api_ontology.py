"""`GET /ontology[/...]` and `/shapes`: every offered type, 406, validators (ETag,
Last-Modified, 304), public CORS; each ontology document is served on its own, equal to its
file, with one `owl:Ontology` header, its version IRI, and (the core) imports that resolve here.

Publishing reads files, not the store, so one backend (embedded) is enough here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, SH

from service.api.problems import CHALLENGE
from service.namespaces import SB
from service.resources import (
    ANALYTICS,
    CONCEPTS,
    CORE,
    DOCUMENTS,
    MAPPINGS,
    ONTOLOGY_FILES,
    ONTOLOGY_IRI,
    ONTOLOGY_VERSION,
    REPORT_VOCABULARY,
    OntologyDocument,
)
from service.validation.shapes import BUILTIN_FILES, builtin_files

EMBEDDED = pytest.mark.parametrize("module_client", ["embedded"], indirect=True)

RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _union(files: tuple) -> Graph:
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


ONTOLOGY = _union(ONTOLOGY_FILES)
SHAPES = _union(BUILTIN_FILES)


def _path(iri: str) -> str:
    """Where this server answers for an IRI below the ontology's (the w3id redirect rule)."""
    assert iri.startswith(ONTOLOGY_IRI), iri
    return "/ontology" + iri.removeprefix(ONTOLOGY_IRI)


SERVED = {
    "/ontology": CORE,
    f"/ontology/{ONTOLOGY_VERSION}": CORE,
    "/ontology/concepts": CONCEPTS,
    "/ontology/concepts/1.0.0": CONCEPTS,
    "/ontology/mappings": MAPPINGS,
    "/ontology/mappings/1.0.0": MAPPINGS,
    "/ontology/analytics": ANALYTICS,
    "/ontology/analytics/1.0.0": ANALYTICS,
    "/ontology/report": REPORT_VOCABULARY,
    "/ontology/report/1.0.0": REPORT_VOCABULARY,
}
"""Every ontology path and the document it serves, written out (not derived) on purpose."""
DOCUMENT_PATHS = [path for path in SERVED if not path.endswith(ONTOLOGY_VERSION)]


def test_every_document_is_served_at_its_iri_and_its_version_iri() -> None:
    assert set(SERVED.values()) == set(DOCUMENTS)
    for document in DOCUMENTS:
        assert SERVED[_path(document.iri)] == document
        assert SERVED[_path(document.version_iri)] == document


@EMBEDDED
@pytest.mark.parametrize("path", SERVED)
@pytest.mark.parametrize(("media_type", "syntax"), RDF_TYPES.items())
def test_each_document_in_every_rdf_type_equals_its_own_file(
    module_client: TestClient, path: str, media_type: str, syntax: str
) -> None:
    response = module_client.get(path, headers={"accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    served = Graph().parse(data=response.content, format=syntax)
    assert isomorphic(served, _union((SERVED[path].path,)))


@EMBEDDED
@pytest.mark.parametrize("path", SERVED)
def test_each_document_has_one_header_its_version_iri_and_its_imports(
    module_client: TestClient, path: str
) -> None:
    """One `owl:Ontology` per document, so OWL tools see one title and every version IRI."""
    document = SERVED[path]
    served = Graph().parse(data=module_client.get(path).content, format="turtle")
    iri = URIRef(document.iri)
    assert set(served.subjects(RDF.type, OWL.Ontology)) == {iri}
    assert set(served.objects(iri, OWL.versionIRI)) == {URIRef(document.version_iri)}
    assert len(set(served.objects(iri, DCTERMS.title))) == 1
    assert set(served.objects(iri, OWL.imports)) == {URIRef(i) for i in document.imports}


def test_the_core_imports_the_concepts_the_mappings_and_the_analytics_only() -> None:
    assert set(CORE.imports) == {CONCEPTS.iri, MAPPINGS.iri, ANALYTICS.iri}
    assert all(not document.imports for document in DOCUMENTS if document is not CORE)


@EMBEDDED
def test_the_core_imports_resolve_on_this_server_to_their_documents(
    module_client: TestClient,
) -> None:
    core = Graph().parse(data=module_client.get("/ontology").content, format="turtle")
    imports = set(core.objects(URIRef(ONTOLOGY_IRI), OWL.imports))
    assert imports == {URIRef(doc.iri) for doc in (CONCEPTS, MAPPINGS, ANALYTICS)}
    union = Graph() + core
    for iri in imports:
        response = module_client.get(_path(str(iri)), headers={"accept": "text/turtle"})
        assert response.status_code == 200, iri
        imported = Graph().parse(data=response.content, format="turtle")
        assert set(imported.subjects(RDF.type, OWL.Ontology)) == {iri}
        union += imported
    assert isomorphic(union, ONTOLOGY)


@EMBEDDED
@pytest.mark.parametrize(("media_type", "syntax"), RDF_TYPES.items())
def test_the_shapes_in_every_rdf_type_equal_the_rule_pack(
    module_client: TestClient, media_type: str, syntax: str
) -> None:
    response = module_client.get("/shapes", headers={"accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert isomorphic(Graph().parse(data=response.content, format=syntax), SHAPES)


def _rule_names(shapes: Graph) -> set[str]:
    return {str(name) for name in shapes.objects(None, SH.name) if str(name)[1:].isdigit()}


@pytest.mark.parametrize("store_settings", ["embedded"], indirect=True)
def test_the_shapes_hold_the_rules_over_analytics_when_they_are_on(
    make_client: Callable[..., TestClient],
) -> None:
    """The published pack is the one the service checks: R21-R24 only with the opt-in."""
    answers = {
        on: make_client(open=True, analytics_rules=on).get(
            "/shapes", headers={"accept": "text/turtle"}
        )
        for on in (False, True)
    }
    off, on = (Graph().parse(data=answers[flag].content, format="turtle") for flag in (False, True))
    assert _rule_names(off) == {f"R{n:02d}" for n in range(1, 21)}
    assert _rule_names(on) == {f"R{n:02d}" for n in range(1, 25)}
    assert isomorphic(on, _union(builtin_files(analytics=True)))
    assert answers[True].headers["etag"] != answers[False].headers["etag"]


@EMBEDDED
@pytest.mark.parametrize("path", [*DOCUMENT_PATHS, "/shapes"])
def test_turtle_is_the_default(module_client: TestClient, path: str) -> None:
    for headers in ({}, {"accept": "*/*"}):
        response = module_client.get(path, headers=headers)
        assert response.headers["content-type"].split(";")[0] == "text/turtle"


@EMBEDDED
def test_browsers_get_html_documentation_with_an_anchor_per_term(
    module_client: TestClient,
) -> None:
    """The core's page documents the imported values too: `sb:voice` dereferences to it."""
    response = module_client.get("/ontology", headers={"accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "text/html"
    anchors = set(re.findall(r'\bid="([^"]+)"', response.text))
    own = {
        str(term).removeprefix(str(SB._NS))
        for kind in (OWL.Class, OWL.NamedIndividual)
        for term in ONTOLOGY.subjects(RDF.type, kind)
        if str(term).startswith(str(SB._NS))
    }
    assert {"Practice", "Medium", "voice"} <= own <= anchors
    assert re.findall(r"<h1>([^<]*)</h1>", response.text) == ["Social business ontology"]
    for imported in CORE.imports:
        assert f'href="{imported}"' in response.text


@EMBEDDED
@pytest.mark.parametrize("path", DOCUMENT_PATHS)
def test_each_document_has_html_under_its_own_header(module_client: TestClient, path: str) -> None:
    document = SERVED[path]
    title = Graph().parse(document.path).value(URIRef(document.iri), DCTERMS.title)
    response = module_client.get(path, headers={"accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "text/html"
    assert re.findall(r"<h1>([^<]*)</h1>", response.text) == [str(title)]
    assert f"<code>{document.version_iri}</code>" in response.text


@EMBEDDED
@pytest.mark.parametrize(
    ("path", "accept"),
    [("/ontology", "image/png"), ("/shapes", "text/html"), ("/shapes", "application/json")],
)
def test_an_unsupported_accept_is_406_listing_the_offers(
    module_client: TestClient, path: str, accept: str
) -> None:
    response = module_client.get(path, headers={"accept": accept})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    detail = response.json()["detail"]
    for offered in RDF_TYPES:
        assert offered in detail


@EMBEDDED
@pytest.mark.parametrize(
    "path",
    ["/ontology/9.9.9", "/ontology/concepts/9.9.9", "/ontology/shapes/1.0.0", "/ontology/1.0.0/x"],
)
def test_an_unknown_document_or_version_is_404_naming_what_is_published(
    module_client: TestClient, path: str
) -> None:
    response = module_client.get(path)
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert ONTOLOGY_VERSION in detail
    assert all(document_path in detail for document_path in DOCUMENT_PATHS)


@EMBEDDED
@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda document: document.name or "core")
@pytest.mark.parametrize("accept", [*RDF_TYPES, BROWSER])
def test_a_version_serves_the_same_bytes_as_the_current_document(
    module_client: TestClient, document: OntologyDocument, accept: str
) -> None:
    current = module_client.get(_path(document.iri), headers={"accept": accept})
    versioned = module_client.get(_path(document.version_iri), headers={"accept": accept})
    assert current.status_code == versioned.status_code == 200
    assert versioned.content == current.content
    assert versioned.headers["etag"] == current.headers["etag"]


@EMBEDDED
@pytest.mark.parametrize("path", [*DOCUMENT_PATHS, "/shapes"])
def test_validators_are_a_strong_hash_of_the_bytes_and_the_file_time(
    module_client: TestClient, path: str
) -> None:
    seen = set()
    for media_type in RDF_TYPES:
        identity = {"accept": media_type, "accept-encoding": "identity"}
        response = module_client.get(path, headers=identity)
        etag = response.headers["etag"]
        assert not etag.startswith("W/")
        assert etag.strip('"') == hashlib.sha256(response.content).hexdigest()[:32]
        assert response.headers["vary"].split(", ")[0] == "Accept"
        assert response.headers["last-modified"].endswith(" GMT")
        seen.add(etag)
    assert len(seen) == len(RDF_TYPES)


@EMBEDDED
@pytest.mark.parametrize("path", [*DOCUMENT_PATHS, "/shapes"])
def test_a_known_etag_or_date_answers_304(module_client: TestClient, path: str) -> None:
    first = module_client.get(path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in (
        {"if-none-match": etag},
        {"if-none-match": f'"other", W/{etag.removeprefix("W/")}'},
        {"if-none-match": "*"},
        {"if-modified-since": modified},
    ):
        again = module_client.get(path, headers=headers)
        assert again.status_code == 304, headers
        assert again.content == b""
        assert again.headers["etag"] == etag
    changed = module_client.get(path, headers={"if-none-match": '"other"'})
    assert changed.status_code == 200
    other_type = module_client.get(
        path, headers={"if-none-match": etag, "accept": "application/n-triples"}
    )
    assert other_type.status_code == 200


@EMBEDDED
def test_head_gives_the_headers_without_the_body(module_client: TestClient) -> None:
    get = module_client.get("/shapes")
    head = module_client.head("/shapes")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]


@EMBEDDED
@pytest.mark.parametrize("path", [*SERVED, "/shapes"])
def test_any_origin_may_read_without_credentials(module_client: TestClient, path: str) -> None:
    origin = {"origin": "https://tools.example"}
    response = module_client.get(path, headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "ETag" in response.headers["access-control-expose-headers"]
    preflight = module_client.options(
        path,
        headers=origin
        | {
            "access-control-request-method": "GET",
            "access-control-request-headers": "authorization, if-none-match",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"]
    assert "Authorization" in allowed and "If-None-Match" in allowed
    assert "access-control-allow-credentials" not in preflight.headers


@EMBEDDED
def test_cors_stays_off_other_paths_and_methods(module_client: TestClient) -> None:
    origin = {"origin": "https://tools.example"}
    sparql = module_client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    assert "access-control-allow-origin" not in sparql.headers
    cross_site = module_client.post("/ontology", headers=origin)
    assert cross_site.status_code == 403  # refused before routing: see tests/hardening/test_edge
    assert "access-control-allow-origin" not in cross_site.headers
    post = module_client.post("/ontology")
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD, OPTIONS"
    assert "access-control-allow-origin" not in post.headers


PUBLISHED = (*SERVED, "/shapes")


@pytest.mark.parametrize("store_settings", ["embedded"], indirect=True)
def test_published_files_need_the_read_role_like_sparql(
    make_client: Callable[..., TestClient], token_spec: str, tokens: dict[str, str]
) -> None:
    client = make_client(tokens=token_spec)
    read = {"authorization": f"Bearer {tokens['read']}"}
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 401
    for path in PUBLISHED:
        refused = client.get(path, headers={"origin": "https://tools.example"})
        assert refused.status_code == 401, path
        assert refused.headers["www-authenticate"] == CHALLENGE
        assert refused.headers["access-control-allow-origin"] == "*"
        assert client.get(path, headers=read).status_code == 200, path


@pytest.mark.parametrize("store_settings", ["embedded"], indirect=True)
def test_published_files_need_no_token_when_reads_are_public(
    make_client: Callable[..., TestClient], token_spec: str
) -> None:
    client = make_client(tokens=token_spec, public_read=True)
    for path in PUBLISHED:
        assert client.get(path).status_code == 200, path
