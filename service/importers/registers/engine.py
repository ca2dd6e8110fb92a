"""The RML engine: SDM-RDFizer (PyPI `rdfizer`), run in a child process on one rewritten
mapping whose logical sources are files in a private temporary folder.

A child process because the engine keeps its state in module globals and writes a log file
into its working folder: each import gets a fresh interpreter and a folder of its own, so
imports never see each other's state, and a stuck engine is stopped by a timeout.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from service.errors import EngineUnavailableError, InputError

ENGINE_TIMEOUT_S = 600
"""How long one run of the engine may take before it is stopped (and the import refused)."""

UNAVAILABLE = 69
"""The child's exit status when the engine cannot be imported (sysexits' EX_UNAVAILABLE)."""

_LAUNCH = f"""import sys
try:
    from rdfizer import semantify
except (ImportError, OSError) as exc:
    sys.stderr.write(str(exc))
    sys.exit({UNAVAILABLE})
semantify(sys.argv[1])
"""
"""The child's program. The engine imports `pyodbc`, which needs the system's ODBC library
(Debian `libodbc2`): a machine without it fails on import, which is the installation's fault
and not the mapping's, so it leaves with its own status instead of a traceback."""

_CONFIG = """[default]
main_directory: {folder}
[datasets]
number_of_datasets: 1
output_folder: {folder}/out
all_in_one_file: no
remove_duplicate: yes
enrichment: yes
name: import
ordered: no
[dataset1]
name: import
mapping: {folder}/mapping.nt
"""


def run_engine(folder: Path, mapping: bytes) -> bytes:
    """The N-Triples the engine makes from `mapping` (whose sources lie in `folder`);
    `InputError` with the engine's last words when it fails or makes nothing;
    `EngineUnavailableError` when it cannot be imported on this machine."""
    (folder / "mapping.nt").write_bytes(mapping)
    config = folder / "config.ini"
    config.write_text(_CONFIG.format(folder=folder), encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCH, str(config)],
            cwd=folder,
            capture_output=True,
            timeout=ENGINE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"csv: the RML engine did not finish in {ENGINE_TIMEOUT_S} s") from None
    if done.returncode == UNAVAILABLE:
        missing = done.stderr.decode("utf-8", "replace").strip()
        raise EngineUnavailableError(f"csv: the RML engine cannot start here ({missing})")
    output = folder / "out" / "import.nt"
    if done.returncode != 0 or not output.exists():
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        last = said[-1] if said else f"exit status {done.returncode}"
        raise InputError(f"csv: the RML engine failed on the mapping ({last})")
    return output.read_bytes()
