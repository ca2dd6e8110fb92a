"""Read a Microsoft Teams export made of Microsoft Graph resources (JSON): `users.json`,
`channels.json` (each with its `teamId`), `chats.json` (one-on-one and group chats with their
`members`), `messages.json` or any `messages*.json` (`chatMessage` resources, each with its
`channelIdentity` or `chatId`, `replyToId` for a reply) and `meetings.json`
(`onlineMeeting`s: `participants.organizer` and `participants.attendees`, start and end).

A user whose `accountEnabled` is false is deleted; a message `from` an `application` (no
`user`) is a bot's; a `systemEventMessage` or a message with a `deletedDateTime` is counted
(`system_messages`), not read. Of a message only its id, author, time, place and `replyToId`
are read, never its `body`, `subject` or `attachments`; of a meeting only organiser,
attendees and times, never its subject.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from service.importers.chat.model import (
    Export,
    Meeting,
    Post,
    Room,
    Status,
    User,
    json_document,
)
from service.importers.contract import Summary

PLATFORM, LABEL = "teams", "Microsoft Teams"
MARKERS = frozenset({"chats.json", "meetings.json"})


def is_teams(files: dict[str, bytes]) -> bool:
    """True for an export with `chats.json` or `meetings.json` (Graph resources)."""
    return any(PurePosixPath(name).name in MARKERS for name in files)


def read_teams(files: dict[str, bytes], summary: Summary) -> Export:
    """The users, rooms, posts and meetings of a Teams export."""
    export = Export(PLATFORM, LABEL)
    summary.details.update(bot_messages=0, system_messages=0)
    named = {PurePosixPath(name).name: name for name in sorted(files, reverse=True)}
    for item in _values(files, named.get("users.json"), summary):
        _user(export, item)
    for item in _values(files, named.get("channels.json"), summary):
        if isinstance(item.get("id"), str):
            room = f"{item.get('teamId') or ''}/{item['id']}"
            export.rooms[room] = Room(room, False)
    for item in _values(files, named.get("chats.json"), summary):
        if isinstance(item.get("id"), str):
            members = tuple(
                member["userId"]
                for member in item.get("members") or []
                if isinstance(member, dict) and isinstance(member.get("userId"), str)
            )
            export.rooms[item["id"]] = Room(item["id"], True, members)
    for name in sorted(files):
        base = PurePosixPath(name).name
        if base.startswith("messages") and base.endswith(".json"):
            for number, item in enumerate(_values(files, name, summary), start=1):
                _post(export, item, f"{name}:message {number}", summary)
    for number, item in enumerate(_values(files, named.get("meetings.json"), summary), start=1):
        _meeting(export, item, f"{named['meetings.json']}:meeting {number}", summary)
    return export


def _values(files: dict[str, bytes], name: str | None, summary: Summary) -> list[dict[str, Any]]:
    """The objects of a file's JSON list (or of a Graph page's `value`); [] without it."""
    if name is None:
        return []
    document = json_document(files[name], name, summary)
    if isinstance(document, dict) and isinstance(document.get("value"), list):
        document = document["value"]
    if document is None:
        return []
    if not isinstance(document, list):
        summary.skip(name, "not a JSON list")
        return []
    return [item for item in document if isinstance(item, dict)]


def _user(export: Export, item: dict[str, Any]) -> None:
    if not isinstance(item.get("id"), str):
        return
    status = Status.DELETED if item.get("accountEnabled") is False else Status.PERSON
    export.users[item["id"]] = User(item["id"], str(item.get("displayName") or ""), status)


def _post(export: Export, item: dict[str, Any], where: str, summary: Summary) -> None:
    details = summary.details
    if item.get("messageType", "message") != "message" or item.get("deletedDateTime"):
        details["system_messages"] += 1
        return
    sender = item.get("from") if isinstance(item.get("from"), dict) else {}
    user = sender.get("user") if isinstance(sender, dict) else None
    if not isinstance(user, dict):
        if isinstance(sender, dict) and sender.get("application"):
            details["bot_messages"] += 1
        else:
            summary.skip(where, "no user")
        return
    time = _time(item.get("createdDateTime"))
    message_id = item.get("id")
    if time is None or not isinstance(message_id, str) or not isinstance(user.get("id"), str):
        summary.skip(where, "no id, user id or readable createdDateTime")
        return
    channel = item.get("channelIdentity")
    if isinstance(channel, dict):
        room = f"{channel.get('teamId') or ''}/{channel.get('channelId')}"
    elif isinstance(item.get("chatId"), str):
        room = item["chatId"]
    else:
        summary.skip(where, "neither channelIdentity nor chatId")
        return
    reply_to = item.get("replyToId")
    thread = reply_to if isinstance(reply_to, str) else None
    export.posts.append(Post(where, room, message_id, user["id"], time, thread))


def _meeting(export: Export, item: dict[str, Any], where: str, summary: Summary) -> None:
    participants = item.get("participants") if isinstance(item.get("participants"), dict) else {}
    organiser = _identity(participants.get("organizer")) if participants else None
    attendees = [_identity(a) for a in (participants or {}).get("attendees") or []]
    start, end = _time(item.get("startDateTime")), _time(item.get("endDateTime"))
    if not isinstance(item.get("id"), str) or organiser is None or start is None:
        summary.skip(where, "no id, organizer or readable startDateTime")
        return
    people = tuple(dict.fromkeys(a for a in attendees if a is not None))
    export.meetings.append(Meeting(where, item["id"], organiser, people, start, end or start))


def _identity(value: object) -> str | None:
    """The user id of a Graph `meetingParticipantInfo`."""
    if not isinstance(value, dict):
        return None
    identity = value.get("identity")
    user = identity.get("user") if isinstance(identity, dict) else None
    found = user.get("id") if isinstance(user, dict) else None
    return found if isinstance(found, str) else None


def _time(value: object) -> datetime | None:
    """A Graph date and time (ISO 8601, `Z` for UTC).

    >>> _time("2024-01-01T10:00:00Z").isoformat()
    '2024-01-01T10:00:00+00:00'
    """
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
