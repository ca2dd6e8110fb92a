"""How report views write RDF terms as plain strings."""

from __future__ import annotations

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
