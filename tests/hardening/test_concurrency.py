"""A bug the load test found: concurrent first uses of rdflib's SPARQL parser broke it.

pyparsing learns each parse action's arity on its first call; threads compiling the rule
pack (the fast engine) or running pySHACL (which parses SPARQL inside `Graph.query`) at once
in a fresh process used to record wrong arities, and every validation of that process then
failed with a 500. Run in a child process, since this one has parsed
SPARQL already (the race only exists before the first parse).
"""

from __future__ import annotations

import subprocess
import sys

from tests.hardening.conftest import REPO

CHILD = """
import threading
from service.validation import validate
from service.validation.compile import compile_pack
from service.validation.rdfio import Source
from service.validation.shapes import load_builtin

pack = load_builtin()
data = Source("tiny.ttl", b"<urn:x> a <urn:T> .", "turtle")
errors = []

def compile():
    try:
        compile_pack(pack)
    except Exception as exc:
        errors.append(repr(exc))

def reference():
    try:
        validate(data, shapes=pack, engine="pyshacl", fail_on="violation")
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=work) for work in [compile] * 6 + [reference] * 4]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(errors), errors[:1])
"""


def test_concurrent_first_sparql_parses_in_a_fresh_process_all_succeed() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "0 []"
