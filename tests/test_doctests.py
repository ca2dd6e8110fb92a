"""Every module's docstring examples run: an example is documentation only while it is true.

Modules are found by walking the `service` package, so a new module's examples run without
anyone listing it here."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import service

MODULES = sorted(info.name for info in pkgutil.walk_packages(service.__path__, prefix="service."))


def test_the_walk_finds_the_packages_modules() -> None:
    assert {"service.heap", "service.reports.canonical", "service.findings.state"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
