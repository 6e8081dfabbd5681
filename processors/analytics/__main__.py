"""`python -m processors.analytics analytics run ...`: the command without the root CLI."""

from __future__ import annotations

import logging

import typer

from processors.analytics.cli import register

__all__ = ["main"]


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("processors.analytics").setLevel(logging.INFO)
    root = typer.Typer(no_args_is_help=True)
    register(root)
    root()


if __name__ == "__main__":
    main()
