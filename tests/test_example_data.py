"""The example organisation (data/example): it parses, is big and varied enough to show the
product, and its README's table of planted findings names real nodes and every rule R01-R20.

The comparison of that table with what the validation engines report lives with the engines'
tests; these tests keep the data and its story from drifting apart on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import FOAF, ORG
from rdflib.term import Node

from service.namespaces import SB
from service.resources import CONCEPTS_FILE, DATA_DIR

EXAMPLE_DIR = DATA_DIR / "example"
README = EXAMPLE_DIR / "README.md"
TURTLE_FILES = sorted(EXAMPLE_DIR.glob("*.ttl"))

EX = Namespace("https://example.org/larkspur/")
PREFIXES = {"ex": str(EX), "sb": str(SB)}

RETAILER = EX.larkspur
PARTNER = EX.swiftline
CUSTOMERS = EX.larkspurClub

TABLE_HEADER = "| rule | focus | value | story |"
RULE_IDS = [f"R{n:02d}" for n in range(1, 21)]


@dataclass(frozen=True)
class Planted:
    """One row of the README table: the finding a rule should report."""

    rule: str
    focus: URIRef
    value: URIRef | None
    story: str


def expand(name: str) -> URIRef:
    """Turn a prefixed name of the table (ex:... or sb:...) into an IRI."""
    prefix, _, local = name.partition(":")
    if prefix not in PREFIXES or not local:
        raise ValueError(f"not an ex: or sb: prefixed name: {name!r}")
    return URIRef(PREFIXES[prefix] + local)


def _table_lines(text: str) -> Iterator[str]:
    """The lines of the first Markdown table after the 'Planted misalignments' heading."""
    section = text.split("## Planted misalignments", 1)[1]
    lines = iter(section.splitlines())
    for line in lines:
        if line.startswith("|"):
            yield line
            break
    for line in lines:
        if not line.startswith("|"):
            return
        yield line


def read_planted_table(path: Path = README) -> list[Planted]:
    """Parse the README's planted-findings table; raise ValueError on a malformed row."""
    header, rule, *rows = _table_lines(path.read_text(encoding="utf-8"))
    if header.strip() != TABLE_HEADER or not re.fullmatch(r"\|(\s*-+\s*\|){4}", rule.strip()):
        raise ValueError(f"unexpected table header: {header!r}")
    planted = []
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) != 4 or not re.fullmatch(r"R\d\d", cells[0]):
            raise ValueError(f"malformed table row: {row!r}")
        value = None if cells[2] == "-" else expand(cells[2])
        planted.append(Planted(cells[0], expand(cells[1]), value, cells[3]))
    return planted


@pytest.fixture(scope="module")
def data() -> Graph:
    graph = Graph()
    for path in TURTLE_FILES:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def planted() -> list[Planted]:
    return read_planted_table()


def instances(graph: Graph, cls: URIRef) -> set[URIRef]:
    return {node for node in graph.subjects(RDF.type, cls) if isinstance(node, URIRef)}


def ancestors(graph: Graph, orgs: Iterable[Node]) -> set[Node]:
    """The organisations given and every organisation above them (org:unitOf and
    org:subOrganizationOf, transitively): membership of a unit counts for all of them."""
    found: set[Node] = set()
    todo = list(orgs)
    while todo:
        org = todo.pop()
        if org not in found:
            found.add(org)
            todo.extend(graph.objects(org, ORG.unitOf))
            todo.extend(graph.objects(org, ORG.subOrganizationOf))
    return found


def organisations_of(graph: Graph, person: Node) -> set[Node]:
    """Every organisation the person belongs to, directly or through units (DESIGN §4)."""
    return ancestors(graph, graph.objects(person, ORG.memberOf))


def is_customer(graph: Graph, person: Node) -> bool:
    """A customer is a member of the customers' organisation or of no organisation at all."""
    orgs = organisations_of(graph, person)
    return not orgs or CUSTOMERS in orgs


# -- Parsing --


def test_there_are_turtle_files() -> None:
    assert {p.name for p in TURTLE_FILES} >= {
        "organization.ttl",
        "technology.ttl",
        "practice.ttl",
    }


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: p.name)
def test_file_parses_with_rdflib(path: Path) -> None:
    assert len(Graph().parse(path, format="turtle")) > 50


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: p.name)
def test_file_parses_with_pyoxigraph(path: Path) -> None:
    triples = list(ox.parse(path=path, format=ox.RdfFormat.TURTLE))
    assert len(triples) == len(Graph().parse(path, format="turtle"))


def test_every_example_node_has_an_explicit_type(data: Graph) -> None:
    """Validation never types a node from a domain or range, so the data must say it."""
    nodes = {
        node
        for triple in data
        for node in (triple[0], triple[2])
        if isinstance(node, URIRef) and node.startswith(EX)
    }
    assert sorted(node for node in nodes if (node, RDF.type, None) not in data) == []


# -- Organisation layer --


def test_retailer_has_at_least_three_units(data: Graph) -> None:
    orgs = instances(data, ORG.Organization)
    units = {org for org in orgs if org != RETAILER and RETAILER in ancestors(data, [org])}
    assert len(units) >= 3


def test_partner_is_a_separate_organisation_with_people(data: Graph) -> None:
    assert (PARTNER, RDF.type, ORG.Organization) in data
    assert RETAILER not in ancestors(data, [PARTNER])
    staff = [p for p in instances(data, SB.Person) if PARTNER in organisations_of(data, p)]
    assert len(staff) >= 2


def test_at_least_25_named_people(data: Graph) -> None:
    people = instances(data, SB.Person)
    assert len(people) >= 25
    assert [p for p in people if data.value(p, FOAF.name) is None] == []


def test_customers_include_club_members_and_one_without_organisation(data: Graph) -> None:
    people = instances(data, SB.Person)
    assert len([p for p in people if CUSTOMERS in organisations_of(data, p)]) >= 3
    assert [p for p in people if not organisations_of(data, p)] != []


def test_arcs_have_decimal_weights_and_channels(data: Graph) -> None:
    arcs = instances(data, SB.Arc)
    weights = [data.value(arc, SB.weight) for arc in arcs]
    assert all(isinstance(w, Literal) and w.datatype == XSD.decimal for w in weights)
    assert len([arc for arc in arcs if data.value(arc, SB.channel) is not None]) >= 20


# -- Technology layer --


def test_at_least_eight_tools(data: Graph) -> None:
    assert len(instances(data, SB.Tool)) >= 8


def test_retailer_prohibits_a_tool_for_privacy(data: Graph) -> None:
    privacy_bans = [
        tool
        for policy in instances(data, SB.ToolPolicy)
        if (policy, SB.issuedBy, RETAILER) in data
        and "privacy" in str(data.value(policy, SB.rationale)).lower()
        for tool in data.objects(policy, SB.prohibits)
    ]
    assert privacy_bans != []


def test_a_tool_is_used_only_by_customers(data: Graph) -> None:
    customer_only = [
        tool
        for tool in instances(data, SB.Tool)
        if (users := list(data.subjects(SB.usesTool, tool)))
        and all(is_customer(data, user) for user in users)
    ]
    assert customer_only != []


# -- Practice layer --


def test_practices_have_goals_except_the_planted_r14(data: Graph, planted: list[Planted]) -> None:
    practices = instances(data, SB.Practice)
    without_goal = {p for p in practices if data.value(p, SB.hasGoal) is None}
    assert len(practices) >= 5
    assert without_goal == {row.focus for row in planted if row.rule == "R14"}


def test_at_least_20_conversations_in_all_three_media(data: Graph) -> None:
    conversations = instances(data, SB.Conversation)
    media = {m for c in conversations for m in data.objects(c, SB.medium)}
    assert len(conversations) >= 20
    assert media == {SB.voice, SB.text, SB.video}


def test_conversations_contain_the_four_main_act_types(data: Graph) -> None:
    acts = {a for c in instances(data, SB.Conversation) for a in data.objects(c, SB.hasAct)}
    types = {data.value(act, SB.actType) for act in acts}
    assert types >= {SB.request, SB.promise, SB.state, SB.accept}


# -- README --


def test_readme_table_names_every_rule(planted: list[Planted]) -> None:
    assert sorted({row.rule for row in planted}) == RULE_IDS


def test_readme_table_has_no_duplicate_rows(planted: list[Planted]) -> None:
    keys = [(row.rule, row.focus, row.value) for row in planted]
    assert len(keys) == len(set(keys))


def test_readme_table_names_nodes_that_exist(data: Graph, planted: list[Planted]) -> None:
    known = Graph().parse(CONCEPTS_FILE, format="turtle") + data
    named = {row.focus for row in planted} | {row.value for row in planted if row.value}
    assert sorted(node for node in named if (node, RDF.type, None) not in known) == []


def test_readme_table_tells_a_story_per_row(planted: list[Planted]) -> None:
    assert [row for row in planted if len(row.story) < 20] == []


@pytest.mark.parametrize(
    ("phrase", "cls"),
    [
        ("organisations and units", ORG.Organization),
        ("people", SB.Person),
        ("communication arcs", SB.Arc),
        ("tools", SB.Tool),
        ("IT policies", SB.ToolPolicy),
        ("practices", SB.Practice),
        ("conversations", SB.Conversation),
        ("conversation acts", SB.ConversationAct),
        ("information items", SB.InformationItem),
    ],
)
def test_readme_counts_match_the_data(data: Graph, phrase: str, cls: URIRef) -> None:
    match = re.search(rf"(\d+) {phrase}\b", README.read_text(encoding="utf-8"))
    assert match is not None, f"README does not count the {phrase}"
    assert int(match.group(1)) == len(instances(data, cls))


def test_malformed_table_row_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "README.md"
    broken.write_text(
        f"## Planted misalignments\n\n{TABLE_HEADER}\n|---|---|---|---|\n| R1 | ex:a |\n"
    )
    with pytest.raises(ValueError, match="malformed table row"):
        read_planted_table(broken)
