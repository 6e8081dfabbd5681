"""`python -m producers.agent --config agent.json`: the agent without the `cadabra` command."""

from __future__ import annotations

import typer

from producers.agent.cli import register

app = typer.Typer(add_completion=False)
register(app)

if __name__ == "__main__":
    app()
