"""SPARQL text split into tokens exactly as the engine's parser reads its terminals.

Every check the store makes on SPARQL text (`scan`: what it fetches, which graphs it names;
`complexity`: how deep and long it is) reads these tokens, so they must agree with what the
engine (pyoxigraph 0.5, a scannerless PEG parser) does with the same characters; a token
that hides text the engine reads as syntax is a hole (a `SERVICE` behind a comment that ends
at a bare carriage return was one). The terminals are those of the SPARQL 1.1 grammar (§19.8)
as pyoxigraph implements them, checked against it by `tests/hardening/test_query_limits.py`:

* whitespace is space, tab, CR and LF only; a comment runs from `#` to the next CR *or* LF;
* strings: the four forms, short ones stop at CR or LF, escapes are `ECHAR` or `UCHAR` only;
* an IRI is `<...>` without spaces, `<>"{}|^\\`` and backquote, `\\u` escapes allowed;
* prefixed names, blank node labels, variables, language tags and numbers with the grammar's
  own character classes (pyoxigraph's: no characters above U+FFFF in names).

pyoxigraph does not process `\\u` escapes outside strings and IRIs (`\\u0053ERVICE` is a
syntax error), so a keyword is always its own letters in the text. Two places where the
engine reads text differently from any tokeniser are left to the callers, which stay on the
safe side of both: keywords are matched by the engine letter by letter with no word boundary
(`trueSERVICE<x>{}` is `true` then `SERVICE`; `SERVICEex:a` is `SERVICE` then `ex:a`), and
`<` after an operand is "less than" in an expression (`FILTER(?a<'>')` holds a string, not
an IRI): `ambiguous_iri` finds the IRI tokens that could be read as such a comparison and
then hide or reveal a string.

>>> [(t.kind, t.text) for t in tokens("ASK { # x\\rSERVICE <http://e/> {} }")][:3]
[('name', 'ASK'), ('other', '{'), ('name', 'SERVICE')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ECHAR = r"""\\[tbnrf"'\\]"""
_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_U = "_" + _BASE
_VARCHARS = "0-9\u00b7\u0300-\u036f\u203f-\u2040" + _U
_PN = r"\-" + _VARCHARS
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = rf"[{_BASE}][{_PN}]*+(?:\.++[{_PN}]++)*+"
_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:[{_PN}:]|{_PLX})*+(?:\.++(?:[{_PN}:]|{_PLX})++)?+"
_STRING = "|".join(
    [
        rf"'''(?:(?:''|')?+(?:[^'\\]|{_ECHAR}|{_UCHAR}))*+'''",
        rf'"""(?:(?:""|")?+(?:[^"\\]|{_ECHAR}|{_UCHAR}))*+"""',
        rf"'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*+'",
        rf'"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*+"',
    ]
)
_DOUBLE = r"(?:[0-9]++\.[0-9]*+|\.[0-9]++|[0-9]++)[eE][+-]?[0-9]++"
_TOKEN = re.compile(
    rf"""
      (?P<skip>[\x20\t\r\n]++|\#[^\r\n]*+)
    | (?P<string>{_STRING})
    | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*+>)
    | (?P<var>[?$][0-9{_U}][{_VARCHARS}]*+)
    | (?P<bnode>_:[0-9{_U}][{_PN}]*+(?:\.++[{_PN}]++)*+)
    | (?P<langtag>@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+)
    | (?P<number>{_DOUBLE}|[0-9]*+\.[0-9]++|[0-9]++)
    | (?P<name>(?:{_PREFIX})?:(?:{_LOCAL})?|[A-Za-z_][A-Za-z0-9_]*+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class Token(NamedTuple):
    """One significant token: its kind, its text and its offset in the text.

    Kinds: `string`, `iri` (with its brackets), `var`, `bnode`, `langtag`, `number`, `name`
    (a prefixed name, or a bare word: keywords, `a`, `true`, built-in function names) and
    `other` (one character: punctuation and operators).
    """

    kind: str
    text: str
    start: int

    @property
    def word(self) -> str:
        """The upper-cased letters a keyword could be made of: a bare word, or the prefix
        of a prefixed name (the engine may read `SERVICEex:a` as `SERVICE ex:a`)."""
        if self.kind != "name":
            return ""
        return self.text.split(":", 1)[0].upper()

    def opens(self) -> bool:
        """True for `{`, `(` or `[`."""
        return self.kind == "other" and self.text in "{(["

    def closes(self) -> bool:
        """True for `}`, `)` or `]`."""
        return self.kind == "other" and self.text in "})]"


def tokens(text: str) -> tuple[Token, ...]:
    """The significant tokens of `text`, whitespace and comments dropped (cached: every
    check on one request's text shares one tokenisation)."""
    return _tokens(text)


@lru_cache(maxsize=16)
def _tokens(text: str) -> tuple[Token, ...]:
    return tuple(_scan(text))


def _scan(text: str) -> Iterator[Token]:
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "skip":
            yield Token(kind, match.group(), match.start())  # a tuple: cheap to make


_LESS_THAN_STRING = re.compile(r"'")


def ambiguous_iri(found: tuple[Token, ...]) -> Token | None:
    """The first IRI token that the engine could read as `<` followed by a string, or None.

    After an operand in an expression, `<` is "less than" and the text up to `>` is read as
    more expression: `FILTER(?a<'>')SERVICE<x>{}FILTER('')` is a comparison with the
    string `'>'` for the engine, while a tokeniser that took `<'>` as an IRI would start a
    string at the next quote and hide the `SERVICE`. Only a quote can start such a string
    (a double quote, a space or a brace cannot be in an IRI), so only IRI tokens holding
    `'` are ambiguous; callers refuse to trust their view of such a text.

    >>> ambiguous_iri(tokens("ASK { FILTER(?a<'>') }")).text
    "<'>"
    >>> ambiguous_iri(tokens("ASK { <http://e/a> ?p 'x' }")) is None
    True
    """
    for token in found:
        if token.kind == "iri" and _LESS_THAN_STRING.search(token.text):
            return token
    return None


def unescape_iri(iri: str) -> str:
    """The IRI inside an IRI token's brackets with its `\\u` escapes decoded, as the engine
    resolves it.

    >>> unescape_iri(r"<http://e/\\u0041>")
    'http://e/A'
    """
    return _UCHAR_RE.sub(_decoded, iri[1:-1])


_UCHAR_RE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _decoded(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code <= 0x10FFFF else match.group()
