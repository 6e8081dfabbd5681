"""Athena's named queries (CreateNamedQuery: a name, a description, the SQL) as `.sql` files.

`sql/queries/NAME.sql` is the named query NAME. Its leading comment block is its header: the
first line is the description (`cadabra query --list` shows it), later lines may declare
parameters, which the SQL uses as DuckDB named parameters (`$month`):

    -- param month          a required parameter
    -- param month = 02     a default (text; `NULL` gives SQL NULL)

Values come from `--param month=02` and reach DuckDB as text (`CAST($month AS INTEGER)` where a
number is meant). Athena's own parameterised queries use `?`; named ones read better in files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cadabra.athena.catalog_errors import NamedQueryError

__all__ = ["NamedQuery", "load_named_queries", "looks_like_name", "named_query", "parse_params"]

_PARAM = re.compile(r"param\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*(?P<default>.*?))?\s*")
_QUERY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    sql: str
    # Declared parameters: name -> default (None = NULL); `required` ones have no default.
    defaults: dict[str, str | None] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def parameters(self) -> list[str]:
        return [*self.required, *self.defaults]

    def bind(self, given: Mapping[str, str]) -> dict[str, str | None]:
        """The values of every declared parameter: given ones, then defaults."""
        unknown = sorted(set(given) - set(self.parameters))
        if unknown:
            declared = ", ".join(self.parameters) or "none"
            raise NamedQueryError(
                f"query {self.name} has no parameter {', '.join(unknown)} (declared: {declared})"
            )
        missing = [name for name in self.required if name not in given]
        if missing:
            raise NamedQueryError(
                f"query {self.name} needs --param {missing[0]}=... (required: "
                f"{', '.join(self.required)})"
            )
        return {**self.defaults, **{name: given[name] for name in self.parameters if name in given}}

    @classmethod
    def parse(cls, name: str, text: str, path: Path | None = None) -> NamedQuery:
        header = _header(text)
        description = header[0] if header else ""
        defaults: dict[str, str | None] = {}
        required: list[str] = []
        for line in header[1:]:
            match = _PARAM.fullmatch(line)
            if match is None:
                continue
            default = match.group("default")
            if default is None:
                required.append(match.group("name"))
            else:
                defaults[match.group("name")] = None if default.upper() == "NULL" else default
        if not text.strip() or not _body(text).strip():
            raise NamedQueryError(f"named query {name} ({path}) holds no SQL")
        return cls(name, description, text.strip(), defaults, tuple(required), path)


def _header(text: str) -> list[str]:
    """The leading `--` comment lines, without their `--`."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            if stripped:
                break
            continue
        lines.append(stripped[2:].strip())
    return lines


def _body(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))


def load_named_queries(directory: Path) -> dict[str, NamedQuery]:
    """Every `NAME.sql` of `directory`, by name (an absent folder holds none)."""
    if not directory.is_dir():
        return {}
    return {
        path.stem: NamedQuery.parse(path.stem, path.read_text(encoding="utf-8"), path)
        for path in sorted(directory.glob("*.sql"))
    }


def looks_like_name(text: str) -> bool:
    """Whether `text` is a query name rather than SQL (one word, no spaces)."""
    return _QUERY_NAME.fullmatch(text) is not None


def named_query(directory: Path, name: str) -> NamedQuery:
    """The named query `name` of `directory`; a NamedQueryError lists the ones there are."""
    path = directory / f"{name}.sql"
    if not path.is_file():
        known = ", ".join(load_named_queries(directory)) or "none"
        raise NamedQueryError(f"named query {name} not found in {directory} (known: {known})")
    return NamedQuery.parse(name, path.read_text(encoding="utf-8"), path)


def parse_params(items: Iterable[str]) -> dict[str, str]:
    """`["year=2011", "month=02"]` -> {"year": "2011", "month": "02"}."""
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise NamedQueryError(f"--param {item!r}: expected NAME=VALUE")
        params[key.strip()] = value
    return params
