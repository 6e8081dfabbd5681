"""Hive column types as Glue stores them (`decimal(10,2)`, `array<string>`) → DuckDB types.

Athena reads a table's columns with the Hive types of its Glue definition; DuckDB reads them with
the matching type: string/varchar/char → VARCHAR, int → INTEGER, decimal without precision →
DECIMAL(10,0) (Hive's default), array<T> → T[], map<K,V> → MAP(K, V), struct<a:T> →
STRUCT("a" T). The input is the normalised text `cadabra.athena.ddl` produces.
"""

from __future__ import annotations

__all__ = ["duckdb_type", "is_string_type"]

_PRIMITIVES = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
}


def is_string_type(hive_type: str) -> bool:
    """Whether values of `hive_type` are text (an empty CSV field stays '' rather than NULL)."""
    return hive_type.split("(")[0] in ("string", "varchar", "char")


def duckdb_type(hive_type: str) -> str:
    """The DuckDB type for the Hive type string `hive_type`."""
    text, rest = _convert(hive_type.replace(" ", "").lower())
    if rest:
        raise ValueError(f"unexpected {rest!r} after the type {hive_type!r}")
    return text


def _split_top(inner: str) -> list[str]:
    """`inner` split at the commas that are not inside <...> or (...)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(inner):
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(inner[start:index])
            start = index + 1
    parts.append(inner[start:])
    return parts


def _convert(text: str) -> tuple[str, str]:
    """(DuckDB type of the type at the start of `text`, what follows it)."""
    for base in ("array", "map", "struct"):
        if text.startswith(base + "<"):
            inner, rest = _bracketed(text[len(base) :], "<", ">")
            return _composite(base, inner), rest
    name = text
    for stop in "(,>":
        name = name.split(stop)[0]
    rest = text[len(name) :]
    if name == "decimal":
        if rest.startswith("("):
            sizes, rest = _bracketed(rest, "(", ")")
            return f"DECIMAL({sizes})", rest
        return "DECIMAL(10,0)", rest
    if name in ("varchar", "char") and rest.startswith("("):
        _, rest = _bracketed(rest, "(", ")")
    if name not in _PRIMITIVES:
        raise ValueError(f"unknown Hive type {name!r}")
    return _PRIMITIVES[name], rest


def _bracketed(text: str, opening: str, closing: str) -> tuple[str, str]:
    """(the content of the bracket pair opening `text`, what follows it)."""
    depth = 0
    for index, char in enumerate(text):
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return text[1:index], text[index + 1 :]
    raise ValueError(f"unbalanced {opening}{closing} in {text!r}")


def _composite(base: str, inner: str) -> str:
    if base == "array":
        return duckdb_type(inner) + "[]"
    parts = _split_top(inner)
    if base == "map":
        key, value = parts
        return f"MAP({duckdb_type(key)}, {duckdb_type(value)})"
    fields = []
    for part in parts:
        name, _, field_type = part.partition(":")
        fields.append(f'"{name}" {duckdb_type(field_type)}')
    return f"STRUCT({', '.join(fields)})"
