"""How a Glue table's objects are laid out under its LOCATION: storage format and partitions.

Athena finds a partitioned table's objects either in Hive-style folders (`year=2026/month=11/`)
or, with partition projection, where the `storage.location.template` table property says
(`s3://cadabra/orders/${year}/${month}/${day}/${hour}/`, the layout Firehose's default
`YYYY/MM/dd/HH/` prefix produces). This module derives, from a table's DDL, its format
("parquet", "orc", "csv" for delimited text, "json"), its layout ("none", "hive", "template"), the
glob of its objects and the regular expression that takes partition values from an object's URI.
Athena's checks on projection are reproduced: every partition column needs a
`projection.<column>.type` and a `${column}` in the template.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = [
    "PROJECTION_ENABLED",
    "TEMPLATE",
    "object_glob",
    "storage_format",
    "table_layout",
    "template_regex",
]

PROJECTION_ENABLED = "projection.enabled"
TEMPLATE = "storage.location.template"
_STORED_AS = {"PARQUET": "parquet", "ORC": "orc", "JSONFILE": "json", "TEXTFILE": "text"}
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def storage_format(stored_as: str | None, input_format: str | None, serde: str | None) -> str:
    """ "parquet", "orc", "json" or "csv" (delimited text), from STORED AS, INPUTFORMAT or SerDe."""
    kind = None
    if stored_as is not None:
        if stored_as not in _STORED_AS:
            raise ValueError(f"STORED AS {stored_as} is not supported ({', '.join(_STORED_AS)})")
        kind = _STORED_AS[stored_as]
    elif input_format is not None:
        lowered = input_format.lower()
        kind = "parquet" if "parquet" in lowered else "orc" if "orc" in lowered else "text"
    elif serde is not None and ("parquet" in serde.lower() or "orc" in serde.lower()):
        kind = "parquet" if "parquet" in serde.lower() else "orc"
    if kind in (None, "text"):
        return "json" if serde is not None and "json" in serde.lower() else "csv"
    return kind


def table_layout(properties: Mapping[str, str], partitions: Sequence[str]) -> str:
    """ "none", "hive" or "template"; a ValueError says which projection property is wrong."""
    projected = properties.get(PROJECTION_ENABLED, "false").strip().lower() == "true"
    template = properties.get(TEMPLATE)
    if template is not None and not projected:
        raise ValueError(f"'{TEMPLATE}' is only used with '{PROJECTION_ENABLED}'='true'")
    if not partitions:
        return "none"
    if projected:
        missing = [name for name in partitions if f"projection.{name}.type" not in properties]
        if missing:
            raise ValueError(
                "the table is configured for partition projection, but the following partition "
                f"columns are missing projection configuration: {', '.join(missing)}"
            )
    if template is None:
        return "hive"
    if not template.startswith("s3://"):
        raise ValueError(f"'{TEMPLATE}' must be an s3:// URI, got {template!r}")
    if sorted(_VARIABLE.findall(template)) != sorted(partitions):
        raise ValueError(
            f"the '{TEMPLATE}' table property must contain templates for all partition columns"
            f" ({', '.join('${' + name + '}' for name in partitions)}) and no others"
        )
    return "template"


def _segments(name: str, properties: Mapping[str, str]) -> int:
    """Folders a projected value spans: a date formatted `yyyy/MM/dd/HH` spans four."""
    if properties.get(f"projection.{name}.type", "").strip().lower() != "date":
        return 1
    return properties.get(f"projection.{name}.format", "").count("/") + 1


def _folder(uri: str) -> str:
    return uri if uri.endswith("/") else uri + "/"


def object_glob(
    location: str, layout: str, partitions: Sequence[str], properties: Mapping[str, str]
) -> str:
    """The glob of the table's objects: every object of a partition folder, or of LOCATION."""
    if layout == "none":
        return _folder(location) + "**"
    if layout == "hive":
        return _folder(location) + "".join(f"{name}=*/" for name in partitions) + "*"
    template = _folder(properties[TEMPLATE])
    return (
        _VARIABLE.sub(
            lambda match: "/".join(["*"] * _segments(match.group(1), properties)), template
        )
        + "*"
    )


def template_regex(properties: Mapping[str, str]) -> tuple[str, list[str]]:
    """(a regex over an object's URI with one group per `${column}`, the columns in order)."""
    template = _folder(properties[TEMPLATE])
    pattern, names, position = "^", list[str](), 0
    for match in _VARIABLE.finditer(template):
        name = match.group(1)
        segment = "/".join(["[^/]+"] * _segments(name, properties))
        pattern += re.escape(template[position : match.start()]) + f"({segment})"
        names.append(name)
        position = match.end()
    return pattern + re.escape(template[position:]) + "[^/]*$", names
