"""Read a Slack export: `users.json`, the room lists (`channels.json`, `groups.json`,
`dms.json`, `mpims.json`) and a folder of day files (`YYYY-MM-DD.json`) per room, named by
the room's name (its id for a direct message).

A user is a bot when Slack says so (`is_bot`, and Slackbot, `USLACKBOT`), deleted when
`deleted`; a message with subtype `bot_message` is a bot's. Messages of other subtypes that
are not someone writing (joins, leaves, topic and name changes, pins...) are counted as
`system_messages`, not read. A message without a user or a readable `ts`, and a day file that
is not a JSON list, are skipped and named. Of a message only `user`, `ts`, `thread_ts` and
`subtype` are read: never its text, files or attachments.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from service.importers.chat.model import Export, Post, Room, Status, User, json_document
from service.importers.contract import Summary

PLATFORM, LABEL = "slack", "Slack"
LISTS = {"channels.json": False, "groups.json": False, "dms.json": True, "mpims.json": True}
"""The room lists of an export and whether their rooms are direct conversations."""
MARKERS = frozenset({"users.json", *LISTS})
WRITTEN = frozenset({None, "thread_broadcast", "reply_broadcast", "file_share", "me_message"})
"""Message subtypes that are someone writing (None: a plain message)."""
SLACKBOT = "USLACKBOT"


def is_slack(files: dict[str, bytes]) -> bool:
    """True for an export with `users.json` or a room list."""
    return any(PurePosixPath(name).name in MARKERS for name in files)


def read_slack(files: dict[str, bytes], summary: Summary) -> Export:
    """The users, rooms and posts of a Slack export."""
    root = min(
        (PurePosixPath(name).parent for name in files if PurePosixPath(name).name in MARKERS),
        key=lambda path: len(path.parts),
    )
    relative = {
        PurePosixPath(name).relative_to(root).as_posix(): (name, data)
        for name, data in files.items()
        if PurePosixPath(name).is_relative_to(root)
    }
    export = Export(PLATFORM, LABEL)
    summary.details.update(bot_messages=0, system_messages=0)
    users = relative.get("users.json")
    if users is not None:
        for item in _list(users[1], users[0], summary):
            _user(export, item)
    folders: dict[str, str] = {}
    for list_name, direct in LISTS.items():
        found = relative.get(list_name)
        for item in _list(found[1], found[0], summary) if found else []:
            room_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(room_id, str):
                continue
            members = tuple(m for m in item.get("members") or [] if isinstance(m, str))
            export.rooms[room_id] = Room(room_id, direct, members)
            folders[str(item.get("name") or room_id)] = room_id
    known = {"users.json", *LISTS}
    ignored = 0
    for path in sorted(relative):
        name, data = relative[path]
        parts = PurePosixPath(path).parts
        room = folders.get(parts[0]) if len(parts) == 2 and parts[1].endswith(".json") else None
        if room is None:
            ignored += path not in known
            continue
        for number, item in enumerate(_list(data, name, summary), start=1):
            _post(export, room, item, f"{name}:message {number}", summary)
    summary.details["ignored_files"] = ignored
    return export


def _list(data: bytes, where: str, summary: Summary) -> list[Any]:
    """A file's JSON list; a file that is not one is skipped and named (an empty list)."""
    document = json_document(data, where, summary)
    if document is None:
        return []
    if not isinstance(document, list):
        summary.skip(where, "not a JSON list")
        return []
    return document


def _user(export: Export, item: Any) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return
    profile = item.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    label = item.get("real_name") or profile.get("real_name") or item.get("name") or ""
    status = Status.PERSON
    if item.get("is_bot") or item["id"] == SLACKBOT:
        status = Status.BOT
    elif item.get("deleted"):
        status = Status.DELETED
    export.users[item["id"]] = User(item["id"], str(label), status)


def _post(export: Export, room: str, item: Any, where: str, summary: Summary) -> None:
    """Read one message of a day file: who, when, which thread; nothing of what it says."""
    details = summary.details
    if not isinstance(item, dict):
        summary.skip(where, "not a JSON object")
        return
    subtype = item.get("subtype")
    if subtype == "bot_message":
        details["bot_messages"] += 1
        return
    if subtype not in WRITTEN:
        details["system_messages"] += 1
        return
    user, stamp = item.get("user"), item.get("ts")
    if not isinstance(user, str) or not user:
        summary.skip(where, "no user")
        return
    time = _time(stamp)
    if time is None:
        summary.skip(where, "no readable ts")
        return
    thread = item.get("thread_ts")
    export.posts.append(
        Post(where, room, str(stamp), user, time, thread if isinstance(thread, str) else None)
    )


def _time(stamp: object) -> datetime | None:
    """A Slack `ts` ("seconds.micros" since the epoch) as a UTC time.

    >>> _time("1704103200.000100").isoformat()
    '2024-01-01T10:00:00.000100+00:00'
    """
    if not isinstance(stamp, str):
        return None
    seconds, _, fraction = stamp.partition(".")
    if not seconds.isdigit() or not (fraction.isdigit() or not fraction):
        return None
    try:
        moment = datetime.fromtimestamp(int(seconds), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return moment.replace(microsecond=int(fraction[:6].ljust(6, "0")))
