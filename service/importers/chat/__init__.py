"""`chat`: chat exports (Slack, Mattermost, Microsoft Teams) as people, conversations and
who answers whom.

The source is a folder's files or one zip archive (`service.importers.chat.archive`); the
platform is recognised from the content (`--option platform=` says it instead). Each
platform's reader keeps who wrote, where, when and in which thread, never the text.

- Person: every user of the export who is neither a bot nor deleted (those are counted, and
  their messages make no act), `dcterms:identifier` the platform user id, `rdfs:label` the
  name shown; a user who posts but is not listed is a person too. The mapping's `[members]`
  table places user ids in units (`org:memberOf`); its `[people]` table gives a user's e-mail
  address, so the person is the mbox importer's node of that address and mail and chat join.
- Conversation: a thread (its root and replies); a message outside any thread (a root nobody
  replied to included) belongs to its channel's conversation of that day (UTC); a direct or
  group-direct room is one conversation among its members (participants), threads and all.
  Initiator: the root's author, else the earliest author; medium `sb:text`; carried by the
  platform's tool (`sb:instantMessaging`, `sb:text`), which every person `sb:usesTool`.
- Act: one per message, performed by its author, `sb:via` the tool, ended at its time;
  a reply `sb:respondsTo` its root and is addressed to the root's author; a direct message
  is addressed to the room's other members.
- Arc: replier -> author of the root, weight = replies; direct-room sender -> each other
  member, weight = messages; one arc per ordered pair and platform (`sb:channel` the tool),
  weights summed; none to oneself or to a bot or deleted user. A reply whose root is not in
  the export makes no arc (`replies_without_root`).
- Meeting (Teams): a conversation with media `sb:video` and `sb:voice` over the platform's
  meeting tool (`sb:videoConference`), its organiser the initiator, its attendees (and
  organiser) the participants, from its start to its end; no acts, no arcs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from service.errors import InputError
from service.importers.chat.archive import export_files
from service.importers.chat.mattermost import is_mattermost, read_mattermost
from service.importers.chat.model import Export, Meeting, Post, Room, Status
from service.importers.chat.slack import is_slack, read_slack
from service.importers.chat.teams import is_teams, read_teams
from service.importers.contract import (
    IDENTIFIER,
    RDF_TYPE,
    RDFS_LABEL,
    Importer,
    OptionSpec,
    Request,
    Source,
    Summary,
    Triples,
    add_arc,
    add_tool,
    date_time,
    entity_iri,
    iri,
    literal,
    mapping_tables,
    sb,
)
from service.importers.eventlog.read import instant

KIND = "chat"
ORG = "http://www.w3.org/ns/org#"
READERS: dict[str, Callable[[dict[str, bytes], Summary], Export]] = {
    "slack": read_slack,
    "mattermost": read_mattermost,
    "teams": read_teams,
}
ConversationKey = tuple[str, ...]


def read_mapping(data: bytes | None) -> tuple[dict[str, str], dict[str, str]]:
    """User id -> unit (`[members]`) and user id -> e-mail address (`[people]`).

    >>> read_mapping(b'[people]\\nU1 = "Ann@Example.org"\\n')
    ({}, {'U1': 'ann@example.org'})
    """
    if data is None:
        return {}, {}
    tables = mapping_tables(data, KIND, ("members", "people"))
    members, people = tables.get("members", {}), tables.get("people", {})
    for table in (members, people):
        if not all(isinstance(value, str) and value for value in table.values()):
            raise InputError("mapping: every value of [members] and [people] is a non-empty string")
    return dict(members), {user: address.lower() for user, address in people.items()}


class ChatImporter(Importer):
    """Slack exports (folder or zip), Mattermost bulk exports (JSONL), Teams exports."""

    name = KIND
    version = "1"
    options = (
        OptionSpec("platform", None, "slack, mattermost or teams (default: from the content)"),
    )

    def read(self, sources: list[Source], request: Request, out: Triples) -> Summary:
        summary = Summary()
        units, addresses = read_mapping(request.mapping)
        files = export_files(sources, request.max_bytes)
        platform = request.options["platform"] or _platform(files, sources)
        reader = READERS.get(platform)
        if reader is None:
            raise InputError(f"platform {platform!r} is none of {', '.join(READERS)}")
        export = reader(files, summary)
        _Writer(out, summary, request, export, units, addresses).write()
        return summary


def _platform(files: dict[str, bytes], sources: list[Source]) -> str:
    """The platform an export is from; `InputError` naming what was looked for."""
    if is_teams(files):
        return "teams"
    if is_slack(files):
        return "slack"
    if is_mattermost(files):
        return "mattermost"
    raise InputError(
        f"{sources[0].name}: not a chat export: no users.json or channels.json (Slack), no "
        "chats.json or meetings.json (Teams) and no JSONL starting with a version line "
        "(Mattermost bulk export)"
    )


def _rank(post: Post) -> tuple[float, str]:
    return (instant(post.time), post.where)


class _Writer:
    """Writes the people, conversations, acts and arcs of one export."""

    def __init__(
        self,
        out: Triples,
        summary: Summary,
        request: Request,
        export: Export,
        units: dict[str, str],
        addresses: dict[str, str],
    ) -> None:
        self.out, self.summary, self.request, self.export = out, summary, request, export
        self.units, self.addresses = units, addresses
        self.tool = iri(entity_iri("tool", KIND, export.platform))
        self.people: dict[str, None] = {}
        self.arcs: Counter[tuple[str, str]] = Counter()
        self.roots = {(post.room, post.id): post for post in export.posts}
        self.replied = {
            (post.room, post.thread)
            for post in export.posts
            if post.thread is not None and post.thread != post.id
        }
        self.units_written: dict[str, None] = {}
        self.meeting_people: dict[str, None] = {}

    def is_person(self, user: str) -> bool:
        """A listed user who is neither a bot nor deleted, or a user posting but not listed."""
        known = self.export.users.get(user)
        return known is None or known.status is Status.PERSON

    def write(self) -> None:
        details = self.summary.details
        statuses = Counter(user.status for user in self.export.users.values())
        details["bots"], details["deleted_users"] = statuses[Status.BOT], statuses[Status.DELETED]
        for name in ("messages", "messages_by_non_people", "before_since", "replies_without_root"):
            details[name] = 0
        self._tool()
        for user in self.export.users.values():
            if user.status is Status.PERSON:
                self.people[user.id] = None
        for key, posts in self._conversations().items():
            self._conversation(key, posts)
        for meeting in self.export.meetings:
            self._meeting(meeting)
        for person in self.people:
            self._person(person)
        for (source, target), weight in sorted(self.arcs.items()):
            self._arc(source, target, weight)

    def _conversations(self) -> dict[ConversationKey, list[Post]]:
        """The posts that are people's acts, grouped by conversation."""
        details = self.summary.details
        bound = None if self.request.since is None else instant(self.request.since)
        grouped: dict[ConversationKey, list[Post]] = {}
        for post in self.export.posts:
            details["messages"] += 1
            if not self.is_person(post.user):
                details["messages_by_non_people"] += 1
                continue
            if bound is not None and instant(post.time) < bound:
                details["before_since"] += 1
                continue
            grouped.setdefault(self._key(post), []).append(post)
        return grouped

    def _key(self, post: Post) -> ConversationKey:
        """A direct room; a thread with replies; else the room's day."""
        room = self.export.rooms.get(post.room)
        if room is not None and room.direct:
            return (post.room,)
        if post.thread is not None and post.thread != post.id:
            return (post.room, post.thread)
        if (post.room, post.id) in self.replied:
            return (post.room, post.id)
        return (post.room, post.time.date().isoformat())

    def _conversation(self, key: ConversationKey, posts: list[Post]) -> None:
        add = self.out.add
        posts.sort(key=_rank)
        room = self.export.rooms.get(key[0]) or Room(key[0], False)
        node = iri(entity_iri("conversation", self.export.platform, *key))
        add(node, RDF_TYPE, sb("Conversation"))
        add(node, IDENTIFIER, literal("/".join(key)))
        add(node, sb("medium"), sb("text"))
        add(node, sb("carriedBy"), self.tool)
        add(node, sb("initiator"), self._node(self._initiator(key, posts)))
        add(node, _PROV_STARTED, date_time(posts[0].time))
        add(node, _PROV_ENDED, date_time(posts[-1].time))
        participants = dict.fromkeys(post.user for post in posts)
        members = (
            [m for m in dict.fromkeys(room.members) if self.is_person(m)] if room.direct else []
        )
        participants.update(dict.fromkeys(members))
        pairs: dict[tuple[str, str], None] = {}
        for post in posts:
            for target in self._act(node, post, room, members or list(participants)):
                pairs[(post.user, target)] = None
        for person in participants:
            self.people[person] = None
            add(node, sb("participant"), self._node(person))
        for source, target in pairs:
            add(node, sb("occursWithin"), iri(self._arc_iri(source, target)))
        self.summary.conversations += 1

    def _meeting(self, meeting: Meeting) -> None:
        """A meeting: a conversation over the meeting tool, by voice and video, begun by its
        organiser among its attendees; it has no acts and makes no arcs."""
        details = self.summary.details
        details["meetings"] = details.get("meetings", 0) + 1
        people = [u for u in dict.fromkeys((meeting.organiser, *meeting.attendees))]
        people = [user for user in people if self.is_person(user)]
        if not people:
            return
        add = self.out.add
        tool = self._meeting_tool()
        node = iri(entity_iri("conversation", self.export.platform, "meeting", meeting.id))
        add(node, RDF_TYPE, sb("Conversation"))
        add(node, IDENTIFIER, literal(f"meeting/{meeting.id}"))
        add(node, sb("medium"), sb("video"))
        add(node, sb("medium"), sb("voice"))
        add(node, sb("carriedBy"), tool)
        add(node, _PROV_STARTED, date_time(meeting.start))
        add(node, _PROV_ENDED, date_time(meeting.end))
        if self.is_person(meeting.organiser):
            add(node, sb("initiator"), self._node(meeting.organiser))
        for person in people:
            self.people[person] = None
            self.meeting_people[person] = None
            add(node, sb("participant"), self._node(person))
        self.summary.conversations += 1

    def _meeting_tool(self) -> str:
        """The platform's meeting tool (video conference, voice and video), written once."""
        node = iri(entity_iri("tool", KIND, f"{self.export.platform}-meetings"))
        if not self.meeting_people:
            add = self.out.add
            add(node, RDF_TYPE, sb("Tool"))
            add(node, RDFS_LABEL, literal(f"{self.export.label} meetings"))
            add(node, IDENTIFIER, literal(f"{self.export.platform}-meetings"))
            add(node, sb("toolCategory"), sb("videoConference"))
            add(node, sb("supportsMedium"), sb("video"))
            add(node, sb("supportsMedium"), sb("voice"))
            self.summary.tools += 1
        return node

    def _initiator(self, key: ConversationKey, posts: list[Post]) -> str:
        """The root's author when the root is an act here, else the earliest author."""
        if len(key) == 2:
            root = self.roots.get((key[0], key[1]))
            if root is not None and root in posts:
                return root.user
        return posts[0].user

    def _act(self, conversation: str, post: Post, room: Room, members: list[str]) -> list[str]:
        """Write one post's act; return the people its arcs go to."""
        add = self.out.add
        node = self._act_iri(post.room, post.id)
        add(conversation, sb("hasAct"), node)
        add(node, RDF_TYPE, sb("ConversationAct"))
        add(node, IDENTIFIER, literal(f"{post.room}/{post.id}"))
        add(node, sb("via"), self.tool)
        add(node, _PROV_ENDED, date_time(post.time))
        add(node, sb("performedBy"), self._node(post.user))
        targets: list[str] = []
        if room.direct:
            targets = [member for member in members if member != post.user]
        elif post.thread is not None and post.thread != post.id:
            root = self.roots.get((post.room, post.thread))
            if root is None:
                self.summary.details["replies_without_root"] += 1
            elif self.is_person(root.user):
                add(node, sb("respondsTo"), self._act_iri(root.room, root.id))
                if root.user != post.user:
                    targets = [root.user]
        for target in targets:
            add(node, sb("addressedTo"), self._node(target))
            self.arcs[(post.user, target)] += 1
        self.summary.acts += 1
        return targets

    def _act_iri(self, room: str, post: str) -> str:
        return iri(entity_iri("act", self.export.platform, room, post))

    def _identifier(self, user: str) -> str:
        pseudonyms = self.request.pseudonyms
        return user if pseudonyms is None else pseudonyms.of(user)

    def _node(self, user: str) -> str:
        """A person's node: the mail person of its mapped address, else its own."""
        address = self.addresses.get(user)
        if address is not None:
            pseudonyms = self.request.pseudonyms
            if pseudonyms is not None:
                address = f"{pseudonyms.of(address)}@{address.rpartition('@')[2]}"
            return iri(entity_iri("person", "mbox", address))
        return iri(entity_iri("person", self.export.platform, self._identifier(user)))

    def _person(self, user: str) -> None:
        add = self.out.add
        node = self._node(user)
        add(node, RDF_TYPE, sb("Person"))
        add(node, IDENTIFIER, literal(self._identifier(user)))
        known = self.export.users.get(user)
        if known is not None and known.label and self.request.pseudonyms is None:
            add(node, RDFS_LABEL, literal(known.label))
        add(node, sb("usesTool"), self.tool)
        if user in self.meeting_people:
            add(node, sb("usesTool"), self._meeting_tool())
        self.summary.people += 1
        unit = self.units.get(user)
        if unit is not None:
            organisation = iri(entity_iri("organisation", "unit", unit))
            add(node, f"<{ORG}memberOf>", organisation)
            if organisation in self.units_written:
                return
            self.units_written[organisation] = None
            self.summary.organisations += 1
            add(organisation, RDF_TYPE, f"<{ORG}Organization>")
            add(organisation, RDFS_LABEL, literal(unit))
            add(organisation, IDENTIFIER, literal(unit))

    def _tool(self) -> None:
        export = self.export
        add_tool(
            self.out,
            self.tool,
            name=export.platform,
            label=export.label,
            category="instantMessaging",
        )
        self.summary.tools = 1

    def _arc_iri(self, source: str, target: str) -> str:
        parts = (self.export.platform, self._identifier(source), self._identifier(target))
        return entity_iri("arc", KIND, *parts)

    def _arc(self, source: str, target: str, weight: int) -> None:
        ends = (self._node(source), self._node(target))
        add_arc(self.out, iri(self._arc_iri(source, target)), ends, weight, self.tool)
        self.summary.arcs += 1


_PROV_STARTED = "<http://www.w3.org/ns/prov#startedAtTime>"
_PROV_ENDED = "<http://www.w3.org/ns/prov#endedAtTime>"

IMPORTER = ChatImporter()
