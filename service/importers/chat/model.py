"""What every chat platform's export is read into: users, rooms and posts, with no text.

A platform's reader (`slack`, `mattermost`) keeps of each message only who posted it, where,
when and which thread it belongs to; the text, file names and attachments are never read into
these records, so nothing downstream can store them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from service.importers.contract import Summary


class Status(Enum):
    """Whether a user is a person; bots and deleted users are not (they are counted)."""

    PERSON = "person"
    BOT = "bot"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class User:
    """A platform user: its id, the name shown for it ('' if none) and its status."""

    id: str
    label: str
    status: Status


@dataclass(frozen=True, slots=True)
class Room:
    """A channel (`direct` False) or a direct / group-direct conversation and its members."""

    id: str
    direct: bool
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Post:
    """One message: where it was read (for messages), its room, its id in the room, its
    author, its time, and the id of its thread's root (its own id for a root; None outside
    any thread)."""

    where: str
    room: str
    id: str
    user: str
    time: datetime
    thread: str | None


@dataclass(frozen=True, slots=True)
class Meeting:
    """An online meeting: its id, organiser, attendees (user ids) and times; no subject."""

    where: str
    id: str
    organiser: str
    attendees: tuple[str, ...]
    start: datetime
    end: datetime


@dataclass(slots=True)
class Export:
    """A platform's export, read: the platform's name and label, users, rooms, posts and
    meetings."""

    platform: str
    label: str
    users: dict[str, User] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)


def json_document(data: bytes, where: str, summary: Summary) -> Any:
    """A JSON document, or None (skipped and named) when it is not one."""
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        summary.skip(where, f"not JSON ({exc.__class__.__name__})")
        return None
