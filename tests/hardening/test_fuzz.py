"""Fuzzing the HTTP API from its own OpenAPI document (schemathesis, a bounded run).

Every operation gets a few dozen generated requests (a fixed seed, so a run is repeatable),
sent with an admin token through one started app on an embedded store holding the example
data, to the address the app is served under (a request naming any other `Host` would be
answered 421 by the edge and never reach its route). Checked: every request reaches its
route, no request is a 500, and every answer the document describes (status and
media type) has the body its schema says. Statuses the document does not list (our 4xx
problem+json answers) are outside that check; their shape is what the cases above assert.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from service.api import create_app
from service.resources import DATA_DIR
from service.settings import Settings
from tests.api.conftest import _start
from tests.hardening.conftest import TOKEN_SPEC

ADMIN = {"Authorization": "Bearer admin-token"}
EXAMPLES = 25

schema = schemathesis.openapi.from_dict(create_app(Settings(tokens=TOKEN_SPEC)).openapi())


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the whole run, its store holding the example data."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    client = _start(Settings(store_path=folder / "store", tokens=TOKEN_SPEC))
    for path in sorted((DATA_DIR / "example").glob("*.ttl")):
        response = client.put(
            f"/store?graph=urn:triskel:file:example/{path.name}",
            content=path.read_bytes(),
            headers={"Content-Type": "text/turtle"} | ADMIN,
        )
        assert response.is_success, response.text
    yield client
    client.__exit__(None, None, None)


@schema.parametrize()
@seed(20261127)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_fuzz_no_500_and_documented_answers_match_their_schema(
    case: schemathesis.Case, fuzzed: TestClient
) -> None:
    kwargs = case.as_transport_kwargs(base_url=str(fuzzed.base_url), headers=ADMIN)
    response = fuzzed.request(**kwargs)
    assert response.status_code != 421, "the request never reached its route (Host refused)"
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
