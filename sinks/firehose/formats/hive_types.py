"""Hive/Glue column type strings (the `Type` of a Glue Data Catalog column) as Arrow types.

Firehose reads the schema of its conversion from a Glue table, whose column types are Hive type
strings: `string`, `char(n)`, `varchar(n)`, `tinyint`, `smallint`, `int`/`integer`, `bigint`,
`float`, `double`, `decimal`/`decimal(p,s)`, `boolean`, `timestamp`, `date`, and the nested
`array<T>`, `map<K,V>` (K primitive) and `struct<name:T,...>`. Spelling is case-insensitive and
blanks around punctuation are ignored. `binary`, `uniontype` and anything else are refused with
a `FormatConversionError` naming the column and the type.

Arrow mapping: Hive `timestamp` (no time zone) is `timestamp[us]` without zone, `decimal` without
width is `decimal(10,0)` (Hive's default), `char`/`varchar` are strings cut to their length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa  # type: ignore[import-untyped]

from sinks.firehose.formats.errors import FormatConversionError

__all__ = ["HiveType", "arrow_schema", "parse_hive_type"]

_INTEGRAL = {"tinyint": pa.int8(), "smallint": pa.int16(), "int": pa.int32(), "bigint": pa.int64()}
_SCALAR = {
    **_INTEGRAL,
    "float": pa.float32(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "string": pa.string(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
}
_ALIASES = {"integer": "int", "double precision": "double", "real": "float"}
_TOKEN = re.compile(
    r"\s*(`(?:[^`]|``)*`|[A-Za-z_][A-Za-z0-9_ ]*?(?=\s*[<>(),:]|\s*$)|[<>(),:]|\d+)"
)
MAX_DECIMAL_PRECISION = 38


@dataclass(frozen=True)
class HiveType:
    """One node of a column type: `kind` is the Hive name (`int`, `varchar`, `array`, ...)."""

    kind: str
    arrow: pa.DataType
    length: int | None = None  # char/varchar length
    children: tuple[HiveType, ...] = ()  # array element; map key, value; struct members
    names: tuple[str, ...] = ()  # struct member names, as declared

    @property
    def integral(self) -> bool:
        return self.kind in _INTEGRAL

    @property
    def nested(self) -> bool:
        return self.kind in ("array", "map", "struct")

    @property
    def text(self) -> bool:
        return self.kind in ("string", "char", "varchar")


class _Parser:
    def __init__(self, column: str, text: str) -> None:
        self.column, self.text = column, text
        self.tokens = self._tokenize(text)
        self.pos = 0

    def _tokenize(self, text: str) -> list[str]:
        tokens, pos = [], 0
        while pos < len(text.rstrip()):
            match = _TOKEN.match(text, pos)
            if match is None:
                raise self.error()
            tokens.append(match.group(1).strip())
            pos = match.end()
        return tokens

    def error(self, why: str = "") -> FormatConversionError:
        detail = f": {why}" if why else ""
        return FormatConversionError(
            f"The type '{self.text}' of column '{self.column}' is not supported for "
            f"format conversion{detail}."
        )

    def take(self, expected: str | None = None) -> str:
        if self.pos >= len(self.tokens):
            raise self.error("the type ends early")
        token = self.tokens[self.pos]
        if expected is not None and token != expected:
            raise self.error(f"expected '{expected}' but found '{token}'")
        self.pos += 1
        return token

    def peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def parse(self) -> HiveType:
        parsed = self.type()
        if self.pos != len(self.tokens):
            raise self.error(f"unexpected '{self.peek()}'")
        return parsed

    def type(self) -> HiveType:
        word = " ".join(self.take().lower().split())
        word = _ALIASES.get(word, word)
        if word == "array":
            return self.array()
        if word == "map":
            return self.map()
        if word == "struct":
            return self.struct()
        if word in ("decimal", "char", "varchar"):
            return self.sized(word)
        if word in _SCALAR:
            return HiveType(word, _SCALAR[word])
        raise self.error()

    def numbers(self) -> list[int]:
        self.take("(")
        values = [self.number()]
        while self.peek() == ",":
            self.take(",")
            values.append(self.number())
        self.take(")")
        return values

    def number(self) -> int:
        token = self.take()
        if not token.isdigit():
            raise self.error(f"'{token}' is not a number")
        return int(token)

    def sized(self, word: str) -> HiveType:
        values = self.numbers() if self.peek() == "(" else []
        if word == "decimal":
            precision, scale = (values + [10, 0][len(values) :])[:2] if values else (10, 0)
            if len(values) > 2 or not 1 <= precision <= MAX_DECIMAL_PRECISION or scale > precision:
                raise self.error("decimal precision must be 1-38 and scale at most the precision")
            return HiveType("decimal", pa.decimal128(precision, scale))
        if len(values) != 1 or values[0] < 1:
            raise self.error(f"{word} needs one length of at least 1")
        return HiveType(word, pa.string(), length=values[0])

    def array(self) -> HiveType:
        self.take("<")
        element = self.type()
        self.take(">")
        return HiveType("array", pa.list_(element.arrow), children=(element,))

    def map(self) -> HiveType:
        self.take("<")
        key = self.type()
        if key.nested:
            raise self.error("a map key must be a primitive type")
        self.take(",")
        value = self.type()
        self.take(">")
        return HiveType("map", pa.map_(key.arrow, value.arrow), children=(key, value))

    def struct(self) -> HiveType:
        self.take("<")
        names: list[str] = []
        members: list[HiveType] = []
        while True:
            name = self.take()
            if name.startswith("`"):
                name = name[1:-1].replace("``", "`")
            if name.lower() in (n.lower() for n in names):
                raise self.error(f"struct member '{name}' is declared twice")
            self.take(":")
            names.append(name)
            members.append(self.type())
            if self.take() == ">":
                break
            self.pos -= 1
            self.take(",")
        fields = [pa.field(n, m.arrow) for n, m in zip(names, members, strict=True)]
        return HiveType("struct", pa.struct(fields), children=tuple(members), names=tuple(names))


def parse_hive_type(column: str, text: str) -> HiveType:
    """The type of `column` from its Glue type string; `FormatConversionError` if unsupported."""
    if not text or not text.strip():
        raise FormatConversionError(f"Column '{column}' has no type.")
    return _Parser(column, text).parse()


def arrow_schema(columns: list[tuple[str, HiveType]]) -> pa.Schema:
    """The Arrow schema of the written file: the table's columns, in order."""
    return pa.schema([pa.field(name, hive.arrow) for name, hive in columns])
