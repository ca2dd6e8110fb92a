"""The RDF floor's own examples: the formats table, the guarded reader and its scans."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from service.api.routers import queries
from service.rdf import closure, formats, reader, textguard, xmlguard


@pytest.mark.parametrize(
    "module", [closure, formats, reader, textguard, xmlguard, queries], ids=lambda m: m.__name__
)
def test_docstring_examples(module: ModuleType) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
