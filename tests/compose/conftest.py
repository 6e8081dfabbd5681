"""The compose project fixture: one throwaway project per test, removed even when the test fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from compose_project import ComposeProject, engine_problem


@pytest.fixture
def compose() -> Iterator[ComposeProject]:
    project = ComposeProject()
    problem = engine_problem(project.env)
    if problem:
        # Not a skip: `make containers` gives every CI machine an engine (see the README).
        pytest.fail(f"cannot run docker-compose.yml: {problem}", pytrace=False)
    try:
        yield project
    finally:
        # The test tears down itself to check nothing is left; this also runs when it failed.
        if project.leftovers():
            project.down()
