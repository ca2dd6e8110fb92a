"""Items 4 (canonical hashing), 9 (kept reports bounded) and 10 (full disk) of issue 9, the
report side.

A chain of blank nodes made RDF Dataset Canonicalization (RDFC-1.0) overflow the native stack
(the process died) or run for minutes; the dangerous calls run in a subprocess here, so a
regression fails this test instead of killing the test run.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.reports.canonical import canonical_hash, duplicate_signatures
from tests.hardening.conftest import REPO

CHAIN_SCRIPT = """
import sys
from fastapi.testclient import TestClient
from service.api.app import create_app
from service.settings import Settings

n, where, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3]
chain = "".join(f"_:b{i} <urn:ex:next> _:b{i + 1} .\\n" for i in range(n))
settings = Settings(store_path=folder, tokens="read:r,write:w", host="127.0.0.1", port=8000)
with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
    write = {"Authorization": "Bearer w"}
    read = {"Authorization": "Bearer r"}
    if where == "data":
        put = client.put("/store?graph=urn:ex:chain", content=chain,
                         headers=write | {"Content-Type": "application/n-triples"})
        assert put.status_code == 201, put.text
        answer = client.post("/validate", headers=read)
    else:
        shapes = ("<urn:ex:S> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                  "<http://www.w3.org/ns/shacl#NodeShape> .\\n" + chain)
        files = {"shapes": ("chain.nt", shapes.encode(), "application/n-triples")}
        answer = client.post("/validate", headers=read, files=files)
    print(answer.status_code, answer.json().get("conforms"), answer.json().get("detail"))
"""


def _run_chain(n: int, where: str, folder: Path, timeout: float) -> tuple[str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHAIN_SCRIPT), str(n), where, str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip(), time.monotonic() - started


@pytest.mark.slow
def test_case_4_a_10k_blank_node_chain_in_the_data_validates_without_crashing(
    tmp_path: Path,
) -> None:
    out, _ = _run_chain(10_000, "data", tmp_path / "store", timeout=240)
    assert out.splitlines()[-1].startswith("200 ")


def test_case_4_a_10k_blank_node_chain_in_posted_shapes_validates_without_crashing(
    tmp_path: Path,
) -> None:
    out, _ = _run_chain(10_000, "shapes", tmp_path / "store", timeout=240)
    assert out.splitlines()[-1].startswith("200 ")


HASH_SCRIPT = """
import sys, time
from service.reports.canonical import canonical_hash
n = int(sys.argv[1])
chain = "".join(f"_:b{i} <urn:ex:next> _:b{i + 1} .\\n" for i in range(n)).encode()
started = time.monotonic()
print(canonical_hash(chain), round(time.monotonic() - started, 2))
"""


@pytest.mark.slow
def test_case_4_a_100k_chain_hashes_in_bounded_time_in_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-c", HASH_SCRIPT, "100000"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    fingerprint, seconds = done.stdout.split()
    assert fingerprint.startswith("sha256:") and float(seconds) < 120


def _chain(n: int, labels: str = "b") -> bytes:
    return "".join(f"_:{labels}{i} <urn:ex:next> _:{labels}{i + 1} .\n" for i in range(n)).encode()


def test_the_bounded_road_is_deterministic_and_label_blind() -> None:
    assert duplicate_signatures(_chain(500)) > 0, "a chain takes the bounded road"
    assert canonical_hash(_chain(500)) == canonical_hash(_chain(500, labels="other"))
    shuffled = b"\n".join(reversed(_chain(500).splitlines())) + b"\n"
    assert canonical_hash(shuffled) == canonical_hash(_chain(500))


def test_the_bounded_road_still_tells_data_apart() -> None:
    assert canonical_hash(_chain(10)) != canonical_hash(_chain(11))
    cycle = _chain(9) + b"_:b9 <urn:ex:next> _:b0 .\n"
    assert canonical_hash(cycle) != canonical_hash(_chain(10))
    clique = "".join(f"_:n{i} <urn:ex:p> _:n{j} .\n" for i in range(9) for j in range(9) if i != j)
    started = time.monotonic()
    fewer = "".join(clique.splitlines(keepends=True)[:-1])
    assert canonical_hash(clique.encode()) != canonical_hash(fewer.encode())
    assert time.monotonic() - started < 5, "a clique of 9 took RDFC-1.0 minutes"


def test_ordinary_blank_nodes_keep_the_rdfc_fingerprint() -> None:
    data = b'_:x <urn:p> _:y <urn:g> .\n_:y <urn:p> "1" .\n_:x <urn:q> <urn:o> .\n'
    assert duplicate_signatures(data) == 0
    dataset = ox.Dataset(ox.parse(data, ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted((ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b"").splitlines())
    expected = hashlib.sha256(b"".join(line + b"\n" for line in lines)).hexdigest()
    assert canonical_hash(data) == f"sha256:{expected}"
