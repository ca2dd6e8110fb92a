"""The what-if scenario schema and step templates: the data files, checked as data."""

from __future__ import annotations

import json
import re

import jsonschema_rs
import pyoxigraph as ox
import pytest

from service.errors import InputError
from service.resources import ROOT
from service.store.operations import operations
from service.store.sparqltokens import tokens
from service.whatif.scenario import (
    MESSAGE,
    STEPS_DIR,
    join_operations,
    read_scenario,
    schema,
    step_schema,
    template_text,
)

KINDS: list[str] = schema()["$defs"]["step"]["properties"]["kind"]["enum"]
GRAPHS = [None, "urn:test:a", "urn:test:b"]


def _example(kind: str) -> dict[str, str]:
    """A step of `kind` with every field it allows (IRIs made up)."""
    fields = step_schema(kind)["properties"]
    return {"kind": kind} | {name: f"urn:test:{name}" for name in fields if name != "kind"}


def test_the_schema_is_a_json_schema() -> None:
    assert jsonschema_rs.meta.is_valid(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_a_template_whose_variables_it_binds(kind: str) -> None:
    spec = step_schema(kind)
    text = template_text(spec["x-template"])
    header = next(line for line in text.splitlines() if line.startswith("# parameters:"))
    required = set(re.findall(r"(?<!\[)\?(\w+)", header.split("[")[0]))
    bound = {spec["properties"][name].get("x-binds", name) for name in spec["properties"]}
    assert required <= bound, f"{kind} leaves {required - bound} unbound"
    step = read_scenario(json.dumps({"steps": [_example(kind)]}).encode()).steps[0]
    update = join_operations(step.update(GRAPHS))
    left = {t.text[1:] for t in tokens(update) if t.kind == "var"}
    assert not left & required
    assert operations(update)  # the project's own reading of the update
    ox.Store().update(update)  # and the engine's: it parses and runs on an empty store


def test_all_kinds_in_one_scenario_make_one_update() -> None:
    document = {"steps": [_example(kind) for kind in KINDS]}
    update = read_scenario(json.dumps(document).encode()).update(GRAPHS)
    db = ox.Store()
    db.update(update)
    assert len(db) == 3  # the new policy: its type, issuer and prohibited tool


@pytest.mark.parametrize("path", sorted(STEPS_DIR.glob("*.rq")), ids=lambda p: p.name)
def test_every_check_query_parses_and_refusals_say_why(path: object) -> None:
    text = path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    ox.Store().query(text)
    if ".re" in path.name:  # type: ignore[attr-defined]
        assert text.startswith(MESSAGE) and len(text.splitlines()[0]) > len(MESSAGE) + 10


def test_every_kind_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"| `{kind}` |" in readme


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (b"\xff", "not JSON"),
        (b'{"steps": [{"kind": "ban-tool", "organisation": "urn:a"}]}', "tool"),
        (b'{"steps": [{"kind": "move-unit", "unit": "urn:a", "parent": "urn:b", "x": 1}]}', "x"),
        (b'{"title": 5, "steps": [{"kind": "drop-arc", "arc": "urn:a"}]}', "title"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deep"),
    ],
)
def test_bad_documents_name_the_problem(document: bytes, words: str) -> None:
    with pytest.raises(InputError, match=words):
        read_scenario(document)
