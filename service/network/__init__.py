"""Organisational network analytics: the network, not the org chart.

Reads the social network from the store (people, units, weighted directed arcs), computes
per-person, per-organisation and community metrics, and writes them as RDF into the system
graph `urn:triskel:analytics`, one triple per value, with their provenance. Modules, one job
each:

* `read`        — the network from the store (`network.rq`): what is a tie, what is left out;
                  the ties as arrays, which the metrics compute over;
* `ties`        — degree, strength, internal/external network size, strong and diverse ties;
* `centrality`  — betweenness, PageRank, articulation points (and why these libraries);
* `brokerage`   — Gould-Fernandez brokerage roles;
* `groups`      — density, E-I index, ties to other organisations; privacy suppression;
* `partitions`  — NMI and adjusted Rand index of two partitions;
* `communities` — Louvain communities compared with units;
* `analysis`    — every metric from one reading, with its provenance;
* `rdf`         — the analysis as RDF, written over the analytics graph;
* `summary`     — the analysis as JSON for the CLI and the API, privacy applied;
* `run`         — read, compute, write: the entry point of the CLI and the API.
"""

from __future__ import annotations
