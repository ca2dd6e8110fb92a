"""Every setting is documented: each `TRISKEL_*` variable of `service.settings.Settings` is
named in the README's settings table, so a new setting cannot ship undocumented."""

from __future__ import annotations

from service.resources import ROOT
from service.settings import Settings


def test_every_setting_is_named_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    variables = [f"TRISKEL_{name.upper()}" for name in Settings.model_fields]
    assert variables, "Settings has fields"
    assert [v for v in variables if f"`{v}`" not in readme] == []
