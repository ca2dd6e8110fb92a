"""`mbox`: mail archives (mbox files, Maildir folders) as people, threads and the arcs of who
writes to whom. RFC 5322 headers only: no body, subject or attachment is read into the graph.

- Person: each distinct address in From/To/Cc/Bcc, lower-cased (`dcterms:identifier`), its
  display name as `rdfs:label`; member (`org:memberOf`) of the organisation of its address
  domain, unless the mapping's `[members]` table places the address in a unit.
- Conversation: a thread, the messages connected through Message-ID, In-Reply-To and
  References (a referenced message that is not in the import still connects those that
  reference it); a message with none of them is a thread of its own. Participants: every
  person in it; initiator: the sender of its earliest message (by Date, then file order);
  medium `sb:text`; carried by the mail tool.
- Act: one `sb:ConversationAct` per message: performed by From, addressed to To/Cc/Bcc,
  `sb:via` the mail tool, ended at its Date, `sb:respondsTo` the act of its In-Reply-To when
  that message is in the import.
- Arc: (sender, recipient) for every recipient of a message, `sb:weight` = the messages from
  sender with recipient in To/Cc/Bcc, `sb:channel` the mail tool; none to oneself.
- Mailing list: the address of a message's List-Post (`<mailto:...>`), or its List-Id
  (`<dev.lists.example.org>` matches the address `dev@lists.example.org`), is a list, in every
  message of the import (the sender's own copy has no List-* fields). A list is no person and
  no arc goes to it: it is an `sb:Tool` (category `sb:email`, medium `sb:text`) identified by
  its address (or List-Id); the acts of its messages are `sb:via` it as well as the mail tool,
  their conversations `sb:carriedBy` it, and their sender and person recipients `sb:usesTool` it.
- Everyone who sends or receives a message `sb:usesTool` the mail tool.

A message whose Message-ID was already read (the same message in two files) is read once
(`duplicates`). A message without one is identified by the source's SHA-256 prefix and its
number. `--since` leaves out messages dated before it (undated ones are kept).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from service.errors import InputError
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
from service.importers.mbox.read import (
    Address,
    Mail,
    is_maildir_message,
    is_maildir_other,
    messages,
)

KIND = "mbox"
ORG = "http://www.w3.org/ns/org#"
ORGANIZATION, MEMBER_OF = f"<{ORG}Organization>", f"<{ORG}memberOf>"
ENDED = "<http://www.w3.org/ns/prov#endedAtTime>"
STARTED = "<http://www.w3.org/ns/prov#startedAtTime>"
USES_TOOL = sb("usesTool")
HAS_ACT, VIA, RESPONDS_TO = sb("hasAct"), sb("via"), sb("respondsTo")
PERFORMED_BY, ADDRESSED_TO = sb("performedBy"), sb("addressedTo")
ACT_TYPED = f"{RDF_TYPE} {sb('ConversationAct')} .\n"
PARTICIPANT, CARRIED_BY, OCCURS_WITHIN = sb("participant"), sb("carriedBy"), sb("occursWithin")


def read_mapping(data: bytes | None) -> dict[str, str]:
    """Address -> unit from a TOML mapping: a `[members]` table of addresses to unit names.

    >>> read_mapping(b'[members]\\n"Ann@Example.org" = "Sales"\\n')
    {'ann@example.org': 'Sales'}
    """
    if data is None:
        return {}
    members = mapping_tables(data, KIND, ("members",)).get("members", {})
    if not all(isinstance(unit, str) and unit for unit in members.values()):
        raise InputError("mapping: every member's unit is a name (a non-empty string)")
    return {address.lower(): unit for address, unit in members.items()}


class MboxImporter(Importer):
    """mbox files and Maildir folders (each Maildir message a source)."""

    name = KIND
    version = "1"
    options = (OptionSpec("tool", "e-mail", "the name of the mail tool"),)

    def read(self, sources: list[Source], request: Request, out: Triples) -> Summary:
        summary = Summary()
        units = read_mapping(request.mapping)
        mails = self._mails(sources, request, summary)
        _Writer(out, summary, request, units).write(mails)
        return summary

    def _mails(self, sources: list[Source], request: Request, summary: Summary) -> list[Mail]:
        """The messages of all sources, each once, at or after `--since`."""
        roots = {PurePath(s.name).parent.parent for s in sources if is_maildir_message(s.name)}
        details = summary.details
        for name in ("messages", "duplicates", "before_since", "ignored_files"):
            details[name] = 0
        seen: set[str] = set()
        mails: list[Mail] = []
        bound = None if request.since is None else instant(request.since)
        for index, source in enumerate(sources):
            if is_maildir_other(source.name) or PurePath(source.name).parent in roots:
                details["ignored_files"] += 1
                continue
            for mail in messages(source, summary, index):
                details["messages"] += 1
                if mail.message_id is not None and mail.message_id in seen:
                    details["duplicates"] += 1
                elif bound is not None and mail.date and instant(mail.date) < bound:
                    details["before_since"] += 1
                else:
                    if mail.message_id is not None:
                        seen.add(mail.message_id)
                    mails.append(mail)
        return mails


@dataclass(slots=True)
class _Lists:
    """The mailing lists of an import: List-Post addresses, and List-Ids (each named by the
    List-Post address it came with, if any)."""

    posts: set[str] = field(default_factory=set)
    ids: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, mails: Iterable[Mail]) -> _Lists:
        found = cls()
        for mail in mails:
            posts = [name for name in mail.lists if "@" in name]
            found.posts.update(posts)
            for name in mail.lists:
                if "@" not in name and (posts or name not in found.ids):
                    found.ids[name] = posts[0] if posts else name
        return found

    def named(self, name: str) -> str:
        """The list a List-Post address or List-Id stands for."""
        return self.ids.get(name, name)

    def of_address(self, address: str) -> str | None:
        """The list an address is, or None for a person's address."""
        if address in self.posts:
            return address
        return self.ids.get(address.replace("@", ".", 1))


class _Threads:
    """Union-find over message keys and the ids they reference."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        parent = self.parent.setdefault(key, key)
        while parent != key:
            grand = self.parent[parent]
            self.parent[key] = grand
            key, parent = parent, grand
        return key

    def union(self, key: str, other: str) -> None:
        root, other_root = self.find(key), self.find(other)
        if root != other_root:
            self.parent[other_root] = root


def _rank(mail: Mail) -> tuple[bool, float, tuple[int, int]]:
    """Message order within a thread: dated ones by Date, then file order."""
    return (mail.date is None, instant(mail.date) if mail.date else 0.0, mail.order)


class _Writer:
    """Writes people, organisations, tools, threads, acts and arcs of one import."""

    def __init__(
        self, out: Triples, summary: Summary, request: Request, units: dict[str, str]
    ) -> None:
        self.out, self.summary, self.request, self.units = out, summary, request, units
        self.tool_name = request.options["tool"] or "e-mail"
        self.names: dict[str, str] = {}
        self.nodes: dict[str, str] = {}
        self.act_iris: dict[str, str] = {}
        self.arc_iris: dict[tuple[str, str], str] = {}
        self.uses: dict[str, set[str]] = {}
        self.tools: dict[str, str] = {}
        self.arcs: Counter[tuple[str, str]] = Counter()
        self.mail_tool = self._tool(self.tool_name, self.tool_name)

    def write(self, mails: list[Mail]) -> None:
        """Write every thread of `mails`, then the people, their organisations and the arcs."""
        lists = _Lists.of(mails)
        threads = _Threads()
        for mail in mails:
            for other in (mail.replies_to, *mail.references):
                if other is not None:
                    threads.union(mail.key, other)
        grouped: dict[str, list[Mail]] = {}
        for mail in mails:
            grouped.setdefault(threads.find(mail.key), []).append(mail)
        acts = {mail.key for mail in mails}
        details = self.summary.details
        details["self_addressed"] = details["list_messages"] = 0
        for thread in grouped.values():
            thread.sort(key=_rank)
            self._thread(thread, lists, acts)
        self._people()
        for (source, target), weight in sorted(self.arcs.items()):
            self._arc(source, target, weight)

    def _thread(self, mails: list[Mail], lists: _Lists, acts: set[str]) -> None:
        add = self.out.add
        first = mails[0]
        key = first.references[0] if first.references else first.replies_to or first.key
        node = iri(entity_iri("conversation", KIND, self._hidden(key)))
        add(node, RDF_TYPE, sb("Conversation"))
        add(node, IDENTIFIER, literal(self._hidden(key)))
        add(node, sb("medium"), sb("text"))
        add(node, CARRIED_BY, self.mail_tool)
        dated = [mail.date for mail in mails if mail.date is not None]
        if dated:
            add(node, STARTED, date_time(min(dated, key=instant)))
            add(node, ENDED, date_time(max(dated, key=instant)))
        add(node, sb("initiator"), self._person(first.sender))
        participants: dict[str, None] = {}
        pairs: dict[tuple[str, str], None] = {}
        carriers: dict[str, None] = {}
        for mail in mails:
            people, via = self._act(node, mail, lists, acts)
            participants.update(dict.fromkeys(people))
            carriers.update(dict.fromkeys(via))
            for recipient in people[1:]:
                if recipient != people[0]:
                    pairs[(people[0], recipient)] = None
        objects = [(PARTICIPANT, self._person_node(person)) for person in participants]
        objects.extend((CARRIED_BY, tool) for tool in carriers)
        objects.extend((OCCURS_WITHIN, f"<{self._arc_iri(*pair)}>") for pair in pairs)
        text = "".join(f"{node} {predicate} {obj} .\n" for predicate, obj in objects)
        self.out.extend(text, len(objects))
        self.summary.conversations += 1

    def _act(
        self, conversation: str, mail: Mail, lists: _Lists, acts: set[str]
    ) -> tuple[list[str], list[str]]:
        """Write one message's act (its triples as one piece: the bulk of an archive);
        return its people (sender first) and its lists' tools."""
        node = self._act_iri(mail.key)
        objects = [(IDENTIFIER, literal(self._hidden(mail.key))), (VIA, self.mail_tool)]
        if mail.date is not None:
            objects.append((ENDED, date_time(mail.date)))
        if mail.replies_to is not None and mail.replies_to in acts:
            objects.append((RESPONDS_TO, self._act_iri(mail.replies_to)))
        objects.append((PERFORMED_BY, self._person(mail.sender)))
        names = [lists.named(name) for name in mail.lists]
        people = [mail.sender.address]
        for recipient in mail.recipients:
            listed = lists.of_address(recipient.address)
            if listed is not None:
                names.append(listed)
                continue
            objects.append((ADDRESSED_TO, self._person(recipient)))
            if recipient.address == mail.sender.address:
                self.summary.details["self_addressed"] += 1
            elif recipient.address not in people:
                self.arcs[(mail.sender.address, recipient.address)] += 1
            people.append(recipient.address)
        tools = [self._tool(name, name) for name in dict.fromkeys(names)]
        objects.extend((VIA, tool) for tool in tools)
        if tools:
            self.summary.details["list_messages"] += 1
        text = "".join(f"{node} {predicate} {obj} .\n" for predicate, obj in objects)
        self.out.extend(
            f"{conversation} {HAS_ACT} {node} .\n{node} {ACT_TYPED}{text}", 2 + len(objects)
        )
        for person in people:
            self.uses.setdefault(person, set()).update([self.mail_tool, *tools])
        self.summary.acts += 1
        return people, tools

    def _act_iri(self, key: str) -> str:
        node = self.act_iris.get(key)
        if node is None:
            node = self.act_iris[key] = iri(entity_iri("act", KIND, self._hidden(key)))
        return node

    def _hidden(self, value: str) -> str:
        """A message id as kept: as it is, or its keyed hash when pseudonymising."""
        pseudonyms = self.request.pseudonyms
        return value if pseudonyms is None else pseudonyms.of(value)

    def _identifier(self, address: str) -> str:
        """An address as kept: as it is, or its keyed hash at its domain when pseudonymising."""
        pseudonyms = self.request.pseudonyms
        if pseudonyms is None:
            return address
        return f"{pseudonyms.of(address)}@{address.rpartition('@')[2]}"

    def _person(self, address: Address) -> str:
        """The node of a person, noting its first display name."""
        if address.name and not self.names.get(address.address):
            self.names[address.address] = address.name
        else:
            self.names.setdefault(address.address, "")
        return self._person_node(address.address)

    def _person_node(self, address: str) -> str:
        node = self.nodes.get(address)
        if node is None:
            node = self.nodes[address] = iri(entity_iri("person", KIND, self._identifier(address)))
        return node

    def _people(self) -> None:
        """Each person once, with the organisation it belongs to and the tools it used."""
        add = self.out.add
        organisations: dict[str, str] = {}
        for address, name in self.names.items():
            node = self._person_node(address)
            add(node, RDF_TYPE, sb("Person"))
            add(node, IDENTIFIER, literal(self._identifier(address)))
            if name and self.request.pseudonyms is None:
                add(node, RDFS_LABEL, literal(name))
            unit = self.units.get(address)
            scope, label = ("unit", unit) if unit else ("domain", address.rpartition("@")[2])
            organisation = entity_iri("organisation", scope, label)
            add(node, MEMBER_OF, iri(organisation))
            organisations[organisation] = label
            for tool in sorted(self.uses.get(address, ())):
                add(node, USES_TOOL, tool)
        for organisation, label in organisations.items():
            add(iri(organisation), RDF_TYPE, ORGANIZATION)
            add(iri(organisation), RDFS_LABEL, literal(label))
            add(iri(organisation), IDENTIFIER, literal(label))
        self.summary.people = len(self.names)
        self.summary.organisations = len(organisations)

    def _tool(self, name: str, label: str) -> str:
        node = self.tools.get(name)
        if node is None:
            node = self.tools[name] = iri(entity_iri("tool", KIND, name))
            add_tool(self.out, node, name=name, label=label, category="email")
            self.summary.tools += 1
        return node

    def _arc_iri(self, source: str, target: str) -> str:
        known = self.arc_iris.get((source, target))
        if known is None:
            parts = (self.tool_name, self._identifier(source), self._identifier(target))
            known = self.arc_iris[(source, target)] = entity_iri("arc", KIND, *parts)
        return known

    def _arc(self, source: str, target: str, weight: int) -> None:
        ends = (self._person_node(source), self._person_node(target))
        add_arc(self.out, iri(self._arc_iri(source, target)), ends, weight, self.mail_tool)
        self.summary.arcs += 1


IMPORTER = MboxImporter()
