"""Java programs compiled at test time against Debian's jars in /usr/share/java.

The OWL API checker (`tests/owlapi/`) and the Jena client (`tests/java/JenaClient.java`) run
on the same class path: every unversioned jar there, with slf4j-simple as the only logging
binding. A JDK and the jars are part of the test environment (`.ci/run` installs them): a
missing one fails the test with what to install, never skips it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

JAR_DIR = Path("/usr/share/java")
OTHER_SLF4J_BINDINGS = re.compile(
    r"slf4j-(jdk14|log4j12|nop|jcl|migrator)|maven3-slf4j-provider|log4j-over-slf4j|"
    r"jul-to-slf4j|jcl-over-slf4j"
)


def classpath() -> str:
    """Every unversioned jar of /usr/share/java, with slf4j-simple as the only binding."""
    jars = [
        jar
        for jar in sorted(JAR_DIR.glob("*.jar"))
        if not re.search(r"-\d[\d.]*(-[a-z]+)?\.jar$", jar.name)
        and not OTHER_SLF4J_BINDINGS.search(jar.name)
    ]
    return ":".join(str(jar) for jar in jars)


def require(jar: str, package: str) -> None:
    """Fail (not skip) when `java`, `javac` or /usr/share/java/`jar` is missing."""
    missing = [tool for tool in ("java", "javac") if shutil.which(tool) is None]
    if not (JAR_DIR / jar).exists():
        missing.append(f"Debian's {package} ({JAR_DIR / jar})")
    if missing:
        pytest.fail(
            f"this test needs {', '.join(missing)}: install a JDK and {package} (.ci/run does)",
            pytrace=False,
        )


def compile_main(source: Path, classes: Path, *, prefix: str = "") -> list[str]:
    """Compile `source` into `classes`; the `java` command that runs it, minus its arguments.

    `prefix` is put first on the class path (resources that must win over the jars').
    """
    path = f"{prefix}:{classpath()}" if prefix else classpath()
    subprocess.run(
        ["javac", "-d", str(classes), "-cp", path, str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return ["java", "-cp", f"{path}:{classes}", source.stem]
