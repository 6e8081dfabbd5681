"""`python -m cadabra ...`: the `cadabra` command, for processes started by path-less launchers."""

from __future__ import annotations

from cadabra.cli import app

app()
