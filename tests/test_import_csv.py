"""The csv importer's refusals (nothing reaches the engine) and what every shipped template
holds: a mapping that reads exactly the template's columns, and a meeting with mail.

The imports themselves are the cases of tests/import_cases/csv (test_import_cases.py).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.errors import EngineUnavailableError, InputError
from service.importers.contract import Source
from service.importers.registers import TEMPLATES, template_names
from service.importers.registers.mapping import BASE, parse_mapping
from service.importers.run import prepare

PEOPLE = b"id,name,email,unit\nE1,Ann Lee,ann@example.org,sales\n"
MAIL = (
    b"From ann@example.org Mon Jan  6 09:00:00 2025\nFrom: Ann Lee <Ann@Example.org>\n"
    b"To: bob@example.org\nDate: Mon, 6 Jan 2025 09:00:00 +0000\nMessage-ID: <m1@x>\n\nhi\n"
)


def refusal(*sources: tuple[str, bytes], mapping: bytes | None = None, **flags: bool) -> str:
    with pytest.raises(InputError) as caught:
        prepare(
            "csv",
            [Source(name, data) for name, data in sources],
            options={},
            mapping=mapping,
            pseudonym_key="k",
            **flags,
        )
    return str(caught.value)


def test_every_template_has_a_mapping_that_reads_its_columns() -> None:
    assert template_names() == [
        "people.csv", "policies.csv", "practices.csv", "tool-use.csv", "tools.csv", "units.csv"
    ]  # fmt: skip
    for name in template_names():
        header = next(csv.reader(io.StringIO((TEMPLATES / name).read_text())))
        stem = name.removesuffix(".csv")
        mapping = parse_mapping((TEMPLATES / f"{stem}.rml.ttl").read_bytes(), name, BASE + stem)
        assert mapping.files == {name}
        assert set().union(*(m.columns for m in mapping.maps)) == set(header), name


def test_a_register_meets_the_mail_on_the_same_person() -> None:
    register = prepare("csv", [Source("people.csv", PEOPLE)], options={})
    mail = prepare("mbox", [Source("mail.mbox", MAIL)], options={})
    store = ox.Store()
    for body in (register.body, mail.body):
        store.load(body, format=ox.RdfFormat.N_TRIPLES)
    found = store.query(
        "PREFIX org: <http://www.w3.org/ns/org#> PREFIX sb: <https://w3id.org/social-business#>"
        " SELECT ?unit WHERE { ?p sb:usesTool ?mail ; org:memberOf ?unit }"
    )
    assert isinstance(found, ox.QuerySolutions)
    assert {s["unit"].value for s in found} == {
        "urn:triskel:organisation:unit:sales",
        "urn:triskel:organisation:domain:example.org",
    }


@pytest.mark.parametrize(
    ("sources", "words"),
    [
        ((("people.csv", b"id,name,mail,unit\nE1,Ann,a@b.org,x\n"),), "no column 'email'"),
        ((("people.csv", b"\xff\xfe,,\n"),), "not UTF-8"),
        ((("people.csv", b""),), "no header line"),
        ((("people.csv", b'id,name\n"E1,Ann\n'),), "people.csv:2: not CSV"),
        ((("staff.csv", PEOPLE),), "staff.csv is no register with a shipped mapping"),
    ],
)
def test_a_file_not_of_the_kind_is_refused(sources: tuple[tuple[str, bytes]], words: str) -> None:
    assert words in refusal(*sources)


def test_a_mapping_must_be_rml_and_name_its_sources() -> None:
    assert "not an RML mapping" in refusal(("staff.csv", PEOPLE), mapping=b"<a:b> <c:d> <e:f> .")
    mapping = (TEMPLATES / "people.rml.ttl").read_bytes()
    both = refusal(("staff.csv", PEOPLE), ("units.csv", b"id,name,parent\n"), mapping=mapping)
    assert "staff.csv is read by no triples map of the mapping (it reads people.csv)" in both


def test_pseudonymise_and_since_do_not_apply() -> None:
    assert "--pseudonymise does not apply" in refusal(("people.csv", PEOPLE), pseudonymise=True)
    with pytest.raises(InputError, match="--since does not apply"):
        prepare(
            "csv",
            [Source("people.csv", PEOPLE)],
            options={},
            since=datetime(2024, 1, 1, tzinfo=UTC),
        )


def test_an_engine_that_cannot_start_is_the_machines_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the system's ODBC library the engine's `pyodbc` fails on import: that is an
    installation to fix (a server-side error naming the library), not a bad register."""
    (tmp_path / "pyodbc.py").write_text(
        'raise ImportError("libodbc.so.2: cannot open shared object file")\n', encoding="utf-8"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(EngineUnavailableError, match=r"cannot start here \(libodbc\.so\.2"):
        prepare("csv", [Source("people.csv", PEOPLE)], options={})


def test_a_private_use_carrier_in_a_register_is_skipped_and_named() -> None:
    """U+E000 to U+E002 carry quotes and backslashes past the engine, so a row already
    holding one could not be given back as written: it is skipped, the others imported."""
    people = "id,name,email,unit\nE1,Ann\ue001,ann@example.org,\nE2,Bob,bob@example.org,\n"
    made = prepare("csv", [Source("people.csv", people.encode())], options={})
    assert made.summary.people == 1
    assert [(s.where, s.why) for s in made.summary.skipped] == [
        ("people.csv:2", "a private-use character U+E000 to U+E002 in column 'name'")
    ]
