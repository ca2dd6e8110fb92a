"""`GET /health`: is the store reachable, how much does it hold, which versions run."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from service import __version__
from service.api.deps import StoreDep
from service.api.pools import HEALTH
from service.resources import ONTOLOGY_VERSION

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The answer of `GET /health` (a store failure answers 503 problem+json instead)."""

    status: str
    version: str
    ontology_version: str
    store: str
    triples: int
    graphs: int


@router.get("/health", response_model=Health, summary="Store reachable, triple count, version")
@router.head("/health", response_model=Health, include_in_schema=False)
async def health(store: StoreDep) -> Health:
    """Touch the store (count its quads and graphs) and report the versions in service."""
    triples, graphs = await HEALTH.run(store.size)  # never behind other work (`Store.size`)
    return Health(
        status="ok",
        version=__version__,
        ontology_version=ONTOLOGY_VERSION,
        store=type(store).__name__,
        triples=triples,
        graphs=graphs,
    )
