"""`cadabra overload` against the session's stack: the shard takes its limit, nothing is lost."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cadabra.cli import app
from cadabra.stack.testing import StackEndpoints


def test_overload_demo_throttles_one_shard_and_loses_nothing(
    stack: StackEndpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in stack.env().items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["overload", "--seconds", "2", "--factor", "3"])
    assert result.exit_code == 0, result.output
    assert "6,000 orders offered at 3x" in result.output
    assert "read back 6,000: 0 lost, 0 duplicated" in result.output
