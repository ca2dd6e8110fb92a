"""`POST /whatif`: what a change would do, found without writing anything.

The body is a scenario (`application/json`, `service/whatif/scenario.schema.json`) or a raw
SPARQL Update (`application/sparql-update`). The answer is the JSON of `service.whatif.run`:
findings new and resolved, the practices, conversations and customers affected, and the
network change. Nothing is written, so the read role is enough: the caller learns what a
write would do to the findings, which `GET /findings` and `/validate` already show readers.

Privacy as in `POST /analyse`: people are named in the network change for a caller with the
admin role, or for every caller when `TRISKEL_PERSON_METRICS=read`; pairs of units under
`TRISKEL_MIN_GROUP_SIZE` members are counted, not named. A scenario that does not fit its
schema, names an IRI that is not of the class its step expects, or a raw update the store
refuses, is a 400 (403 for a system graph) problem, and nothing was tried.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.api.deps import BodyDep, IsAdmin, ReadAccess, SettingsDep, StoreDep, in_thread
from service.api.negotiation import parse_content_type, require_utf8
from service.api.routers.sparql import endpoint_of
from service.errors import InputError, UnsupportedFormatError
from service.guard import Guard
from service.whatif import Scenario, read_scenario, what_if

router = APIRouter(tags=["analytics"], dependencies=[ReadAccess])
SCENARIO = "application/json"
UPDATE = "application/sparql-update"


@router.post(
    "/whatif",
    summary="What a scenario would change (findings, practices, network); nothing is written",
    description=(
        "The body is a scenario (application/json, its schema in the README and in "
        "service/whatif/scenario.schema.json) or a SPARQL Update (application/sparql-update)."
    ),
    openapi_extra={
        "requestBody": {"required": True, "content": {SCENARIO: {"schema": {"type": "object"}}}}
    },
)
async def whatif(
    request: Request, store: StoreDep, settings: SettingsDep, body: BodyDep, admin: IsAdmin
) -> dict[str, Any]:
    """Try the scenario on the live findings and the network; the answer."""
    scenario = _scenario(request.headers.get("content-type"), body)
    guard: Guard = request.app.state.guard
    return await in_thread(
        what_if,
        store,
        guard,
        scenario,
        base_iri=endpoint_of(request),
        min_group_size=settings.min_group_size,
        people=settings.person_metrics == "read" or admin,
    )


def _scenario(content_type: str | None, body: bytes) -> Scenario:
    """The scenario of the body, by its media type."""
    parsed = parse_content_type(content_type)
    if parsed.media_type == SCENARIO:
        return read_scenario(body)
    if parsed.media_type == UPDATE:
        require_utf8(parsed)
        try:
            return Scenario(raw=body.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError("the update is not UTF-8") from None
    sent = parsed.media_type or "no type"
    raise UnsupportedFormatError(
        f"send a scenario as {SCENARIO} or a SPARQL Update as {UPDATE}, not {sent}"
    )
