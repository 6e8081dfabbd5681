"""Athena DDL, the subset a Glue catalog needs: CREATE DATABASE and CREATE EXTERNAL TABLE.

Reproduces the statements Athena accepts for the Glue Data Catalog (Hive DDL):

    CREATE DATABASE [IF NOT EXISTS] name [COMMENT '...'] [LOCATION '...']
        [WITH DBPROPERTIES ('k'='v', ...)];
    CREATE EXTERNAL TABLE [IF NOT EXISTS] [db.]name (col type [COMMENT '...'], ...)
        [COMMENT '...'] [PARTITIONED BY (col type, ...)]
        [ROW FORMAT SERDE 'class' [WITH SERDEPROPERTIES (...)]
         | ROW FORMAT DELIMITED [FIELDS TERMINATED BY 'c' [ESCAPED BY 'c']]
              [COLLECTION ITEMS TERMINATED BY 'c'] [MAP KEYS TERMINATED BY 'c']
              [LINES TERMINATED BY 'c'] [NULL DEFINED AS 'c']]
        [STORED AS PARQUET|ORC|TEXTFILE|JSONFILE | STORED AS INPUTFORMAT '...' OUTPUTFORMAT '...']
        LOCATION 's3://bucket/prefix/' [TBLPROPERTIES ('k'='v', ...)];

Names are lower-cased as Glue stores them; types are kept as Hive type strings, normalised the
way Glue shows them (`decimal(10,2)`, `array<string>`, `struct<a:int,b:string>`). ROW FORMAT
DELIMITED becomes LazySimpleSerDe with its properties (`field.delim`, ...), as Glue records it.
Not reproduced: CTAS, views, CLUSTERED BY, SKEWED BY, ALTER TABLE. A statement that does not parse
raises `DdlError` naming the file, the line and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cadabra.athena.catalog_errors import DdlError
from cadabra.athena.ddl_tokens import Token, tokenize

__all__ = [
    "LAZY_SIMPLE_SERDE",
    "ColumnDef",
    "CreateDatabase",
    "CreateTable",
    "Statement",
    "parse_ddl",
    "parse_file",
]

LAZY_SIMPLE_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
_PRIMITIVES = {
    "string",
    "varchar",
    "char",
    "tinyint",
    "smallint",
    "int",
    "integer",
    "bigint",
    "float",
    "double",
    "decimal",
    "boolean",
    "date",
    "timestamp",
    "binary",
}
_DELIMITED = {
    ("FIELDS", "TERMINATED"): "field.delim",
    ("COLLECTION", "ITEMS"): "collection.delim",
    ("MAP", "KEYS"): "mapkey.delim",
    ("LINES", "TERMINATED"): "line.delim",
}
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: str
    comment: str | None = None


@dataclass(frozen=True)
class CreateDatabase:
    name: str
    line: int
    comment: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CreateTable:
    database: str | None
    name: str
    line: int
    columns: tuple[ColumnDef, ...]
    partition_columns: tuple[ColumnDef, ...] = ()
    location: str = ""
    stored_as: str | None = None
    input_format: str | None = None
    output_format: str | None = None
    serde: str | None = None
    serde_properties: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    comment: str | None = None


Statement = CreateDatabase | CreateTable


def parse_file(path: Path) -> list[Statement]:
    """Every statement of a catalog file; a DdlError names `path` and the line."""
    return parse_ddl(path.read_text(encoding="utf-8"), path)


def parse_ddl(text: str, path: Path | None = None) -> list[Statement]:
    """Every statement of `text` (statements end with `;`, the last one may omit it)."""
    return _Parser(tokenize(text, path), path).statements()


class _Parser:
    def __init__(self, tokens: list[Token], path: Path | None) -> None:
        self.tokens = tokens
        self.path = path
        self.at = 0

    # -- token helpers -------------------------------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def fail(self, expected: str) -> DdlError:
        found = "end of file" if self.token.kind == "end" else repr(self.token.text)
        return DdlError(f"expected {expected}, found {found}", path=self.path, line=self.token.line)

    def peek(self, *words: str) -> bool:
        """Whether the next tokens are the keywords `words` (unquoted, any case)."""
        ahead = self.tokens[self.at : self.at + len(words)]
        return len(ahead) == len(words) and all(
            token.kind == "word" and token.text.upper() == word
            for token, word in zip(ahead, words, strict=True)
        )

    def accept(self, *words: str) -> bool:
        if self.peek(*words):
            self.at += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise self.fail(" ".join(words))

    def punct(self, char: str) -> bool:
        if self.token.kind == "punct" and self.token.text == char:
            self.at += 1
            return True
        return False

    def expect_punct(self, char: str) -> None:
        if not self.punct(char):
            raise self.fail(f"'{char}'")

    def string(self, what: str) -> str:
        if self.token.kind != "string":
            raise self.fail(f"{what} as a quoted string")
        value = self.token.value
        self.at += 1
        return value

    def name(self, what: str) -> str:
        token = self.token
        if token.kind not in ("word", "quoted"):
            raise self.fail(what)
        self.at += 1
        name = token.value.lower()
        if token.kind == "word" and not _NAME.fullmatch(name):
            raise DdlError(
                f"{what} {token.text!r} is not a valid name", path=self.path, line=token.line
            )
        return name

    # -- statements ----------------------------------------------------------------------------
    def statements(self) -> list[Statement]:
        found: list[Statement] = []
        while self.token.kind != "end":
            if self.punct(";"):
                continue
            found.append(self.statement())
            if self.token.kind != "end" and not self.punct(";"):
                raise self.fail("';' after the statement")
        return found

    def statement(self) -> Statement:
        line = self.token.line
        self.expect("CREATE")
        if self.accept("DATABASE") or self.accept("SCHEMA"):
            return self.create_database(line)
        if self.accept("EXTERNAL", "TABLE"):
            return self.create_table(line)
        raise self.fail("DATABASE or EXTERNAL TABLE after CREATE")

    def create_database(self, line: int) -> CreateDatabase:
        self.accept("IF", "NOT", "EXISTS")
        name = self.name("a database name")
        comment, properties = None, {}
        while True:
            if self.accept("COMMENT"):
                comment = self.string("the comment")
            elif self.accept("LOCATION"):
                self.string("the location")
            elif self.accept("WITH", "DBPROPERTIES"):
                properties = self.properties()
            else:
                return CreateDatabase(name, line, comment, properties)

    def create_table(self, line: int) -> CreateTable:
        self.accept("IF", "NOT", "EXISTS")
        first = self.name("a table name")
        database, name = (first, self.name("a table name")) if self.punct(".") else (None, first)
        parts: dict[str, object] = {"columns": tuple(self.columns())}
        while self.token.kind == "word":
            self.table_clause(parts)
        if "location" not in parts:
            raise self.fail("LOCATION 's3://bucket/prefix/'")
        return CreateTable(database, name, line, **parts)  # type: ignore[arg-type]

    def table_clause(self, parts: dict[str, object]) -> None:
        if self.accept("COMMENT"):
            parts["comment"] = self.string("the comment")
        elif self.accept("PARTITIONED", "BY"):
            parts["partition_columns"] = tuple(self.columns())
        elif self.accept("ROW", "FORMAT"):
            parts["serde"], parts["serde_properties"] = self.row_format()
        elif self.accept("STORED", "AS"):
            self.stored_as(parts)
        elif self.accept("LOCATION"):
            parts["location"] = self.location()
        elif self.accept("TBLPROPERTIES"):
            parts["properties"] = self.properties()
        else:
            raise self.fail(
                "COMMENT, PARTITIONED BY, ROW FORMAT, STORED AS, LOCATION or TBLPROPERTIES"
            )

    def location(self) -> str:
        line = self.token.line
        location = self.string("the location")
        if not location.startswith("s3://") or len(location) <= len("s3://"):
            raise DdlError(
                f"LOCATION must be an s3:// URI, got {location!r}", path=self.path, line=line
            )
        return location

    # -- clauses -------------------------------------------------------------------------------
    def columns(self) -> list[ColumnDef]:
        self.expect_punct("(")
        columns = [self.column()]
        while self.punct(","):
            columns.append(self.column())
        self.expect_punct(")")
        return columns

    def column(self) -> ColumnDef:
        name = self.name("a column name")
        column_type = self.type()
        comment = self.string("the comment") if self.accept("COMMENT") else None
        return ColumnDef(name, column_type, comment)

    def type(self) -> str:
        token = self.token
        base = token.text.lower() if token.kind == "word" else ""
        if base in ("array", "map", "struct"):
            self.at += 1
            return base + self.type_arguments(base)
        if base not in _PRIMITIVES:
            raise self.fail("a Hive type (string, int, bigint, double, decimal(p,s), array<...>)")
        self.at += 1
        if base == "integer":
            base = "int"
        if self.punct("("):
            sizes = [self.number()]
            while self.punct(","):
                sizes.append(self.number())
            self.expect_punct(")")
            return f"{base}({','.join(sizes)})"
        return base

    def type_arguments(self, base: str) -> str:
        self.expect_punct("<")
        if base == "struct":
            fields = [self.struct_field()]
            while self.punct(","):
                fields.append(self.struct_field())
            inner = ",".join(fields)
        elif base == "map":
            key = self.type()
            self.expect_punct(",")
            inner = f"{key},{self.type()}"
        else:
            inner = self.type()
        self.expect_punct(">")
        return f"<{inner}>"

    def struct_field(self) -> str:
        name = self.name("a struct field name")
        self.expect_punct(":")
        return f"{name}:{self.type()}"

    def number(self) -> str:
        if self.token.kind != "number":
            raise self.fail("a number")
        value = self.token.text
        self.at += 1
        return value

    def row_format(self) -> tuple[str, dict[str, str]]:
        if self.accept("SERDE"):
            serde = self.string("the SerDe class")
            with_properties = self.accept("WITH", "SERDEPROPERTIES")
            return serde, self.properties() if with_properties else {}
        self.expect("DELIMITED")
        properties: dict[str, str] = {}
        while True:
            for words, key in _DELIMITED.items():
                if self.accept(*words):
                    self.accept("TERMINATED")
                    self.expect("BY")
                    properties[key] = self.string("the delimiter")
                    if key == "field.delim" and self.accept("ESCAPED", "BY"):
                        properties["escape.delim"] = self.string("the escape character")
                    break
            else:
                if self.accept("NULL", "DEFINED", "AS"):
                    properties["serialization.null.format"] = self.string("the NULL text")
                    continue
                return LAZY_SIMPLE_SERDE, properties

    def stored_as(self, parts: dict[str, object]) -> None:
        if self.accept("INPUTFORMAT"):
            parts["input_format"] = self.string("the input format class")
            self.expect("OUTPUTFORMAT")
            parts["output_format"] = self.string("the output format class")
            return
        token = self.token
        if token.kind != "word":
            raise self.fail("PARQUET, ORC, TEXTFILE, JSONFILE or INPUTFORMAT '...'")
        self.at += 1
        parts["stored_as"] = token.text.upper()

    def properties(self) -> dict[str, str]:
        self.expect_punct("(")
        found: dict[str, str] = {}
        while True:
            key = self.string("a property name")
            self.expect_punct("=")
            found[key] = self.string(f"the value of {key!r}")
            if not self.punct(","):
                break
        self.expect_punct(")")
        return found
