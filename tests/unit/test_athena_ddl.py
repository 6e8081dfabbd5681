"""The Hive DDL subset of the Glue catalog's `.sql` files: what parses, and errors naming lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cadabra.athena.catalog_errors import DdlError
from cadabra.athena.ddl import LAZY_SIMPLE_SERDE, CreateDatabase, CreateTable, parse_ddl, parse_file

SQL = Path(__file__).resolve().parents[2] / "sql" / "catalog"


def _table(text: str) -> CreateTable:
    (statement,) = [s for s in parse_ddl(text) if isinstance(s, CreateTable)]
    return statement


def test_a_table_keeps_columns_lower_case_with_glue_type_strings() -> None:
    table = _table(
        "CREATE EXTERNAL TABLE cadabra.Orders (InvoiceNo string COMMENT 'the invoice', "
        "`Date` date, price decimal(10, 2), tags array<string>, attrs map<string,int>, "
        "shipping struct<City:string, zip:varchar(10)>, n integer, nested array<array<int>>) "
        "LOCATION 's3://cadabra/orders/'"
    )
    assert (table.database, table.name) == ("cadabra", "orders")
    assert [(c.name, c.type) for c in table.columns] == [
        ("invoiceno", "string"),
        ("date", "date"),
        ("price", "decimal(10,2)"),
        ("tags", "array<string>"),
        ("attrs", "map<string,int>"),
        ("shipping", "struct<city:string,zip:varchar(10)>"),
        ("n", "int"),
        ("nested", "array<array<int>>"),
    ]
    assert table.columns[0].comment == "the invoice"
    assert table.location == "s3://cadabra/orders/"


def test_every_clause_of_a_firehose_table() -> None:
    text = """-- header comment
    CREATE DATABASE IF NOT EXISTS Cadabra COMMENT 'shop' WITH DBPROPERTIES ('owner' = 'me');
    /* block
       comment */
    CREATE EXTERNAL TABLE IF NOT EXISTS orders (a string)
    COMMENT 'orders'
    PARTITIONED BY (year string, month string)
    ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
      WITH SERDEPROPERTIES ('case.insensitive' = 'true', "quote" = 'it\\'s')
    STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
      OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
    LOCATION 's3://cadabra/json/'
    TBLPROPERTIES ('projection.enabled' = 'true', 'storage.location.template' = 's3://x/${year}/')
    """
    database, table = parse_ddl(text)
    assert database == CreateDatabase("cadabra", 2, "shop", {"owner": "me"})
    assert isinstance(table, CreateTable)
    assert table.line == 5
    assert table.database is None
    assert table.comment == "orders"
    assert [c.name for c in table.partition_columns] == ["year", "month"]
    assert table.serde == "org.openx.data.jsonserde.JsonSerDe"
    assert table.serde_properties == {"case.insensitive": "true", "quote": "it's"}
    assert table.input_format == "org.apache.hadoop.mapred.TextInputFormat"
    assert table.properties["storage.location.template"] == "s3://x/${year}/"


def test_row_format_delimited_becomes_lazy_simple_serde_properties() -> None:
    table = _table(
        "CREATE EXTERNAL TABLE t (a string) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
        "ESCAPED BY '\\\\' COLLECTION ITEMS TERMINATED BY '|' MAP KEYS TERMINATED BY ':' "
        "LINES TERMINATED BY '\\n' NULL DEFINED AS '' STORED AS TEXTFILE "
        "LOCATION 's3://b/p/'"
    )
    assert table.serde == LAZY_SIMPLE_SERDE
    assert table.serde_properties == {
        "field.delim": ",",
        "escape.delim": "\\",
        "collection.delim": "|",
        "mapkey.delim": ":",
        "line.delim": "\n",
        "serialization.null.format": "",
    }
    assert table.stored_as == "TEXTFILE"


def test_the_shipped_catalog_files_parse() -> None:
    statements = [statement for path in sorted(SQL.glob("*.sql")) for statement in parse_file(path)]
    names = {s.name for s in statements if isinstance(s, CreateTable)}
    assert names == {"orders", "purchase_logs"}
    assert any(isinstance(s, CreateDatabase) and s.name == "cadabra" for s in statements)


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("CREATE EXTERNAL TABLE t (a string)\n\n", 3, "expected LOCATION"),
        ("CREATE EXTERNAL TABLE t (\n  a strnig\n) LOCATION 's3://b/'", 2, "expected a Hive type"),
        ("CREATE EXTERNAL TABLE t (a string,\n) LOCATION 's3://b/'", 2, "expected a column name"),
        ("CREATE EXTERNAL TABLE t (a string LOCATION 's3://b/'", 1, "expected ')'"),
        ("CREATE TABLE t (a string)", 1, "expected DATABASE or EXTERNAL TABLE"),
        ("CREATE EXTERNAL TABLE t (a int)\nLOCATION '/tmp/x'", 2, "must be an s3:// URI"),
        ("CREATE EXTERNAL TABLE t (a decimal(10,)) LOCATION 's3://b/'", 1, "expected a number"),
        ("CREATE EXTERNAL TABLE t (a int) LOCATION s3", 1, "the location as a quoted string"),
        ("CREATE EXTERNAL TABLE t (a int)\nLOCATION 's3://b/' CLUSTERED", 2, "COMMENT, PARTITION"),
        ("CREATE DATABASE d\nCREATE DATABASE e", 2, "expected ';' after the statement"),
        ("CREATE EXTERNAL TABLE t (a map<string>) LOCATION 's3://b/'", 1, "expected ','"),
        ("CREATE DATABASE d;\n\n  # nope", 3, "unexpected character '#'"),
        ("CREATE EXTERNAL TABLE t (a int)\nTBLPROPERTIES ('k' 'v')", 2, "expected '='"),
    ],
)
def test_bad_ddl_names_the_line_and_what_was_expected(text: str, line: int, expected: str) -> None:
    with pytest.raises(DdlError, match=re.escape(expected)) as caught:
        parse_ddl(text)
    assert caught.value.line == line
    assert caught.value.message.startswith(f"line {line}: ")


def test_an_error_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.sql"
    path.write_text("CREATE DATABASE cadabra;\nCREATE EXTERNAL TABLE cadabra.t (a string)\n")
    with pytest.raises(DdlError) as caught:
        parse_file(path)
    assert caught.value.message.startswith(f"{path}:3: expected LOCATION")
    assert caught.value.path == path


def test_an_unterminated_string_is_an_error_not_a_hang() -> None:
    with pytest.raises(DdlError, match='unexpected character "\'"'):
        parse_ddl("CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/")
