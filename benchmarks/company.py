"""The clean company the benchmark organisations are made of, one copy per IRI prefix.

A copy has units (one nested below another), people in them, a partner organisation with
two people, tools with categories, media and clearances, a policy per organisation,
practices with goals, conversations along arcs with request/promise/accept acts, and
information items. It breaks none of the rules R01-R20; `benchmarks.defects` plants the
misalignments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BASE = "https://example.org/bench/"
SB = "https://w3id.org/social-business#"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"

PEOPLE = 24
"""Company people P0..P23, in units u0..u3 by index (u3 sits below u0)."""
CONVERSATIONS = 40
PARTNER_CONVERSATIONS = 4
PRACTICES = 5
TOOLS = {  # name: (category, media, clearance or None)
    "email": ("email", ("text",), "confidential"),
    "chat": ("instantMessaging", ("text",), "internal"),
    "video": ("videoConference", ("voice", "video"), "internal"),
    "wiki": ("wiki", ("text",), "public"),
    "social": ("socialNetwork", ("text",), None),
}
COMPANY_TOOLS = ("email", "chat", "video", "wiki")
PARTNER_TOOLS = ("email", "video")

Expected = tuple[str, str, str]
"""(rule, focus IRI, value IRI or "")."""


@dataclass
class Copy:
    """One company's triples and the findings planted in it."""

    prefix: str
    lines: list[str] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)

    def iri(self, local: str) -> str:
        return f"<{self.prefix}{local}>"

    def add(self, subject: str, predicate: str, obj: str) -> None:
        self.lines.append(f"{subject} {predicate} {obj} .")

    def a(self, local: str, cls: str) -> None:
        self.add(self.iri(local), f"<{RDF_TYPE}>", cls)

    def rel(self, subject: str, predicate: str, obj: str) -> None:
        """Both ends local names; `predicate` is a compact 'sb:x' / 'org:x'."""
        self.add(self.iri(subject), expand(predicate), self.iri(obj))

    def to(self, subject: str, predicate: str, value: str) -> None:
        """Object is a vocabulary term ('sb:text') rather than a local name."""
        self.add(self.iri(subject), expand(predicate), expand(value))

    def expect(self, rule: str, focus: str, value: str | None = None) -> None:
        """A planted finding; `value` is a local name or a vocabulary term ('sb:video')."""
        if value is None:
            shown = ""
        elif value.startswith("sb:"):
            shown = expand(value)[1:-1]
        else:
            shown = self.prefix + value
        self.expected.append((rule, self.prefix + focus, shown))


def expand(compact: str) -> str:
    prefix, local = compact.split(":", 1)
    return f"<{ {'sb': SB, 'org': ORG}[prefix] }{local}>"


# -- the clean company --


def company(c: Copy) -> None:
    """A company that breaks no rule."""
    _organisations(c)
    _tools_and_policies(c)
    _people_and_arcs(c)
    _practices(c)
    for k in range(CONVERSATIONS):
        _conversation(c, k)
    for k in range(PARTNER_CONVERSATIONS):
        _partner_conversation(c, k)


def _organisations(c: Copy) -> None:
    for org in ("co", "partner", "u0", "u1", "u2", "u3"):
        c.a(org, expand("org:Organization"))
    for unit in ("u0", "u1", "u2"):
        c.rel(unit, "org:unitOf", "co")
    c.rel("u3", "org:subOrganizationOf", "u0")


def _tools_and_policies(c: Copy) -> None:
    for tool, (category, media, clearance) in TOOLS.items():
        c.a(tool, expand("sb:Tool"))
        c.to(tool, "sb:toolCategory", f"sb:{category}")
        for medium in media:
            c.to(tool, "sb:supportsMedium", f"sb:{medium}")
        if clearance:
            c.to(tool, "sb:clearedFor", f"sb:{clearance}")
    c.a("polCo", expand("sb:ToolPolicy"))
    c.rel("polCo", "sb:issuedBy", "co")
    c.rel("polCo", "sb:prohibits", "social")
    for tool in ("email", "chat", "video"):
        c.rel("polCo", "sb:permits", tool)
    c.a("polPartner", expand("sb:ToolPolicy"))
    c.rel("polPartner", "sb:issuedBy", "partner")
    c.rel("polPartner", "sb:permits", "email")


def person(c: Copy, name: str, org: str | None, tools: tuple[str, ...]) -> None:
    c.a(name, expand("sb:Person"))
    if org:
        c.rel(name, "org:memberOf", org)
    for tool in tools:
        c.rel(name, "sb:usesTool", tool)


def arc(c: Copy, name: str, source: str, target: str, channel: str | None) -> None:
    c.a(name, expand("sb:Arc"))
    c.rel(name, "sb:source", source)
    c.rel(name, "sb:target", target)
    if channel:
        c.rel(name, "sb:channel", channel)
    c.add(c.iri(name), expand("sb:weight"), f'"{(len(name) % 9) + 1}"^^<{XSD}decimal>')


def _people_and_arcs(c: Copy) -> None:
    for i in range(PEOPLE):
        person(c, f"P{i}", f"u{i % 4}", COMPANY_TOOLS)
    person(c, "Piso", "u1", COMPANY_TOOLS)  # in no arc and no conversation
    for q in ("Q0", "Q1"):
        person(c, q, "partner", PARTNER_TOOLS)
    for i in range(PEOPLE - 1):
        arc(c, f"ring{i}", f"P{i}", f"P{i + 1}", "chat")
    for i in range(0, PEOPLE - 3, 2):
        arc(c, f"skip{i}", f"P{i}", f"P{i + 3}", "email")
    arc(c, "arcPQ", "P0", "Q0", "email")
    arc(c, "arcQP", "Q1", "P1", None)


def _practices(c: Copy) -> None:
    for k in range(PRACTICES):
        c.a(f"pr{k}", expand("sb:Practice"))
        c.a(f"goal{k}", expand("sb:Goal"))
        c.rel(f"pr{k}", "sb:hasGoal", f"goal{k}")
        c.rel(f"pr{k}", "sb:ownedBy", "co")


def _conversation(c: Copy, k: int) -> None:
    """conv{k}: P{i} starts, P{i+1} (and P{i+2} when k % 4 == 0) take part, along ring arcs."""
    i = k % (PEOPLE - 2)
    tool = "chat" if k % 2 == 0 else "email"
    people = [f"P{i}", f"P{i + 1}"] + ([f"P{i + 2}"] if k % 4 == 0 else [])
    name = f"conv{k}"
    bare_conversation(c, name, people, tool, practice=f"pr{k % PRACTICES}")
    c.rel(name, "sb:occursWithin", f"ring{i}")
    if k % 3 == 0:
        item = f"item{k}"
        c.a(item, expand("sb:InformationItem"))
        c.to(item, "sb:classification", "sb:internal")
        c.rel(name, "sb:conveys", item)
    _acts(c, name, people[0], people[1], tool, ("request", "promise", "accept"))


def _partner_conversation(c: Copy, k: int) -> None:
    name = f"pconv{k}"
    bare_conversation(c, name, ["P0", "Q0"], "email", practice="pr0")
    c.rel(name, "sb:occursWithin", "arcPQ")
    _acts(c, name, "P0", "Q0", "email", ("request", "promise"))


def bare_conversation(
    c: Copy, name: str, people: list[str], tool: str | None, *, practice: str
) -> None:
    c.a(name, expand("sb:Conversation"))
    c.rel(name, "sb:initiator", people[0])
    for person in people[1:]:
        c.rel(name, "sb:participant", person)
    if tool:
        c.rel(name, "sb:carriedBy", tool)
    c.to(name, "sb:medium", "sb:text")
    c.rel(name, "sb:enacts", practice)


def _acts(c: Copy, conv: str, first: str, second: str, tool: str, kinds: tuple[str, ...]) -> None:
    previous = None
    for n, kind in enumerate(kinds):
        act(c, f"{conv}a{n}", conv, kind, (first, second) if n % 2 == 0 else (second, first), tool)
        if previous:
            c.rel(f"{conv}a{n}", "sb:respondsTo", previous)
        previous = f"{conv}a{n}"


def act(c: Copy, name: str, conv: str, kind: str, who: tuple[str, str], tool: str) -> None:
    c.a(name, expand("sb:ConversationAct"))
    c.rel(conv, "sb:hasAct", name)
    c.to(name, "sb:actType", f"sb:{kind}")
    c.rel(name, "sb:performedBy", who[0])
    c.rel(name, "sb:addressedTo", who[1])
    c.rel(name, "sb:via", tool)
