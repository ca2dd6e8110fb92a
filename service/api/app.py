"""The app factory: `create_app(settings)` builds one FastAPI app; its lifespan owns the store.

Building an app touches no disk and no network; starting it (the lifespan) opens the store
named by the settings, loads the product's ontology into its graph
(`https://w3id.org/social-business`, replaced on every start so it always matches the code),
starts the live findings (`service.findings`): from the state the store keeps of them when it
is current, serving at once while the live engine warms up in a background thread; else
validated whole and the state written, once) and closes the store on shutdown. Tests build
one app per configuration.

Around the routes, outermost first: `EdgeGuard` (served `Host` names, cross-site writes),
`Compression` (gzip), `PublicCORS` (the published paths), `SparqlCORS` (`/sparql` for
`TRISKEL_CORS_ORIGINS`), `FindingsPage` (a browser's `/findings` gets the dashboard page).
`app.state.base` is the URL the service's own IRIs are built on (`TRISKEL_PUBLIC_URL` or
the bound address), never the caller's `Host`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache

from fastapi import FastAPI

from service import __version__, rdflib_sparql
from service.api import problems
from service.api.auth import AccessPolicy
from service.api.cors import SparqlCORS, parse_origins
from service.api.deps import in_thread
from service.api.edge import Compression, EdgeGuard, ServedHosts, public_base
from service.api.pools import Admission
from service.api.routers import (
    alignment,
    analytics,
    findings,
    graph_store,
    health,
    imports,
    network,
    pages,
    publishing,
    queries,
    reports,
    sparql,
    update,
    validate,
    whatif,
)
from service.catalog import Catalog
from service.findings import LiveFindings
from service.findings.revalidate import Revalidation
from service.guard import Guard
from service.ontology import read_graph
from service.rdf.formats import NTRIPLES
from service.reports.validations import Validations
from service.resources import ONTOLOGY_IRI
from service.settings import Settings
from service.store import open_store
from service.store.base import Store
from service.store.remote import RemoteStore
from service.validation import load_builtin

log = logging.getLogger(__name__)

DESCRIPTION = """Checks whether a social business holds together across practice, organisation
and technology. SPARQL 1.1 Protocol at `/sparql` and `/update`, Graph Store Protocol at
`/store`. Errors are `application/problem+json`. A `Triskel-Truncated: true` header says the
row cap (`TRISKEL_MAX_ROWS`) cut a query answer. The current findings after the last
committed write are at `/findings`; every write through `/store` or `/update` answers how many
findings it opened and closed in `Triskel-Findings-Opened` and `Triskel-Findings-Closed`."""


def load_ontology(store: Store) -> int:
    """Replace the ontology graph with the product's ontology files, in one all-or-nothing
    load (the three files merged), so the graph always matches the code; returns triples."""
    return store.load(
        _ontology_ntriples(),
        media_type=NTRIPLES,
        graph=ONTOLOGY_IRI,
        replace=True,
        source="ontology/*.ttl",
    )


@lru_cache(maxsize=1)
def _ontology_ntriples() -> bytes:
    """The product's ontology files merged, as N-Triples: read once per process (the files
    ship with the code), not at every app start."""
    return read_graph().serialize(format="nt", encoding="utf-8")


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The lifespan of an app for `settings`: read the named queries (a broken file stops the
    start, naming it), open the store and the validation workers, load the ontology, close."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.catalog = await in_thread(Catalog.load, settings.queries_dir)
        store = await in_thread(open_store, settings)
        validator = Validations.from_settings(settings)
        try:
            triples = await in_thread(load_ontology, store)
            log.info("ontology loaded into <%s>: %d triples", ONTOLOGY_IRI, triples)
            watch = settings.sparql_url is not None  # others may write a remote store
            pack = load_builtin(analytics=settings.analytics_rules)
            live = await in_thread(LiveFindings.start, store, watch=watch, pack=pack)
            if not live.ready:
                warm = threading.Thread(target=live.warm_up, args=(store,), daemon=True)
                warm.start()
            app.state.guard = Guard(live)
            app.state.store, app.state.validator = store, validator
            app.state.revalidation = _revalidation(settings, store, live)
            yield
        finally:
            if getattr(app.state, "revalidation", None) is not None:
                await in_thread(app.state.revalidation.stop)
            await in_thread(validator.close)
            await in_thread(store.close)

    return lifespan


def _revalidation(settings: Settings, store: Store, live: LiveFindings) -> Revalidation | None:
    """The periodic full revalidation of `TRISKEL_REVALIDATE_EVERY`, started (a remote store
    only: the embedded store is written by the service alone)."""
    if settings.revalidate_every is None or not isinstance(store, RemoteStore):
        return None
    every, rows = settings.revalidate_every, settings.remote_page_rows
    revalidation = Revalidation(store, live, every_s=every, page_rows=rows)
    revalidation.start()
    return revalidation


def create_app(settings: Settings) -> FastAPI:
    """Build the app for `settings`; raises `InputError` for a malformed `TRISKEL_TOKENS`
    (a token listed twice included), `TRISKEL_PUBLIC_URL`, `TRISKEL_SERVED_HOSTS` or
    `TRISKEL_CORS_ORIGINS`."""
    app = FastAPI(
        title="Triskel",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan(settings),
        docs_url=None,  # `pages` serves /docs and /redoc from local assets, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    rdflib_sparql.use_cache(settings.cache_dir)
    app.state.access = AccessPolicy.from_settings(
        tokens=settings.tokens, public_read=settings.public_read, open=settings.open
    )
    app.state.base = public_base(
        host=settings.host, port=settings.port, public_url=settings.public_url
    )
    hosts = ServedHosts.build(
        bound=settings.host, public_url=settings.public_url, extra=settings.served_hosts
    )
    app.state.validations = Admission(settings.validation_workers, settings.validation_queue)
    cors_origins = parse_origins(settings.cors_origins)
    problems.install(app)
    for router in (health.router, sparql.router, update.router, graph_store.router, imports.router):
        app.include_router(router)
    app.include_router(queries.router)
    app.include_router(publishing.router)
    for router in (validate.router, reports.router, findings.router, alignment.router):
        app.include_router(router)
    app.include_router(analytics.router)
    app.include_router(network.router)
    app.include_router(whatif.router)
    pages.install(app)
    app.add_middleware(SparqlCORS, origins=cors_origins)
    app.add_middleware(publishing.PublicCORS)
    app.add_middleware(Compression)
    app.add_middleware(EdgeGuard, hosts=hosts)
    return app
