"""How report views write RDF terms as plain strings."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from service.validation.model import Finding


def term_text(term: Node | None) -> str | None:
    """An IRI as itself, a blank node as `_:id`, a literal as its lexical form.

    >>> term_text(URIRef("urn:x")), term_text(BNode("b1")), term_text(Literal(2))
    ('urn:x', '_:b1', '2')
    """
    if type(term) is URIRef:  # most terms: rdflib's classes check `isinstance` slowly
        return str(term)
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def short(term: Node | None) -> str:
    """A compact name for tables: the part after the last '#' or '/' of an IRI."""
    text = term_text(term)
    if text is None:
        return ""
    if isinstance(term, Literal) or text.startswith("_:"):
        return text
    return text.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or text


def finding_id(
    rule: str,
    severity: str,
    focus: str | None,
    value: str | None,
    path: str | None,
    shape: str | None,
    component: str | None,
    message: str,
) -> str:
    """The stable id of a finding: 32 hex digits hashing everything that identifies it, its
    terms written as `term_text` writes them, except that a blank node is written by its
    content name (`service.reports.blanks`) and not by the label a store gave it. So the id
    is the same after an export and a reload, also for a blank-node focus; the JSON view, the
    findings ledger (`urn:triskel:finding:<id>`), diffs and the guard all use it, and a JSON
    result read back from a file without ids gets the same id from its own fields (blank
    nodes excepted: a file has only their labels).

    >>> finding_id("R04", "violation", "https://example.org/c1", "https://example.org/t1",
    ...            None, "https://w3id.org/social-business/shapes#R04", None, "prohibited")
    '240a2347b610324c584df05b14ca8255'
    """
    parts = (rule, severity, focus, value, path, shape, component, message)
    text = "\x1f".join(("finding", *(part or "" for part in parts)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def content_text(term: Node | None, names: Mapping[Node, str]) -> str | None:
    """`term_text` of a term, a blank node by its content name from `names` when known."""
    if type(term) is not URIRef and isinstance(term, BNode) and term in names:
        return names[term]
    return term_text(term)


def content_id(finding: Finding, names: Mapping[Node, str]) -> str:
    """`finding_id` of a finding, its blank nodes named by `names` (their content names)."""
    terms = (finding.focus, finding.value, finding.path, finding.shape, finding.component)
    focus, value, path, shape, component = (content_text(t, names) for t in terms)
    return finding_id(
        finding.rule, finding.severity, focus, value, path, shape, component, finding.message
    )
