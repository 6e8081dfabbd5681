"""README.md starts with the two commands and documents every configuration variable."""

from __future__ import annotations

import re
from pathlib import Path

from settings_catalog import settings_env_names

README = Path(__file__).resolve().parents[2] / "README.md"
_ROW = re.compile(r"^\|\s*`(?P<name>[A-Z][A-Z0-9_]*)`\s*\|(?P<default>[^|]*)\|")


def _section(title: str) -> str:
    """The text under `## title`, up to the next second-level heading."""
    text = README.read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def _configuration_rows() -> dict[str, str]:
    """{variable: default cell} of the Configuration tables."""
    rows = {}
    for line in _section("Configuration").splitlines():
        match = _ROW.match(line)
        if match:
            rows[match.group("name")] = match.group("default").strip()
    return rows


def test_readme_starts_with_make_demo_and_make_test() -> None:
    lines = [line for line in README.read_text().splitlines() if line.strip()]
    opening = [line for line in lines[:4] if not line.startswith("```")]
    assert opening[0].startswith("make demo")
    assert opening[1].startswith("make test")


def test_every_setting_is_documented() -> None:
    rows = _configuration_rows()
    missing = sorted(set(settings_env_names()) - set(rows))
    assert missing == [], f"README Configuration lacks {missing}"


def test_documented_defaults_match_the_settings() -> None:
    rows = _configuration_rows()
    for name, default in settings_env_names().items():
        expected = f"`{default}`" if default else "unset"
        assert rows.get(name) == expected, name


def test_no_documented_variable_is_stale() -> None:
    stale = sorted(set(_configuration_rows()) - set(settings_env_names()))
    assert stale == [], f"README documents variables no settings class reads: {stale}"
