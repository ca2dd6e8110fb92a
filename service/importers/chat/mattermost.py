"""Read a Mattermost bulk export: JSON lines, the first a `version` line, then teams,
channels, users, posts (each with its replies), direct channels and direct posts.

A channel is `team/name`; a direct or group-direct room is its members' user names joined
by `+`, sorted. A user is identified by its user name; deleted when its `delete_at` is set,
a bot when `is_bot` (or a `bot` line). A post or reply is identified by its `create_at`
(milliseconds) and author; its `message`, props and attachments are never read. A line that
is not JSON, and a post without user or time, are skipped and named (file and line).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from service.importers.chat.model import Export, Post, Room, Status, User
from service.importers.contract import Summary

PLATFORM, LABEL = "mattermost", "Mattermost"


def is_mattermost(files: dict[str, bytes]) -> bool:
    """True when a file's first line is a bulk export's version line."""
    for data in files.values():
        first = data.lstrip().partition(b"\n")[0]
        try:
            line = json.loads(first)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(line, dict) and line.get("type") == "version":
            return True
    return False


def read_mattermost(files: dict[str, bytes], summary: Summary) -> Export:
    """The users, rooms and posts of the bulk export's JSONL files."""
    export = Export(PLATFORM, LABEL)
    for name in sorted(files):
        for number, raw in enumerate(files[name].splitlines(), start=1):
            if raw.strip():
                _line(export, raw, f"{name}:{number}", summary)
    return export


def _line(export: Export, raw: bytes, where: str, summary: Summary) -> None:
    try:
        line = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        summary.skip(where, f"not a JSON line ({exc.__class__.__name__})")
        return
    kind = line.get("type") if isinstance(line, dict) else None
    body = line.get(kind) if isinstance(line, dict) and isinstance(kind, str) else None
    if not isinstance(body, dict):
        if kind != "version":
            summary.skip(where, "not an object with a type and its value")
        return
    if kind in ("user", "bot"):
        _user(export, body, kind)
    elif kind == "channel":
        room = f"{body.get('team')}/{body.get('name')}"
        export.rooms[room] = Room(room, False)
    elif kind == "direct_channel":
        members = _members(body.get("members"))
        export.rooms[_direct(members)] = Room(_direct(members), True, members)
    elif kind == "post":
        _posts(export, f"{body.get('team')}/{body.get('channel')}", body, where, summary)
    elif kind == "direct_post":
        members = _members(body.get("channel_members"))
        room = _direct(members)
        export.rooms.setdefault(room, Room(room, True, members))
        _posts(export, room, body, where, summary)


def _user(export: Export, body: dict[str, Any], kind: str) -> None:
    username = body.get("username")
    if not isinstance(username, str) or not username:
        return
    name = " ".join(str(body.get(key) or "") for key in ("first_name", "last_name")).strip()
    status = Status.PERSON
    if kind == "bot" or body.get("is_bot"):
        status = Status.BOT
    elif body.get("delete_at"):
        status = Status.DELETED
    export.users[username] = User(username, name or str(body.get("nickname") or ""), status)


def _members(value: object) -> tuple[str, ...]:
    return (
        tuple(sorted({m for m in value if isinstance(m, str)})) if isinstance(value, list) else ()
    )


def _direct(members: tuple[str, ...]) -> str:
    return "+".join(members)


def _posts(export: Export, room: str, body: dict[str, Any], where: str, summary: Summary) -> None:
    """A post and its replies, each an own post of the root's thread."""
    root = _post(room, body, where, None, summary)
    if root is None:
        return
    replies = [reply for reply in body.get("replies") or [] if isinstance(reply, dict)]
    thread = root.id if replies else None
    export.posts.append(Post(root.where, room, root.id, root.user, root.time, thread))
    for number, reply in enumerate(replies, start=1):
        post = _post(room, reply, f"{where} reply {number}", root.id, summary)
        if post is not None:
            export.posts.append(post)


def _post(
    room: str, body: dict[str, Any], where: str, thread: str | None, summary: Summary
) -> Post | None:
    user, stamp = body.get("user"), body.get("create_at")
    if not isinstance(user, str) or not user:
        summary.skip(where, "no user")
        return None
    if not isinstance(stamp, int) or isinstance(stamp, bool) or stamp < 0:
        summary.skip(where, "no readable create_at")
        return None
    try:
        time = datetime.fromtimestamp(stamp / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        summary.skip(where, "no readable create_at")
        return None
    return Post(where, room, f"{stamp}-{user}", user, time, thread)
