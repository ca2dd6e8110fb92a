"""The RDF floor, below the store, validation, reports and the API: what every layer shares.

* `formats`   — the one table of RDF and SPARQL-results formats (media types, extensions,
  pyoxigraph and rdflib names).
* `reader`    — the one guarded reader every RDF input goes through (sizes, regular files,
  XML entities, nesting, triple terms, quads for the wrong graph).
* `xmlguard`, `textguard` — the pre-parse scans the reader runs.
* `closure`   — what a walk along one relation reaches.

Nothing here imports from the rest of the service but `service.errors` and
`service.namespaces`.
"""
