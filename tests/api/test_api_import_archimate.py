"""`POST /import/archimate` on both backends: Archisurance in, an ArchiMate 2.1 file refused
with 400 naming its version, and the store unchanged by the refusal."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.shared import fixture

OLD = b'<model xmlns="http://www.opengroup.org/xsd/archimate" identifier="m"/>'


def test_archisurance_in_and_a_21_file_refused(module_client: TestClient) -> None:
    model = fixture("archimate/opengroup-xmlexchange/archisurance.xml").read_bytes()
    first = module_client.post("/import/archimate", content=model)
    assert first.status_code == 200, first.text
    summary = first.json()
    assert (summary["written"], summary["people"], summary["tools"], summary["arcs"]) == (
        True, 17, 10, 12
    )  # fmt: skip
    graph = {"graph": summary["graph"]}
    before = module_client.get("/store", params=graph).text
    refused = module_client.post("/import/archimate", content=OLD)
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert "version 2.1" in refused.json()["detail"]
    assert module_client.get("/store", params=graph).text == before
