"""How report views write RDF terms as plain strings."""

from __future__ import annotations

import hashlib

from rdflib import BNode, Literal
from rdflib.term import Node


def term_text(term: Node | None) -> str | None:
    """An IRI as itself, a blank node as `_:id`, a literal as its lexical form."""
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


def finding_id(rule: str, focus: str | None, value: str | None) -> str:
    """The stable id of a finding: a short hash of its rule, focus and value as `term_text`
    writes them, so a JSON report read back from a file yields the same ids. A blank-node
    focus keeps its id only while the data is not reloaded (its label is the store's).

    >>> finding_id("R04", "https://example.org/c1", "https://example.org/t1")
    'f-5d8bf9a27dff20f5'
    """
    text = "\x1f".join((rule, focus or "", value or ""))
    return "f-" + hashlib.sha256(text.encode()).hexdigest()[:16]
