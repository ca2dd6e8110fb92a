"""What-if scenarios: a JSON document of steps, or a raw SPARQL Update, as one update text.

A scenario is checked against `scenario.schema.json` (the schema users read too), then each
step becomes the SPARQL Update of the template its kind names (`steps/<x-template>.ru`),
its IRIs bound as RDF terms: each variable of the template named like a property of the step
(or like its `x-binds`) is replaced, token by token (`service.store.sparqltokens`), by the
IRI as pyoxigraph writes it, so a value can never become syntax. Before anything is tried,
each IRI must be of the class its property names (`x-class`, `steps/is-a.rq`), every
`steps/<x-template>.require-*.rq` must hold and no `steps/<x-template>.refuse-*.rq` may (each
says why in its `# message:` line): a bad scenario is an `InputError` naming the step and
the problem.

The steps are one update, operations in order (a later step sees what an earlier one did).
A step that changes what is said about a node (`x-each-graph`) is one operation per graph,
`WITH <graph>` before each named one: graphs are named by IRI, so the update reaches data
graphs only, never a system graph (`service.store.system_graphs`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pyoxigraph as ox

from service.errors import InputError
from service.store.base import Store
from service.store.sparqltokens import tokens

HERE = Path(__file__).parent
SCHEMA_FILE = HERE / "scenario.schema.json"
STEPS_DIR = HERE / "steps"
MESSAGE = "# message: "
_NOT_BOUND = ("kind", "graph")
"""Step properties that are not template variables."""


@dataclass(frozen=True)
class Step:
    """One step: its kind, its template and its IRIs (by property name)."""

    kind: str
    template: str
    iris: Mapping[str, ox.NamedNode]
    graph: ox.NamedNode | None = None

    def update(self, graphs: Sequence[str | None]) -> list[str]:
        """The step's SPARQL Update operations: its template with the IRIs bound, once per
        graph of `graphs` (the store's data graphs, None the default graph) for a kind that
        changes every graph (`x-each-graph`), else once on its `graph` (the default graph
        when none). A named graph's operation starts `WITH <graph>`."""
        text = bind(template_text(self.template), self.bindings())
        if not step_schema(self.kind).get("x-each-graph"):
            graphs = [None if self.graph is None else self.graph.value]
        return [text if g is None else with_graph(text, ox.NamedNode(g)) for g in graphs]

    def bindings(self) -> dict[str, ox.NamedNode]:
        """Template variable -> IRI (a property's `x-binds` renames its variable)."""
        properties = step_schema(self.kind)["properties"]
        return {properties[name].get("x-binds", name): iri for name, iri in self.iris.items()}


@dataclass(frozen=True)
class Scenario:
    """Steps to try, or a raw SPARQL Update (`raw`)."""

    steps: tuple[Step, ...] = ()
    raw: str | None = None
    title: str | None = None

    def update(self, graphs: Sequence[str | None]) -> str:
        """The whole scenario as one SPARQL Update, on `graphs` (see `Step.update`)."""
        if self.raw is not None:
            return self.raw
        operations = [op for step in self.steps for op in step.update(graphs)]
        return join_operations(operations)

    def describe(self) -> dict[str, Any]:
        """The scenario as the answer echoes it."""
        if self.raw is not None:
            return {"update": self.raw}
        steps = [
            {"kind": s.kind, **{k: v.value for k, v in s.iris.items()}}
            | ({"graph": s.graph.value} if s.graph else {})
            for s in self.steps
        ]
        return {"title": self.title, "steps": steps} if self.title else {"steps": steps}


@cache
def schema() -> dict[str, Any]:
    """The scenario schema (read once)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(schema(), validate_formats=True)


def step_schema(kind: str) -> dict[str, Any]:
    """The schema of one kind of step."""
    found: dict[str, Any] = schema()["$defs"][kind]
    return found


@cache
def template_text(name: str) -> str:
    """A step template's text (read once)."""
    return (STEPS_DIR / f"{name}.ru").read_text(encoding="utf-8")


def read_scenario(body: bytes) -> Scenario:
    """The scenario of a JSON document; `InputError` naming the first problem."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"the scenario is not JSON: {exc}") from None
    except RecursionError:
        raise InputError("the scenario is nested too deep to read") from None
    error = next(iter(_validator().iter_errors(document)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.instance_path)
        raise InputError(f"the scenario does not fit its schema at /{where}: {error.message}")
    return Scenario(tuple(_step(step) for step in document["steps"]), title=document.get("title"))


def _step(step: Mapping[str, str]) -> Step:
    kind = step["kind"]
    found = step_schema(kind)
    iris = {name: _iri(value, name) for name, value in step.items() if name not in _NOT_BOUND}
    graph = _iri(step["graph"], "graph") if "graph" in step else None
    return Step(kind, found["x-template"], iris, graph)


def _iri(text: str, name: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(text)
    except ValueError as exc:
        raise InputError(f"the scenario's {name} is not an IRI: {exc}") from None


def check_scenario(store: Store, scenario: Scenario) -> None:
    """Refuse (`InputError`) a step whose IRIs are not of their classes in the store, or
    that one of its template's `require-` or `refuse-` queries forbids."""
    for number, step in enumerate(scenario.steps, start=1):
        properties = step_schema(step.kind)["properties"]
        for name, iri in step.iris.items():
            if "x-class" not in properties[name]:
                continue  # a new node's IRI (a banning policy's)
            wanted = ox.NamedNode(properties[name]["x-class"])
            if not store.ask(_query("is-a"), substitutions={"node": iri, "class": wanted}):
                raise InputError(f"step {number} ({step.kind}): {name} {iri} is not a {wanted}")
        for path in sorted(STEPS_DIR.glob(f"{step.template}.re*-*.rq")):
            query = _query(path.stem)
            used = {t.text[1:] for t in tokens(query) if t.kind == "var"}
            bound = {name: iri for name, iri in step.bindings().items() if name in used}
            refuses = ".refuse-" in path.name
            if store.ask(query, substitutions=bound) == refuses:
                raise InputError(f"step {number} ({step.kind}): {_message(path.stem)}")


@cache
def _query(name: str) -> str:
    return (STEPS_DIR / f"{name}.rq").read_text(encoding="utf-8")


def _message(name: str) -> str:
    """The `# message:` line of a refusal query."""
    first = _query(name).splitlines()[0]
    return first.removeprefix(MESSAGE)


def bind(text: str, values: Mapping[str, ox.NamedNode]) -> str:
    """`text` with each variable named in `values` replaced by its IRI.

    >>> bind("ASK { ?x ?p '?x' }", {"x": ox.NamedNode("urn:a")})
    "ASK { <urn:a> ?p '?x' }"
    """
    parts: list[str] = []
    position = 0
    for token in tokens(text):
        if token.kind == "var" and token.text[1:] in values:
            parts.append(text[position : token.start])
            parts.append(str(values[token.text[1:]]))
            position = token.start + len(token.text)
    parts.append(text[position:])
    return "".join(parts)


def with_graph(text: str, graph: ox.NamedNode) -> str:
    """An `INSERT`/`DELETE ... WHERE` operation with `WITH <graph>` before its first
    keyword, so its templates write `graph` instead of the default graph.

    >>> with_graph("PREFIX a: <urn:a#> INSERT { a:x a:y a:z } WHERE {}", ox.NamedNode("urn:g"))
    'PREFIX a: <urn:a#> WITH <urn:g> INSERT { a:x a:y a:z } WHERE {}'
    """
    start = _first_keyword(text, ("INSERT", "DELETE"))
    return f"{text[:start]}WITH {graph} {text[start:]}"


def join_operations(operations: Sequence[str]) -> str:
    """Operations as one update, their prologues (`PREFIX`, `BASE`) first: pyoxigraph reads
    a prologue only at the start of an update, not after `;` as SPARQL 1.1 allows. The
    step templates declare each prefix they use with its usual namespace, so gathering their
    prologues changes no name.

    >>> join_operations(["PREFIX a: <urn:a#> INSERT DATA { a:x a:y a:z }", "DELETE DATA {}"])
    'PREFIX a: <urn:a#> \\nINSERT DATA { a:x a:y a:z } ;\\nDELETE DATA {}'
    """
    prologues: list[str] = []
    bodies: list[str] = []
    for text in operations:
        start = _first_keyword(text, ("INSERT", "DELETE", "WITH"))
        prologues.append(text[:start])
        bodies.append(text[start:])
    return "".join(prologues) + "\n" + " ;\n".join(bodies)


def _first_keyword(text: str, keywords: tuple[str, ...]) -> int:
    return next(t.start for t in tokens(text) if t.kind == "name" and t.word in keywords)


def bind_values(text: str, name: str, terms: Sequence[ox.NamedNode]) -> str:
    """`text` with each `VALUES ?name { UNDEF }` listing `terms` instead (none: no row).

    >>> bind_values("SELECT * { VALUES ?x { UNDEF } }", "x", [ox.NamedNode("urn:a")])
    'SELECT * { VALUES ?x { <urn:a> } }'
    """
    found = tokens(text)
    listed = " ".join(str(term) for term in terms)
    parts: list[str] = []
    position = 0
    for index in range(len(found) - 4):
        keyword, variable, opening, undef, closing = found[index : index + 5]
        if (
            keyword.word == "VALUES"
            and variable.text[1:] == name
            and (opening.text, undef.text.upper(), closing.text) == ("{", "UNDEF", "}")
        ):
            parts.extend((text[position : undef.start], listed))
            position = undef.start + len(undef.text)
    parts.append(text[position:])
    return "".join(parts)
