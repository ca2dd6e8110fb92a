"""Unit tests of the HTTP edge's pure parts: negotiation, SPARQL text scanning, access policy."""

from __future__ import annotations

import pytest

from service.api.auth import AccessPolicy, Role, digest, is_loopback, parse_tokens
from service.api.negotiation import (
    BOOLEAN_TYPES,
    GRAPH_TYPES,
    RESULT_TYPES,
    choose,
    parse_content_type,
    require_utf8,
)
from service.api.sparql_text import query_form, with_using
from service.errors import AuthError, InputError, NotAcceptableError, UnsupportedFormatError


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        (None, RESULT_TYPES, "application/sparql-results+json"),
        ("", GRAPH_TYPES, "text/turtle"),
        ("*/*", GRAPH_TYPES, "text/turtle"),
        ("text/csv", RESULT_TYPES, "text/csv"),
        ("text/tab-separated-values", RESULT_TYPES, "text/tab-separated-values"),
        ("application/json", RESULT_TYPES, "application/sparql-results+json"),
        ("application/sparql-results+xml", RESULT_TYPES, "application/sparql-results+xml"),
        (
            "text/csv;q=0.5, application/sparql-results+xml",
            RESULT_TYPES,
            XML := "application/sparql-results+xml",
        ),
        ("text/*;q=0.9, application/*;q=0.1", RESULT_TYPES, "text/csv"),
        ("application/rdf+xml, text/turtle;q=0.8", GRAPH_TYPES, "application/rdf+xml"),
        ("application/ld+json", GRAPH_TYPES, "application/ld+json"),
        ("application/n-triples", GRAPH_TYPES, "application/n-triples"),
        ("application/x-turtle", GRAPH_TYPES, "text/turtle"),
        ("text/html, */*;q=0.1", GRAPH_TYPES, "text/turtle"),
        ("text/csv, */*;q=0.1", BOOLEAN_TYPES, "application/sparql-results+json"),
        ("application/sparql-results+json;q=0, */*", RESULT_TYPES, XML),
    ],
)
def test_choose_follows_q_values_and_prefers_the_default_on_ties(
    accept: str | None, offered: tuple[str, ...], expected: str
) -> None:
    assert choose(accept, offered) == expected


@pytest.mark.parametrize("accept", ["text/html", "text/csv", "image/*;q=1, */*;q=0"])
def test_choose_refuses_when_nothing_acceptable(accept: str) -> None:
    with pytest.raises(NotAcceptableError, match="offered"):
        choose(accept, BOOLEAN_TYPES)


def test_content_type_parsing_keeps_charset() -> None:
    parsed = parse_content_type('Application/Sparql-Query; charset="UTF-16"')
    assert (parsed.media_type, parsed.charset) == ("application/sparql-query", "utf-16")
    with pytest.raises(UnsupportedFormatError, match="utf-16"):
        require_utf8(parsed)
    require_utf8(parse_content_type("application/sparql-query; charset=utf-8"))
    assert parse_content_type(None).media_type == ""


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "SELECT"),
        ("prefix ex: <http://ex/select#> # ask me\nconstruct {} where {}", "CONSTRUCT"),
        ("BASE <http://x/> DESCRIBE <y>", "DESCRIBE"),
        ("ask {}", "ASK"),
        ("PREFIX : <http://x/> INSERT DATA { :select :ask 'SELECT' }", "UPDATE"),
        ("CLEAR ALL", "UPDATE"),
        ("nonsense", None),
        ("", None),
    ],
)
def test_query_form_reads_only_the_top_level(text: str, form: str | None) -> None:
    assert query_form(text) == form


def test_with_using_adds_the_dataset_to_each_modify_operation_only() -> None:
    update = (
        "PREFIX dc: <http://purl.org/dc/terms/> CLEAR ALL ;\n"
        "INSERT DATA { GRAPH <http://a> { <http://a> a dc:x } } ;\n"
        "DELETE WHERE { ?s ?p ?o } ;\n"
        'INSERT { ?s a "} WHERE {" } # WHERE in a comment {\n'
        "WHERE { ?s a ?o FILTER(?o < 3) }"
    )
    rewritten = with_using(update, ["http://g1"], ["http://g2"])
    assert rewritten.count("USING") == 2
    assert rewritten.endswith(
        "USING <http://g1> USING NAMED <http://g2> WHERE { ?s a ?o FILTER(?o < 3) }"
    )
    assert with_using(update, [], []) is update


@pytest.mark.parametrize(
    "update",
    [
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "INSERT { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }",
    ],
)
def test_with_using_refuses_an_update_naming_its_own_dataset(update: str) -> None:
    with pytest.raises(InputError, match="one or the other"):
        with_using(update, ["http://other"], [])


def test_with_using_refuses_an_iri_that_would_break_out() -> None:
    with pytest.raises(InputError, match="absolute IRI"):
        with_using("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://g> } ; DROP ALL ; <"], [])


def test_tokens_and_roles() -> None:
    assert parse_tokens(" read:r , write:w,admin:a ") == (
        (digest("r"), Role.READ),
        (digest("w"), Role.WRITE),
        (digest("a"), Role.ADMIN),
    )
    assert parse_tokens("") == ()
    for bad in ("reader:x", "write:", "nocolon"):
        with pytest.raises(InputError, match="entry 1"):
            parse_tokens(bad)


def test_access_policy_decides_401_403_and_open_mode() -> None:
    closed = AccessPolicy.from_settings(tokens="read:r,admin:a", public_read=False, open=False)
    closed.check(Role.READ, "r", client_host="10.0.0.1")
    closed.check(Role.WRITE, "a", client_host="10.0.0.1")
    with pytest.raises(AuthError) as missing:
        closed.check(Role.READ, None, client_host="127.0.0.1")
    assert not missing.value.forbidden
    with pytest.raises(AuthError) as wrong:
        closed.check(Role.READ, "a-guess", client_host="127.0.0.1")
    assert not wrong.value.forbidden
    with pytest.raises(AuthError) as weak:
        closed.check(Role.WRITE, "r", client_host="127.0.0.1")
    assert weak.value.forbidden

    public = AccessPolicy.from_settings(tokens="", public_read=True, open=False)
    public.check(Role.READ, None, client_host="10.0.0.1")
    with pytest.raises(AuthError):
        public.check(Role.WRITE, None, client_host="127.0.0.1")

    dev = AccessPolicy.from_settings(tokens="", public_read=False, open=True)
    dev.check(Role.WRITE, None, client_host="127.0.0.1")
    dev.check(Role.READ, None, client_host="10.0.0.1")
    with pytest.raises(AuthError):
        dev.check(Role.WRITE, None, client_host="10.0.0.1")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
        ("example.org", False),
        (None, False),
    ],
)
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback
