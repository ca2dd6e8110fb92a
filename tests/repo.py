"""The repository's own files, for tests that check every file of a kind wherever it lives."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from service.resources import ROOT

SKIPPED_DIRS = {".git", ".venv", "var", "node_modules", ".pytest_cache", "build", "dist"}


def repo_files(suffix: str) -> list[Path]:
    """Every file of the repository with this suffix, wherever another part of it lives:
    tracked or new, but not git-ignored (generated benchmark data, built docs)."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", f"*{suffix}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        return sorted({ROOT / name for name in listed if (ROOT / name).is_file()})
    return sorted(
        path
        for path in ROOT.rglob(f"*{suffix}")
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
    )


def readme_sh_block(heading: str) -> str:
    """The first ```sh block of the README's section under `heading` (its whole line, as
    "## A five-minute tour"): the tours tests run as printed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    level = heading.split(" ", 1)[0]
    section = text.split(heading, 1)[1].split(f"\n{level} ", 1)[0]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found, f"README.md: {heading!r} has no ```sh block"
    return found.group(1)
