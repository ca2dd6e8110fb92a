"""Who may read and who may write: tokens with roles, public reads, open dev mode.

Tokens come from `TRISKEL_TOKENS` as comma-separated `role:token` pairs; roles are ordered
read < write < admin, and a higher role may do what a lower one may. A token listed twice is
a start-up error (which role it should have is a guess). Only SHA-256 digests of the tokens are
kept in memory (a dump of the process or of the app state shows no token); a presented token
is digested and compared with every known digest in constant time. No token appears in an
error or a log line.

A token is presented as `Authorization: Bearer <token>` or, for the clients that speak only
HTTP Basic (Jena, Comunica, SPARQLWrapper's `setCredentials`, rdflib's `auth=`, Protégé), as
`Authorization: Basic` with any user name and the token as password: one token, one role,
whichever way it comes.

>>> presented_token("Basic " + base64.b64encode(b"anyone:w1").decode())
'w1'

>>> policy = AccessPolicy.from_settings(tokens="read:r1,write:w1", public_read=False, open=False)
>>> policy.check(Role.WRITE, "w1", client_host="10.0.0.1")
>>> policy.check(Role.WRITE, "r1", client_host="10.0.0.1")
Traceback (most recent call last):
...
service.errors.AuthError: this token has the read role; write is needed
>>> AccessPolicy.from_settings(tokens="read:t1,write:t1", public_read=False, open=False)
Traceback (most recent call last):
...
service.errors.InputError: TRISKEL_TOKENS entry 2 repeats the token of entry 1 (one role per token)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from enum import IntEnum

from service.errors import AuthError, InputError


class Role(IntEnum):
    """What a token may do; each role includes the ones below it."""

    READ = 1
    WRITE = 2
    ADMIN = 3


def digest(token: str) -> bytes:
    """The SHA-256 digest a token is known by (fixed length, so comparing leaks no length)."""
    return hashlib.sha256(token.encode()).digest()


def parse_tokens(spec: str) -> tuple[tuple[bytes, Role], ...]:
    """Parse `role:token,role:token` into (digest, role) pairs; an unknown role or an empty
    token is an `InputError` that names the entry by position, never by its text."""
    pairs: list[tuple[bytes, Role]] = []
    seen: dict[bytes, int] = {}
    for position, item in enumerate(filter(None, (p.strip() for p in spec.split(","))), 1):
        role, sep, token = item.partition(":")
        if not sep or not token or role.upper() not in Role.__members__:
            raise InputError(
                f"TRISKEL_TOKENS entry {position} is not role:token with a role of "
                "read, write or admin"
            )
        known = digest(token)
        if known in seen:
            raise InputError(
                f"TRISKEL_TOKENS entry {position} repeats the token of entry {seen[known]} "
                "(one role per token)"
            )
        seen[known] = position
        pairs.append((known, Role[role.upper()]))
    return tuple(pairs)


def presented_token(authorization: str | None) -> str | None:
    """The token of an `Authorization` header: a Bearer token, or the password of Basic
    credentials (RFC 7617; the user name is ignored). None without a header or for another
    scheme; malformed Basic credentials are an `AuthError` (401), never echoed.
    """
    scheme, _, value = (authorization or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value or None
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthError("the Basic credentials are not base64 of user:token") from None
    _, sep, password = decoded.partition(":")
    if not sep or not password:
        raise AuthError("the Basic credentials carry no token as password")
    return password


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`; False for anything else or unknown."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """The access rules of one app, built once from its settings."""

    tokens: tuple[tuple[bytes, Role], ...]
    public_read: bool
    open: bool

    @classmethod
    def from_settings(cls, *, tokens: str, public_read: bool, open: bool) -> AccessPolicy:
        """Build the policy; raises `InputError` for a malformed token list."""
        return cls(parse_tokens(tokens), public_read, open)

    def role_of(self, token: str) -> Role | None:
        """The role of a presented token, comparing with every digest in constant time
        (digests are unique, so at most one matches)."""
        presented = digest(token)
        found: Role | None = None
        for known, role in self.tokens:
            if hmac.compare_digest(known, presented):
                found = role
        return found

    def check(self, needed: Role, token: str | None, *, client_host: str | None) -> None:
        """Allow or raise `AuthError` (401 without usable credentials, 403 without the role).

        Without a token: reads pass when reads are public or the server is open; writes pass
        only in open mode and only from a loopback client.
        """
        if token is None:
            if needed == Role.READ and (self.public_read or self.open):
                return
            if needed == Role.WRITE and self.open and is_loopback(client_host):
                return
            raise AuthError(
                f"{needed.name.lower()} access needs a token: Authorization: Bearer <token>, "
                "or Basic with the token as password"
            )
        role = self.role_of(token)
        if role is None:
            raise AuthError("the token is not valid")
        if role < needed:
            raise AuthError(
                f"this token has the {role.name.lower()} role; {needed.name.lower()} is needed",
                forbidden=True,
            )
