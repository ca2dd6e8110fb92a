"""The product's data files are found from a checkout and from an installed wheel."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tomllib
from pathlib import Path

from service import resources
from service.resources import ROOT


def test_a_checkout_finds_its_own_folders() -> None:
    assert Path(resources.__file__).resolve().parent.parent == ROOT
    assert all(path.is_file() for path in resources.ONTOLOGY_FILES)


def test_outside_a_checkout_the_wheel_share_folder_is_used(tmp_path: Path) -> None:
    """A copy of the module with no ontology/ beside its package looks in the wheel's place."""
    copy = tmp_path / "service" / "resources.py"
    copy.parent.mkdir()
    shutil.copy(resources.__file__, copy)
    spec = importlib.util.spec_from_file_location("wheel_resources", copy)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert Path(sys.prefix) / "share" / "triskel" == module.ROOT


def test_the_wheel_carries_every_data_folder_the_service_reads() -> None:
    """pyproject's data-files install, under share/triskel, every file the code finds here."""
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "data-files"
    ]
    shipped = {
        Path(target).relative_to("share/triskel") / match.name
        for target, patterns in data_files.items()
        for pattern in patterns
        for match in ROOT.glob(pattern)
    }
    needed = [
        *resources.ONTOLOGY_FILES,
        resources.REPORT_VOCABULARY_FILE,
        *resources.SHAPES_DIR.glob("*.ttl"),
        *resources.QUERIES_DIR.glob("*.rq"),
        *(resources.ONTOLOGY_DIR / "pitfalls").glob("*.rq"),
        *(resources.ONTOLOGY_DIR / "diagnostics").glob("*.rq"),
        *(resources.DATA_DIR / "example").glob("*.ttl"),
    ]
    assert needed
    assert {path.relative_to(ROOT) for path in needed} <= shipped
