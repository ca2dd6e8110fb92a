"""Seeded generator of benchmark organisations with planted misalignments.

An organisation is N copies of one small, clean company (units, people, a partner
organisation, tools, policies, practices, conversations with acts, information items), each
under its own IRI prefix. In each copy every defect kind below is planted with probability
`rate` (seeded), and each defect adds only its own triples, designed so that it yields
exactly the findings listed with it under DESIGN §5 semantics — the clean company yields
none. The generator writes the data (N-Triples) and the expected findings (rule, focus,
value) as TSV.

    python -m benchmarks.generate --triples 10000 --seed 7   # → benchmarks/out/
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

OUT_DIR = Path(__file__).parent / "out"
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
        self.add(self.iri(subject), _expand(predicate), self.iri(obj))

    def to(self, subject: str, predicate: str, value: str) -> None:
        """Object is a vocabulary term ('sb:text') rather than a local name."""
        self.add(self.iri(subject), _expand(predicate), _expand(value))

    def expect(self, rule: str, focus: str, value: str | None = None) -> None:
        """A planted finding; `value` is a local name or a vocabulary term ('sb:video')."""
        if value is None:
            shown = ""
        elif value.startswith("sb:"):
            shown = _expand(value)[1:-1]
        else:
            shown = self.prefix + value
        self.expected.append((rule, self.prefix + focus, shown))


def _expand(compact: str) -> str:
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
        c.a(org, _expand("org:Organization"))
    for unit in ("u0", "u1", "u2"):
        c.rel(unit, "org:unitOf", "co")
    c.rel("u3", "org:subOrganizationOf", "u0")


def _tools_and_policies(c: Copy) -> None:
    for tool, (category, media, clearance) in TOOLS.items():
        c.a(tool, _expand("sb:Tool"))
        c.to(tool, "sb:toolCategory", f"sb:{category}")
        for medium in media:
            c.to(tool, "sb:supportsMedium", f"sb:{medium}")
        if clearance:
            c.to(tool, "sb:clearedFor", f"sb:{clearance}")
    c.a("polCo", _expand("sb:ToolPolicy"))
    c.rel("polCo", "sb:issuedBy", "co")
    c.rel("polCo", "sb:prohibits", "social")
    for tool in ("email", "chat", "video"):
        c.rel("polCo", "sb:permits", tool)
    c.a("polPartner", _expand("sb:ToolPolicy"))
    c.rel("polPartner", "sb:issuedBy", "partner")
    c.rel("polPartner", "sb:permits", "email")


def _person(c: Copy, name: str, org: str | None, tools: tuple[str, ...]) -> None:
    c.a(name, _expand("sb:Person"))
    if org:
        c.rel(name, "org:memberOf", org)
    for tool in tools:
        c.rel(name, "sb:usesTool", tool)


def _arc(c: Copy, name: str, source: str, target: str, channel: str | None) -> None:
    c.a(name, _expand("sb:Arc"))
    c.rel(name, "sb:source", source)
    c.rel(name, "sb:target", target)
    if channel:
        c.rel(name, "sb:channel", channel)
    c.add(c.iri(name), _expand("sb:weight"), f'"{(len(name) % 9) + 1}"^^<{XSD}decimal>')


def _people_and_arcs(c: Copy) -> None:
    for i in range(PEOPLE):
        _person(c, f"P{i}", f"u{i % 4}", COMPANY_TOOLS)
    _person(c, "Piso", "u1", COMPANY_TOOLS)  # in no arc and no conversation
    for q in ("Q0", "Q1"):
        _person(c, q, "partner", PARTNER_TOOLS)
    for i in range(PEOPLE - 1):
        _arc(c, f"ring{i}", f"P{i}", f"P{i + 1}", "chat")
    for i in range(0, PEOPLE - 3, 2):
        _arc(c, f"skip{i}", f"P{i}", f"P{i + 3}", "email")
    _arc(c, "arcPQ", "P0", "Q0", "email")
    _arc(c, "arcQP", "Q1", "P1", None)


def _practices(c: Copy) -> None:
    for k in range(PRACTICES):
        c.a(f"pr{k}", _expand("sb:Practice"))
        c.a(f"goal{k}", _expand("sb:Goal"))
        c.rel(f"pr{k}", "sb:hasGoal", f"goal{k}")
        c.rel(f"pr{k}", "sb:ownedBy", "co")


def _conversation(c: Copy, k: int) -> None:
    """conv{k}: P{i} starts, P{i+1} (and P{i+2} when k % 4 == 0) take part, along ring arcs."""
    i = k % (PEOPLE - 2)
    tool = "chat" if k % 2 == 0 else "email"
    people = [f"P{i}", f"P{i + 1}"] + ([f"P{i + 2}"] if k % 4 == 0 else [])
    name = f"conv{k}"
    _bare_conversation(c, name, people, tool, practice=f"pr{k % PRACTICES}")
    c.rel(name, "sb:occursWithin", f"ring{i}")
    if k % 3 == 0:
        item = f"item{k}"
        c.a(item, _expand("sb:InformationItem"))
        c.to(item, "sb:classification", "sb:internal")
        c.rel(name, "sb:conveys", item)
    _acts(c, name, people[0], people[1], tool, ("request", "promise", "accept"))


def _partner_conversation(c: Copy, k: int) -> None:
    name = f"pconv{k}"
    _bare_conversation(c, name, ["P0", "Q0"], "email", practice="pr0")
    c.rel(name, "sb:occursWithin", "arcPQ")
    _acts(c, name, "P0", "Q0", "email", ("request", "promise"))


def _bare_conversation(
    c: Copy, name: str, people: list[str], tool: str | None, *, practice: str
) -> None:
    c.a(name, _expand("sb:Conversation"))
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
        _act(c, f"{conv}a{n}", conv, kind, (first, second) if n % 2 == 0 else (second, first), tool)
        if previous:
            c.rel(f"{conv}a{n}", "sb:respondsTo", previous)
        previous = f"{conv}a{n}"


def _act(c: Copy, name: str, conv: str, kind: str, who: tuple[str, str], tool: str) -> None:
    c.a(name, _expand("sb:ConversationAct"))
    c.rel(conv, "sb:hasAct", name)
    c.to(name, "sb:actType", f"sb:{kind}")
    c.rel(name, "sb:performedBy", who[0])
    c.rel(name, "sb:addressedTo", who[1])
    c.rel(name, "sb:via", tool)


# -- planted defects: each adds its triples and the findings they cause --


def d01(c: Copy) -> None:
    c.rel("conv1", "sb:participant", "Piso")
    c.expect("R01", "conv1", "Piso")


def d02(c: Copy) -> None:
    c.rel("conv9", "sb:occursWithin", "ring20")
    c.expect("R02", "conv9", "ring20")


def d03(c: Copy) -> None:
    _person(c, "Pwiki", "u2", ("wiki",))
    _arc(c, "arcWiki", "Pwiki", "P11", None)
    c.rel("conv11", "sb:participant", "Pwiki")  # conv11 runs over email
    c.expect("R03", "conv11", "Pwiki")


def d04(c: Copy) -> None:
    c.rel("conv2", "sb:carriedBy", "social")  # conv2 conveys no item
    c.expect("R04", "conv2", "social")


def d05(c: Copy) -> None:
    c.to("conv13", "sb:medium", "sb:video")  # conv13 runs over email (text only)
    c.expect("R05", "conv13", "sb:video")


def d06(c: Copy) -> None:
    c.a("itemSecret", _expand("sb:InformationItem"))
    c.to("itemSecret", "sb:classification", "sb:restricted")
    c.rel("conv4", "sb:conveys", "itemSecret")
    c.expect("R06", "conv4", "itemSecret")


def d07(c: Copy) -> None:
    c.a("itemShared", _expand("sb:InformationItem"))
    c.rel("conv6", "sb:conveys", "itemShared")  # chat, company people
    c.rel("pconv1", "sb:conveys", "itemShared")  # email, with the partner
    c.expect("R07", "itemShared", "chat")
    c.expect("R07", "itemShared", "email")


def d08(c: Copy) -> None:
    _person(c, "Psocial", "u0", ("social",))
    _arc(c, "arcSocial", "Psocial", "P5", None)
    c.expect("R08", "arcSocial", "P5")


def d09(c: Copy) -> None:
    c.rel("arcPQ", "sb:channel", "chat")  # the partner's Q0 does not use chat
    c.expect("R09", "arcPQ", "chat")


def d10(c: Copy) -> None:
    c.rel("pconv2", "sb:carriedBy", "wiki")  # reaches Q0; the owner does not permit wiki
    c.expect("R10", "pconv2", "wiki")


def d11(c: Copy) -> None:
    _act(c, "actStranger", "conv5", "promise", ("Piso", "P5"), "email")
    c.expect("R11", "actStranger", "Piso")


def d12(c: Copy) -> None:
    _act(c, "actWrongTool", "pconv3", "promise", ("Q0", "P0"), "chat")
    c.expect("R12", "actWrongTool", "Q0")


def d13(c: Copy) -> None:
    _bare_conversation(c, "convAlone", ["P7"], "email", practice="pr0")
    _bare_conversation(c, "convNoTool", ["P8", "P9"], None, practice="pr0")
    c.expect("R13", "convAlone")
    c.expect("R13", "convNoTool")


def d14(c: Copy) -> None:
    c.a("prNoGoal", _expand("sb:Practice"))
    c.rel("prNoGoal", "sb:ownedBy", "co")
    c.expect("R14", "prNoGoal")
    c.expect("R15", "prNoGoal")


def d15(c: Copy) -> None:
    c.a("prPaper", _expand("sb:Practice"))
    c.rel("prPaper", "sb:hasGoal", "goal0")
    c.rel("prPaper", "sb:ownedBy", "co")
    c.expect("R15", "prPaper")


def d16(c: Copy) -> None:
    _arc(c, "arcSelf", "P10", "P10", None)
    c.expect("R16", "arcSelf", "P10")


def d17(c: Copy) -> None:
    _person(c, "Pnobody", None, ("email",))
    c.expect("R17", "Pnobody")


def d18(c: Copy) -> None:
    c.a("fax", _expand("sb:Tool"))
    c.to("fax", "sb:supportsMedium", "sb:text")
    c.expect("R18", "fax")


def d19(c: Copy) -> None:
    c.a("polOrphan", _expand("sb:ToolPolicy"))
    c.a("pager", _expand("sb:Tool"))
    c.to("pager", "sb:toolCategory", "sb:telephony")
    c.to("pager", "sb:supportsMedium", "sb:text")
    c.a("polTorn", _expand("sb:ToolPolicy"))
    c.rel("polTorn", "sb:issuedBy", "co")
    c.rel("polTorn", "sb:prohibits", "pager")
    c.rel("polTorn", "sb:permits", "pager")
    c.expect("R19", "polOrphan")
    c.expect("R19", "polTorn", "pager")


def d20(c: Copy) -> None:
    _bare_conversation(c, "convNoRequest", ["P11", "P12"], "email", practice="pr1")
    _act(c, "actEarlyAccept", "convNoRequest", "accept", ("P11", "P12"), "email")
    _act(c, "actElsewhere", "conv7", "promise", ("P8", "P7"), "email")
    c.rel("actElsewhere", "sb:respondsTo", "conv8a0")
    c.expect("R20", "actEarlyAccept", "convNoRequest")
    c.expect("R20", "actElsewhere", "conv8a0")


DEFECTS: tuple[Callable[[Copy], None], ...] = (
    d01, d02, d03, d04, d05, d06, d07, d08, d09, d10,
    d11, d12, d13, d14, d15, d16, d17, d18, d19, d20,
)  # fmt: skip


# -- the organisation --


@dataclass(frozen=True)
class Organisation:
    """The generated data and the findings it must produce."""

    lines: list[str]
    expected: set[Expected]

    def ntriples(self) -> bytes:
        """The data as an N-Triples document."""
        return ("\n".join(self.lines) + "\n").encode()


def generate(copies: int, *, seed: int = 7, rate: float = 0.3) -> Organisation:
    """`copies` companies; each defect kind planted in a copy with probability `rate`."""
    rng = random.Random(seed)
    lines: list[str] = []
    expected: set[Expected] = set()
    for n in range(copies):
        c = Copy(f"{BASE}c{n}/")
        company(c)
        for defect in DEFECTS:
            if rng.random() < rate:
                defect(c)
        lines.extend(c.lines)
        expected.update(c.expected)
    return Organisation(lines, expected)


def copies_for(triples: int) -> int:
    """How many copies give about `triples` triples."""
    per_copy = len(generate(1, rate=0.0).lines)
    return max(1, round(triples / per_copy))


def write(org: Organisation, data: Path, expected: Path) -> None:
    """The data as N-Triples and the expected findings as TSV (rule, focus, value)."""
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_bytes(org.ntriples())
    rows = sorted("\t".join(row) for row in org.expected)
    expected.write_text("\n".join(rows) + "\n", encoding="utf-8")


def read_expected(path: Path) -> set[Expected]:
    """Expected findings written by `write`."""
    rows: Iterator[list[str]] = (line.split("\t") for line in path.read_text().splitlines())
    return {(r[0], r[1], r[2]) for r in rows if r and r[0]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000, help="approximate size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    org = generate(copies_for(args.triples), seed=args.seed, rate=args.rate)
    stem = f"org-{args.triples}"
    write(org, args.out / f"{stem}.nt", args.out / f"{stem}.expected.tsv")
    print(f"{len(org.lines)} triples, {len(org.expected)} expected findings → {args.out}/{stem}.*")


if __name__ == "__main__":
    main()
