"""`eventlog`: process-mining event logs (XES, CSV) as practices, conversations and the
handover-of-work network.

The log is a practice (or each value of a case attribute, `--option practice=case:K`); a case
is a conversation enacting it; an event is a conversation act performed by its resource.
Arcs are the handover of work (van der Aalst, Reijers & Song 2005; PM4Py's
`discover_handover_of_work_network` with beta = 0): in each case, acts in timestamp order
(ties in file order), every two directly succeeding acts with resources `a` then `b`, `a != b`,
count once towards the arc `a -> b`; its `sb:weight` is the count over the log (PM4Py divides
it by all succeeding pairs, self-handovers included; the count is kept so weights add up
across imports). An act without resource is passed over: the acts before and after it are
directly succeeding. A self-handover (`a` then `a`) makes no arc (an arc to oneself breaks
R16); it is counted in the summary.

Channels: each value of the channel attribute is a tool that carries the case's conversation,
and the resource of an event with that value `sb:usesTool` it (taking part through a tool is
using it, as the mail and chat importers read their senders), so R03 speaks of a log only
where another graph says otherwise.

Lifecycle: an activity instance is one act. A `start` event opens it and the next `complete`
of the same activity (and `concept:instance`, when given) in the case closes it; the act has
`prov:startedAtTime` from the start and `prov:endedAtTime` from the complete, its performer is
the completing resource (the starting one if the complete has none), and its place in the
case is the complete's. A start never completed is an act with a start time only. An event
without a transition counts as `complete`; other transitions (schedule, assign, suspend,
resume, abort...) make no act and are counted. On a log of complete events only (most logs)
this is PM4Py's network exactly.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
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
    date_time,
    entity_iri,
    iri,
    literal,
    mapping_tables,
    sb,
    typed,
)
from service.importers.eventlog.read import (
    Case,
    Event,
    Log,
    gunzipped,
    instant,
    read_csv,
    read_xes,
)

KIND = "eventlog"
ACT_TYPES = ("request", "promise", "decline", "state", "accept", "reject", "cancel")
"""The members of `sb:ActType` (ontology/concepts.ttl) a mapping may name."""
FOAF_NAME = "<http://xmlns.com/foaf/0.1/name>"
ORGANIZATION = "<http://www.w3.org/ns/org#Organization>"
MEMBER_OF = "<http://www.w3.org/ns/org#memberOf>"
ACT_TYPED = f"{RDF_TYPE} {sb('ConversationAct')} .\n"
HAS_ACT, USES_TOOL = sb("hasAct"), sb("usesTool")
PERFORMED_BY = sb("performedBy")
CONVERSATION, ENACTS, CARRIED_BY = sb("Conversation"), sb("enacts"), sb("carriedBy")
INITIATOR, PARTICIPANT, OCCURS_WITHIN = sb("initiator"), sb("participant"), sb("occursWithin")
STARTED = "<http://www.w3.org/ns/prov#startedAtTime>"
ENDED = "<http://www.w3.org/ns/prov#endedAtTime>"


@dataclass(slots=True)
class Act:
    """An activity instance: its events folded into one act."""

    rank: tuple[float, int]
    activity: str
    resource: str | None
    started: Event | None
    ended: Event | None
    instance: str | None

    def span(self) -> tuple[Event, Event]:
        """The events the act began and ended with (one event: both)."""
        events = [event for event in (self.started, self.ended) if event is not None]
        return events[0], events[-1]


def fold(events: list[Event], summary: Summary) -> list[Act]:
    """The acts of a case's events (already in case order), in case order.

    >>> from datetime import datetime
    >>> def ev(n, transition, who):
    ...     return Event((n, n), datetime(2024, 1, 1, n), "a", who, transition, None)
    >>> acts = fold([ev(1, "start", "x"), ev(2, "complete", None), ev(3, "assign", "y")], Summary())
    >>> [(act.resource, act.started.rank, act.ended.rank) for act in acts]
    [('x', (1, 1), (2, 2))]
    """
    acts: list[Act] = []
    open_starts: dict[tuple[str, str | None], deque[Act]] = {}
    for event in events:
        key = (event.activity, event.instance)
        if event.transition == "start":
            act = Act(event.rank, event.activity, event.resource, event, None, event.instance)
            open_starts.setdefault(key, deque()).append(act)
            acts.append(act)
        elif event.transition == "complete":
            waiting = open_starts.get(key)
            if waiting:
                act = waiting.popleft()
                act.rank, act.ended = event.rank, event
                act.resource = event.resource or act.resource
            else:
                acts.append(
                    Act(event.rank, event.activity, event.resource, None, event, event.instance)
                )
        else:
            summary.details["other_transitions"] = summary.details.get("other_transitions", 0) + 1
    acts.sort(key=lambda act: act.rank)
    return acts


def handovers(acts: Iterable[Act]) -> tuple[Counter[tuple[str, str]], int]:
    """The handovers of one case's acts (in order) and its self-handovers.

    >>> def act(who):
    ...     return Act((0, 0), "a", who, None, None, None)
    >>> handovers([act("a"), act(None), act("b"), act("b"), act("a")])
    (Counter({('a', 'b'): 1, ('b', 'a'): 1}), 1)
    """
    pairs: Counter[tuple[str, str]] = Counter()
    selves = 0
    previous: str | None = None
    for act in acts:
        if act.resource is None:
            continue
        if previous is not None:
            if previous == act.resource:
                selves += 1
            else:
                pairs[(previous, act.resource)] += 1
        previous = act.resource
    return pairs, selves


def read_mapping(data: bytes | None) -> dict[str, str]:
    """Activity -> act type from a TOML mapping: an `[act_types]` table of activity names to
    `sb:ActType` members (`request`, `promise`, ...). `InputError` naming what is wrong.

    >>> read_mapping(b'[act_types]\\n"register request" = "request"\\n')
    {'register request': 'request'}
    """
    if data is None:
        return {}
    types = mapping_tables(data, KIND, ("act_types",)).get("act_types", {})
    for activity, act_type in types.items():
        if act_type not in ACT_TYPES:
            raise InputError(
                f"mapping: act type {act_type!r} of {activity!r} is none of {', '.join(ACT_TYPES)}"
            )
    return dict(types)


class EventLogImporter(Importer):
    """XES and CSV event logs."""

    name = KIND
    version = "1"
    options = (
        OptionSpec("format", None, "xes or csv (default: from the content)"),
        OptionSpec("case", "case:concept:name", "the case identifier"),
        OptionSpec("activity", "concept:name", "the activity"),
        OptionSpec("timestamp", "time:timestamp", "the time (ISO 8601)"),
        OptionSpec("resource", "org:resource", "who performed the event"),
        OptionSpec("lifecycle", "lifecycle:transition", "start, complete, ..."),
        OptionSpec("instance", "concept:instance", "the activity instance"),
        OptionSpec(
            "channel",
            "case:channel",
            "a channel: a tool of the case's conversation, used by the resource of its event",
        ),
        OptionSpec("group", "org:group", "the resource's group: a unit it is a member of"),
        OptionSpec("practice", None, "a case attribute naming the practice (default: the log)"),
        OptionSpec("log", None, "the log's name (default: XES concept:name, else the file name)"),
        OptionSpec("delimiter", ",", "the CSV field delimiter"),
    )

    def read(self, sources: list[Source], request: Request, out: Triples) -> Summary:
        summary = Summary()
        act_types = read_mapping(request.mapping)
        writer = _Writer(out, summary, request, act_types)
        names: set[str] = set()
        for source in sources:
            log = self._read_one(source, request, summary)
            name = request.options["log"] or log.name or _stem(source.name)
            if name in names:
                raise InputError(f"{source.name}: a second log named {name!r} in one import")
            names.add(name)
            writer.log(name, log)
        writer.finish()
        return summary

    def _read_one(self, given: Source, request: Request, summary: Summary) -> Log:
        options = request.options
        source = gunzipped(given, request.max_bytes)
        start = source.data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
        fmt = options["format"] or ("xes" if start == b"<" else "csv")
        if fmt == "xes":
            return read_xes(source, options, summary)
        if fmt == "csv":
            delimiter = options["delimiter"] or ","
            if len(delimiter) != 1:
                raise InputError(f"the CSV delimiter must be one character, not {delimiter!r}")
            return read_csv(source, options, delimiter, summary)
        raise InputError(f"format {fmt!r} is neither xes nor csv")


def _stem(name: str) -> str:
    """A file name without folder and extension (`.xes.gz` a log's too): the default name
    of a log."""
    return PurePath(name.removesuffix(".gz")).stem or name


class _Writer:
    """Writes the entities of the logs of one import, each person and tool once."""

    def __init__(
        self, out: Triples, summary: Summary, request: Request, act_types: dict[str, str]
    ) -> None:
        self.out, self.summary, self.request, self.act_types = out, summary, request, act_types
        self.people: dict[str, str] = {}
        self.tools: dict[str, str] = {}
        self.uses: set[tuple[str, str]] = set()
        self.labels: dict[str, str] = {}
        self.arcs: dict[tuple[str, str, str], str] = {}
        self.groups: dict[str, dict[str, None]] = {}
        self.events = self.selves = self.before = 0

    def log(self, name: str, log: Log) -> None:
        """Write one log: its practices, conversations, acts and handover arcs."""
        arcs: Counter[tuple[str, str]] = Counter()
        practices: dict[str | None, str] = {}
        for case_id, case in log.cases.items():
            self.events += len(case.events)
            for event in case.events:
                if event.resource is not None and event.group is not None:
                    self.groups.setdefault(event.resource, {})[event.group] = None
            case.events.sort(key=lambda event: event.rank)
            acts = self._since(fold(case.events, self.summary))
            if not acts:
                continue
            practice = practices.get(case.practice)
            if practice is None:
                practice = practices[case.practice] = self._practice(name, case.practice)
            pairs = self._case(name, case_id, case, acts, practice)
            arcs.update(pairs)
        for (source, target), weight in sorted(arcs.items()):
            self._arc(name, source, target, weight)

    def _since(self, acts: list[Act]) -> list[Act]:
        """The acts at or after `--since` (an act's time is its end, else its start)."""
        since = self.request.since
        if since is None:
            return acts
        bound = instant(since)
        kept = [act for act in acts if act.rank[0] >= bound]
        self.before += len(acts) - len(kept)
        return kept

    def _practice(self, log: str, value: str | None) -> str:
        parts = (log,) if value is None else (log, value)
        node = iri(entity_iri("practice", KIND, *parts))
        self.out.add(node, RDF_TYPE, sb("Practice"))
        self.out.add(node, RDFS_LABEL, literal(value if value is not None else log))
        self.out.add(node, IDENTIFIER, literal("/".join(parts)))
        self.summary.practices += 1
        return node

    def _case(
        self, log: str, case_id: str, case: Case, acts: list[Act], practice: str
    ) -> Counter[tuple[str, str]]:
        """Write a case as a conversation with its acts; return its handovers."""
        add = self.out.add
        node = iri(entity_iri("conversation", KIND, log, case_id))
        add(node, RDF_TYPE, CONVERSATION)
        add(node, IDENTIFIER, literal(case_id))
        add(node, ENACTS, practice)
        for channel in case.channels:
            add(node, CARRIED_BY, self._tool(channel))
        spans = [act.span() for act in acts]
        first = min((span[0] for span in spans), key=lambda event: event.rank)
        last = max((span[1] for span in spans), key=lambda event: event.rank)
        add(node, STARTED, date_time(first.time))
        add(node, ENDED, date_time(last.time))
        initiator = next((act.resource for act in acts if act.resource is not None), None)
        if initiator is not None:
            add(node, INITIATOR, self._person(initiator))
        participants = dict.fromkeys(act.resource for act in acts if act.resource is not None)
        for resource in participants:
            add(node, PARTICIPANT, self._person(resource))
        self._uses(case, participants)
        prefix = entity_iri("act", KIND, log, case_id)
        for number, act in enumerate(acts, start=1):
            self._act(node, f"<{prefix}/{number}>", act)
        pairs, selves = handovers(acts)
        self.selves += selves
        for source, target in pairs:
            add(node, OCCURS_WITHIN, iri(self._arc_iri(log, source, target)))
        self.summary.conversations += 1
        return pairs

    def _uses(self, case: Case, participants: dict[str, None]) -> None:
        """Each participant `sb:usesTool` the channels of the events it performed in the case
        (once per pair in the import): taking part through a tool is using it, as a sender
        of mail uses the mail tool and a chat member the platform."""
        for resource, channel in case.uses:
            if resource in participants and (resource, channel) not in self.uses:
                self.uses.add((resource, channel))
                self.out.add(self._person(resource), USES_TOOL, self._tool(channel))

    def _act(self, conversation: str, node: str, act: Act) -> None:
        """One act's triples, written as one piece (the bulk of a log)."""
        label = self.labels.get(act.activity)
        if label is None:
            label = self.labels[act.activity] = literal(act.activity)
        text = (
            f"{node} {ACT_TYPED}{conversation} {HAS_ACT} {node} .\n{node} {RDFS_LABEL} {label} .\n"
        )
        count = 3
        if act.started is not None:
            text += f"{node} {STARTED} {date_time(act.started.time)} .\n"
            count += 1
        if act.ended is not None:
            text += f"{node} {ENDED} {date_time(act.ended.time)} .\n"
            count += 1
        if act.resource is not None:
            text += f"{node} {PERFORMED_BY} {self._person(act.resource)} .\n"
            count += 1
        if act.instance is not None:
            text += f"{node} {IDENTIFIER} {literal(act.instance)} .\n"
            count += 1
        act_type = self.act_types.get(act.activity)
        if act_type is not None:
            text += f"{node} {sb('actType')} {sb(act_type)} .\n"
            count += 1
        self.out.extend(text, count)
        self.summary.acts += 1

    def _identifier(self, resource: str) -> str:
        pseudonyms = self.request.pseudonyms
        return resource if pseudonyms is None else pseudonyms.of(resource)

    def _person(self, resource: str) -> str:
        node = self.people.get(resource)
        if node is None:
            identifier = self._identifier(resource)
            node = self.people[resource] = iri(entity_iri("person", KIND, identifier))
            self.out.add(node, RDF_TYPE, sb("Person"))
            self.out.add(node, IDENTIFIER, literal(identifier))
            if self.request.pseudonyms is None:
                self.out.add(node, FOAF_NAME, literal(resource))
            self.summary.people += 1
        return node

    def _tool(self, channel: str) -> str:
        node = self.tools.get(channel)
        if node is None:
            node = self.tools[channel] = iri(entity_iri("tool", KIND, channel))
            self.out.add(node, RDF_TYPE, sb("Tool"))
            self.out.add(node, RDFS_LABEL, literal(channel))
            self.out.add(node, IDENTIFIER, literal(channel))
            self.summary.tools += 1
        return node

    def _arc_iri(self, log: str, source: str, target: str) -> str:
        known = self.arcs.get((log, source, target))
        if known is None:
            parts = (log, self._identifier(source), self._identifier(target))
            known = self.arcs[(log, source, target)] = entity_iri("arc", KIND, *parts)
        return known

    def _arc(self, log: str, source: str, target: str, weight: int) -> None:
        node = iri(self._arc_iri(log, source, target))
        self.out.add(node, RDF_TYPE, sb("Arc"))
        self.out.add(node, sb("source"), self._person(source))
        self.out.add(node, sb("target"), self._person(target))
        self.out.add(node, sb("weight"), typed(str(weight), "integer"))
        self.summary.arcs += 1
        self.summary.details["handovers"] = self.summary.details.get("handovers", 0) + weight

    def _units(self) -> None:
        """Each person imported `org:memberOf` the units its events name as its group
        (`urn:triskel:organisation:unit:<group>`, the unit of that name in every kind)."""
        units: dict[str, None] = {}
        for resource, node in self.people.items():
            for group in self.groups.get(resource, {}):
                self.out.add(node, MEMBER_OF, iri(entity_iri("organisation", "unit", group)))
                units[group] = None
        for group in units:
            node = iri(entity_iri("organisation", "unit", group))
            self.out.add(node, RDF_TYPE, ORGANIZATION)
            self.out.add(node, RDFS_LABEL, literal(group))
            self.out.add(node, IDENTIFIER, literal(group))
        self.summary.organisations = len(units)

    def finish(self) -> None:
        """Put the people's units in, and the log-wide counts in the summary."""
        self._units()
        details = self.summary.details
        details["events"] = self.events
        details["self_handovers"] = self.selves
        details.setdefault("handovers", 0)
        details.setdefault("other_transitions", 0)
        details["before_since"] = self.before


IMPORTER = EventLogImporter()
