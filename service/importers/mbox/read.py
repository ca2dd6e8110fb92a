"""Read mail sources (an mbox file, or one message of a Maildir folder) into header records.

Only the header section of a message is ever read: each message's bytes are cut at the
first empty line and the body is never decoded, parsed or kept. Of the header fields (RFC
5322: unfolded, names case-insensitive) only the ones the importer needs are kept (From, To,
Cc, Bcc, Date, Message-ID, In-Reply-To, References, List-Post, List-Id); the subject and
every other field is passed over as it is read. An mbox is split on its `From ` lines as
Python's `mailbox.mbox` does.

An address written the mailing-list archive way (`ann at example.org`, pipermail's
obfuscation) is read as `ann@example.org`; an address that is still not `local@domain` is
unreadable, left out and named. A message without a readable From address is malformed:
skipped and named (file and message number with its byte offset); so is one that does not
begin with a header field. A file that is neither an mbox (its first line a `From ` line) nor
a message (its first line a header field: a name of letters, digits and hyphens, a colon) is
not of the kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import PurePath

from service.errors import InputError
from service.importers.contract import Source, Summary

RECIPIENT_FIELDS = ("To", "Cc", "Bcc")
MAILDIR_MESSAGES = frozenset({"cur", "new"})
"""The Maildir folders that hold messages; `tmp` holds deliveries in progress."""
_HEADER_LINE = re.compile(rb"[A-Za-z0-9-]+[ \t]*:")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_OBFUSCATED = re.compile(r"([\w.+'-]+) at ((?:[\w-]+\.)+[\w-]+)")
WANTED = frozenset(
    {"from", "to", "cc", "bcc", "date", "message-id", "in-reply-to", "references"}
    | {"list-post", "list-id"}
)
Fields = dict[str, list[str]]
"""The wanted header fields of a message: lower-cased name -> each occurrence's value."""


@dataclass(frozen=True, slots=True)
class Address:
    """A mailbox: its lower-cased address and the display name it came with ('' if none)."""

    address: str
    name: str

    @property
    def domain(self) -> str:
        """The part after the `@`."""
        return self.address.rpartition("@")[2]


@dataclass(slots=True)
class Mail:
    """What is kept of one message: who, to whom, when, and how it is threaded."""

    where: str
    order: tuple[int, int]
    key: str
    message_id: str | None
    replies_to: str | None
    references: list[str]
    sender: Address
    recipients: list[Address]
    date: datetime | None
    lists: list[str]


def messages(source: Source, summary: Summary, index: int) -> Iterator[Mail]:
    """The messages of one source (an mbox, or a single message), the `index`th source.

    `InputError` when the source is neither; malformed messages are skipped and named. A
    message without Message-ID is keyed by the source's SHA-256 prefix and its number."""
    data = source.data.removeprefix(b"\xef\xbb\xbf")
    source = Source(source.name, data)
    prefix = _Prefix(source)
    if data.startswith(b"From "):
        offsets = _from_lines(data)
        ends = [*offsets[1:], len(data)]
        for number, (begin, end) in enumerate(zip(offsets, ends, strict=True), start=1):
            head_start = data.find(b"\n", begin, end) + 1 or end
            where = f"{source.name}:message {number} (offset {begin})"
            mail = _mail(data, head_start, end, where, (index, number), prefix, summary)
            if mail is not None:
                yield mail
        return
    if not _HEADER_LINE.match(data):
        raise InputError(
            f"{source.name}: not an mbox (no 'From ' line) nor a message (no header field)"
        )
    mail = _mail(data, 0, len(data), source.name, (index, 1), prefix, summary)
    if mail is not None:
        yield mail


def is_maildir_message(name: str) -> bool:
    """True for a file in the `cur` or `new` folder of a Maildir."""
    return PurePath(name).parent.name in MAILDIR_MESSAGES


def is_maildir_other(name: str) -> bool:
    """True for a Maildir's `tmp` file (a delivery in progress, not a message yet)."""
    return PurePath(name).parent.name == "tmp"


def _mail(
    data: bytes,
    begin: int,
    end: int,
    where: str,
    order: tuple[int, int],
    prefix: _Prefix,
    summary: Summary,
) -> Mail | None:
    """The header record of the message at `data[begin:end]`; None (skipped) if malformed."""
    if not _HEADER_LINE.match(data, begin, end):
        summary.skip(where, "no header fields")
        return None
    header = _fields(data[begin : _header_end(data, begin, end)])
    senders, unreadable = _addresses(header, ("From",))
    if not senders:
        summary.skip(where, "no readable sender address (From)")
        return None
    recipients, unreadable_to = _addresses(header, RECIPIENT_FIELDS)
    for field in unreadable + unreadable_to:
        summary.skip(where, f"an unreadable address in {field} (left out)")
    message_id = _first_id(_first(header, "message-id"))
    replies_to = _first_id(_first(header, "in-reply-to"))
    references = _MESSAGE_ID.findall(_first(header, "references") or "")
    key = message_id or f"{prefix.value()}/{order[1]}"
    return Mail(
        where=where,
        order=order,
        key=key,
        message_id=message_id,
        replies_to=replies_to,
        references=references,
        sender=senders[0],
        recipients=_distinct(recipients),
        date=_date(_first(header, "date")),
        lists=_lists(header),
    )


def _from_lines(data: bytes) -> list[int]:
    """The offsets of the lines that begin with `From ` (the first line is one).

    >>> _from_lines(b"From a\\nx\\n>From b\\nFrom c\\n")
    [0, 17]
    """
    offsets = [0]
    position = data.find(b"\nFrom ")
    while position != -1:
        offsets.append(position + 1)
        position = data.find(b"\nFrom ", position + 1)
    return offsets


def _header_end(data: bytes, begin: int, end: int) -> int:
    """Where the header section of the message at `data[begin:end]` ends: its first empty
    line (LF or CRLF line ends), or `end`."""
    ends = [data.find(mark, begin, end) for mark in (b"\n\n", b"\n\r\n")]
    found = [position for position in ends if position != -1]
    return min(found) if found else end


class _Prefix:
    """The first 16 hex digits of a source's SHA-256, computed once, when first needed."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.known: str | None = None

    def value(self) -> str:
        if self.known is None:
            self.known = self.source.sha256[:16]
        return self.known


def _fields(block: bytes) -> Fields:
    """The wanted fields of a header section, unfolded; the others are passed over.

    >>> _fields(b"From: a@b.org\\r\\nSubject: hi\\r\\nTo: c@d.org,\\r\\n e@f.org\\r\\n")
    {'from': ['a@b.org'], 'to': ['c@d.org, e@f.org']}
    """
    fields: Fields = {}
    current: list[str] | None = None
    for line in block.decode("utf-8", "replace").splitlines():
        if line[:1] in (" ", "\t"):
            if current is not None:
                current[-1] = f"{current[-1]} {line.strip()}"
            continue
        name, colon, value = line.partition(":")
        key = name.rstrip().lower()
        current = fields.setdefault(key, []) if colon and key in WANTED else None
        if current is not None:
            current.append(value.strip())
    return fields


def _first(header: Fields, name: str) -> str | None:
    values = header.get(name)
    return values[0] if values else None


def _addresses(header: Fields, fields: tuple[str, ...]) -> tuple[list[Address], list[str]]:
    """The readable addresses of the fields, and the field of each unreadable one."""
    found: list[Address] = []
    unreadable: list[str] = []
    for field in fields:
        values = [_deobfuscated(value) for value in header.get(field.lower(), [])]
        for name, address in _parsed(values):
            if not name and not address:
                continue
            local, at, domain = address.rpartition("@")
            if not at or not local or "." not in domain:
                unreadable.append(field)
                continue
            found.append(Address(address.lower(), _decoded(name)))
    return found, unreadable


_SIMPLE = re.compile(
    r"\s*(?:([^\s\"<>,()@;:][^\"<>,()@;:]*?)\s*<([^\s<>,()\"@]+@[^\s<>,()\"@]+)>|([^\s<>,()\"@]+@[^\s<>,()\"@]+))\s*(?:,|$)"
)


def _parsed(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) pairs of address fields: the plain forms (`a@b.org`,
    `Name <a@b.org>`, comma-separated) read by one regular expression, anything else
    (quotes, comments, groups, encoded words) by `email.utils.getaddresses`.

    >>> _parsed(["Ann Smith <ann@x.org>, bob@y.org"])
    [('Ann Smith', 'ann@x.org'), ('', 'bob@y.org')]
    >>> _parsed(['"Smith, Ann" <ann@x.org>']) == getaddresses(['"Smith, Ann" <ann@x.org>'])
    True
    """
    found: list[tuple[str, str]] = []
    for value in values:
        position, end = 0, len(value.rstrip())
        pairs: list[tuple[str, str]] = []
        while position < end:
            match = _SIMPLE.match(value, position)
            if match is None or "=?" in value:
                return getaddresses(values)
            name, bracketed, bare = match.groups()
            pairs.append((" ".join(name.split()) if name else "", bracketed or bare))
            position = match.end()
        found.extend(pairs)
    return found


def _distinct(addresses: list[Address]) -> list[Address]:
    """Each address once, where it first appears (a person in To and Cc is one recipient)."""
    first: dict[str, Address] = {}
    for address in addresses:
        first.setdefault(address.address, address)
    return list(first.values())


def _deobfuscated(value: str) -> str:
    """`ann at example.org` as `ann@example.org` in a field without any `@`.

    >>> _deobfuscated("ann at example.org (Ann Smith)")
    'ann@example.org (Ann Smith)'
    """
    return value if "@" in value else _OBFUSCATED.sub(r"\1@\2", value)


def _decoded(name: str) -> str:
    """A display name with its RFC 2047 encoded words decoded (as written if undecodable)."""
    if "=?" not in name:
        return name
    try:
        return str(make_header(decode_header(name)))
    except (ValueError, LookupError):
        return name


def _first_id(value: str | None) -> str | None:
    """The first `<id>` of a header field (a bare id without brackets as it is)."""
    if value is None:
        return None
    text = value
    found = _MESSAGE_ID.search(text)
    if found is not None:
        return found.group(1)
    bare = text.strip()
    return bare if bare and " " not in bare else None


def _date(value: str | None) -> datetime | None:
    """The Date field as a time; None when missing or unreadable."""
    if value is None:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _lists(header: Fields) -> list[str]:
    """The mailing list a message went through: the address of its List-Post (`mailto:`)
    and the identifier of its List-Id, lower-cased."""
    found: list[str] = []
    post = _first(header, "list-post") or ""
    mailto = re.search(r"<mailto:([^>?\s]+)", post, re.IGNORECASE)
    if mailto:
        found.append(mailto.group(1).lower())
    list_id = _MESSAGE_ID.search(_first(header, "list-id") or "")
    if list_id:
        found.append(list_id.group(1).lower())
    return found
