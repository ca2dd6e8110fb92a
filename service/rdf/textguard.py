"""Scan the text RDF syntaxes for nesting too deep, and find where a triple term is.

pyoxigraph parses Turtle and TriG with an explicit stack, so a document of 100,000 nested
`[ :p [ :p ...` or `( ( (` parses in a tenth of a second; but what it stores then breaks the
recursive code downstream (rdflib's serialisers and pySHACL recurse into blank nodes and
lists). JSON-LD is stopped by pyoxigraph only at 65,536 levels. So uploads in these syntaxes
are first scanned for bracket depth, outside strings, IRIs and comments, and refused over a
limit (`TRISKEL_MAX_RDF_NESTING`). N-Triples and N-Quads cannot nest and are not scanned.

The scan costs nothing for most documents: when the text holds fewer opening brackets than
the limit it cannot be nested deeper, and it is not scanned at all. Otherwise it costs about
one parse (25 MB of Turtle with 300k blank nodes and lists: 0.7 s, pyoxigraph's parse 0.8 s).

The same lexer finds the first RDF 1.2 triple-term token (`<<`, `{|`, `~` outside strings,
IRIs and comments), so that a refused triple term is named by line and column: pyoxigraph
parses them without complaint, and its quads carry no position.

>>> check_nesting(b'@prefix : <http://e/#> . :s :p "( ( (" .', "text/turtle", limit=2)
>>> check_nesting(b'@prefix : <http://e/#> . :s :p ( ( ( 1 ) ) ) .', "text/turtle", limit=2)
Traceback (most recent call last):
...
service.errors.InputError: upload is too complex: brackets nested deeper than 2 levels (line 1)
>>> triple_term_at(b'<s> <p> "<<" .\\n<s> <p> <<( <a> <b> <c> )>> .')
(2, 9)
"""

from __future__ import annotations

import re

from service.errors import InputError
from service.rdf.formats import JSONLD, TRIG, TURTLE

MAX_NESTING = 1_000
"""Default deepest nesting of `[`, `(` (Turtle, TriG) or `{`, `[` (JSON-LD)."""

_TURTLE = re.compile(
    rb"""
      (?P<term><<|\{\||~)
    | (?P<open>[\[(])
    | (?P<close>[\])])
    | '''(?:[^'\\]|\\.|'(?!''))*''' | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\n]|\\.)*' | "(?:[^"\\\n]|\\.)*"
    | <[^<>"{}|^`\\\x00-\x20]*>
    | \#[^\n]*
    | \\.
    """,
    re.VERBOSE | re.DOTALL,
)
_JSON = re.compile(rb'(?P<open>[\[{])|(?P<close>[\]}])|"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCANNERS: dict[str, tuple[re.Pattern[bytes], bytes]] = {
    TURTLE: (_TURTLE, b"[("),
    TRIG: (_TURTLE, b"[("),
    JSONLD: (_JSON, b"[{"),
}


def check_nesting(data: bytes, media_type: str, *, limit: int, source: str | None = None) -> None:
    """Raise `InputError` (400, like a query nested too deep) when `data`, in the canonical
    `media_type`, nests deeper than `limit`; other media types pass unscanned. Syntax is left
    to the parser."""
    scanner = _SCANNERS.get(media_type)
    if scanner is None:
        return
    pattern, openers = scanner
    if sum(data.count(bytes([b])) for b in openers) <= limit:
        return
    depth = 0
    for match in pattern.finditer(data):
        if match.lastgroup == "open":
            depth += 1
            if depth > limit:
                line = data.count(b"\n", 0, match.start()) + 1
                raise InputError(
                    f"{source or 'upload'} is too complex: brackets nested deeper than "
                    f"{limit} levels "
                    f"(line {line})"
                )
        elif match.lastgroup == "close":
            depth = max(depth - 1, 0)


def triple_term_at(data: bytes) -> tuple[int, int] | None:
    """The line and column (1-based) of the first triple-term token of a Turtle, TriG,
    N-Triples or N-Quads document, or None when it has none outside strings, IRIs and
    comments."""
    for match in _TURTLE.finditer(data):
        if match.lastgroup == "term":
            start = match.start()
            line_start = data.rfind(b"\n", 0, start) + 1
            return data.count(b"\n", 0, start) + 1, start - line_start + 1
    return None
