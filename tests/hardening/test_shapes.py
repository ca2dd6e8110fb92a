"""Cases 23 and 24 of the hardening issue: posted shapes cannot fetch, loop or hang.

Both validation engines are tried: the compiled one (`fast`, SPARQL on pyoxigraph) and
pySHACL (on rdflib, which would run a `SERVICE` if it got the chance).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.hardening.conftest import READ, Service, Trap, problem_of

SH = "http://www.w3.org/ns/shacl#"
DATA = ("data.ttl", "<http://e/x> a <http://e/T> ; <http://e/p> 1 .", "text/turtle")
ENGINES = ["fast", "pyshacl"]


def _validate(service: Service, shapes: str, engine: str) -> object:
    files = {"data": DATA, "shapes": ("shapes.ttl", shapes, "text/turtle")}
    return service.client.post(
        f"/validate?engine={engine}&no_builtin=true", files=files, headers=READ
    )


def _select_constraint(target: str) -> str:
    """A node shape with a SPARQL-based constraint whose SELECT calls `target`."""
    query = f"SELECT $this WHERE {{ SERVICE <{target}> {{ $this ?p ?o }} }}"
    return f'ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:sparql [ sh:select "{query}" ] .'


def _ask_component(target: str) -> str:
    """A SPARQL-based constraint component whose ASK validator calls `target`."""
    query = f"ASK {{ SERVICE <{target}> {{ $this ?p $value }} }}"
    return (
        "ex:C a sh:ConstraintComponent ; sh:parameter [ sh:path ex:flag ] ;\n"
        f'  sh:validator [ a sh:SPARQLAskValidator ; sh:ask "{query}" ] .\n'
        "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:p ; ex:flag true ] ."
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("build", [_select_constraint, _ask_component], ids=["select", "ask"])
def test_case_23_sparql_constraints_with_service_are_refused_unrun(
    service: Service, trap: Trap, engine: str, build: Callable[[str], str]
) -> None:
    shapes = f"@prefix sh: <{SH}> . @prefix ex: <http://e/> .\n{build(trap.url)}\n"
    before = service.fingerprint()
    body = problem_of(_validate(service, shapes, engine), 400)
    assert "SERVICE" in body["detail"]
    assert service.fingerprint() == before


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "cycle",
    [
        "ex:A sh:node ex:B . ex:B a sh:NodeShape ; sh:node ex:A .",
        "ex:A sh:property [ sh:path ex:p ; sh:node ex:A ] .",
        "ex:A sh:or ( ex:B ) . ex:B a sh:NodeShape ; sh:not ex:A .",
    ],
    ids=["node", "property", "or-not"],
)
def test_case_24_recursive_shapes_are_a_bounded_400(
    make_service: Callable[..., Service], engine: str, cycle: str
) -> None:
    service = make_service(validation_timeout_s=10)
    shapes = (
        f"@prefix sh: <{SH}> . @prefix ex: <http://e/> .\n"
        f"ex:A a sh:NodeShape ; sh:targetClass ex:T .\n{cycle}\n"
    )
    before = service.fingerprint()
    body = problem_of(_validate(service, shapes, engine), 400)
    assert "recursive shapes are not supported" in body["detail"]
    assert "http://e/A" in body["detail"]
    assert service.fingerprint() == before
