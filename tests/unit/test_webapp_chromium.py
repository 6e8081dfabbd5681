"""`ensure_chromium()`: found on PATH, installed with apt-get as root, else a clear error."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from processors.webapp import testing
from processors.webapp.errors import BrowserUnavailableError


@pytest.fixture
def path(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The programs `shutil.which` finds (none at first), as /usr/bin/<name>."""
    found: set[str] = {"apt-get"}
    monkeypatch.setattr(testing.shutil, "which", lambda n: f"/usr/bin/{n}" if n in found else None)
    return found


def test_installed_browsers_are_used_as_they_are(path: set[str]) -> None:
    path.update({"chromium", "chromedriver"})
    assert testing.ensure_chromium() == testing.ChromiumPaths(
        "/usr/bin/chromium", "/usr/bin/chromedriver"
    )


def test_root_installs_debian_packages_non_interactively(
    path: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[tuple[list[str], dict[str, str]]] = []

    def run(command: list[str], env: dict[str, str], **kwargs: Any) -> Any:
        commands.append((command, env))
        if "install" in command:
            path.update({"chromium", "chromedriver"})
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(testing.os, "geteuid", lambda: 0)
    monkeypatch.setattr(testing.subprocess, "run", run)
    assert testing.ensure_chromium().driver == "/usr/bin/chromedriver"
    assert [command for command, _ in commands] == [
        ["apt-get", "-y", "-q", "update"],
        ["apt-get", "-y", "-q", "install", "--no-install-recommends", *testing.APT_PACKAGES],
    ]
    assert all(env["DEBIAN_FRONTEND"] == "noninteractive" for _, env in commands)


def test_a_failed_install_says_what_apt_get_said(
    path: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(command: list[str], **kwargs: Any) -> Any:
        return subprocess.CompletedProcess(command, 100, "", "E: Unable to locate package")

    monkeypatch.setattr(testing.os, "geteuid", lambda: 0)
    monkeypatch.setattr(testing.subprocess, "run", run)
    with pytest.raises(BrowserUnavailableError, match="Unable to locate package"):
        testing.ensure_chromium()


def test_without_root_the_error_names_the_packages(
    path: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(testing.os, "geteuid", lambda: 1000)
    with pytest.raises(BrowserUnavailableError) as caught:
        testing.ensure_chromium()
    assert "apt-get install chromium chromium-driver fonts-liberation" in str(caught.value)
