"""`triskel serve` refuses unsafe settings before it binds anything (one line, exit 2)."""

from __future__ import annotations

import pytest

from service.cli import main


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["serve", "--host", "0.0.0.0"], {}),
        (["serve", "--host", "192.0.2.1", "--open"], {"TRISKEL_TOKENS": "write:w"}),
        (["serve", "--host", "192.0.2.1"], {"TRISKEL_OPEN": "1", "TRISKEL_TOKENS": "write:w"}),
    ],
)
def test_serve_refuses_a_public_host_without_tokens_or_in_open_mode(
    argv: list[str],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("triskel: error: refusing to serve on")
    assert len(err.strip().splitlines()) == 1
