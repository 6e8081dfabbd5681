"""Named queries (`sql/queries/NAME.sql`): header, declared parameters and their binding."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadabra.athena.catalog_errors import NamedQueryError
from cadabra.athena.named import (
    NamedQuery,
    load_named_queries,
    looks_like_name,
    named_query,
    parse_params,
)

QUERIES = Path(__file__).resolve().parents[2] / "sql" / "queries"
TEXT = """-- Orders in a month.
-- Some more words about it.
-- param year
-- param month = 02
-- param country = NULL
SELECT $year, $month, $country
"""


def test_the_header_gives_description_and_parameters() -> None:
    query = NamedQuery.parse("monthly", TEXT)
    assert query.description == "Orders in a month."
    assert query.required == ("year",)
    assert query.defaults == {"month": "02", "country": None}
    assert query.parameters == ["year", "month", "country"]
    assert query.sql.endswith("SELECT $year, $month, $country")


def test_binding_fills_defaults_and_refuses_unknown_or_missing_parameters() -> None:
    query = NamedQuery.parse("monthly", TEXT)
    assert query.bind({"year": "2011"}) == {"year": "2011", "month": "02", "country": None}
    assert query.bind({"year": "2011", "country": "France"})["country"] == "France"
    with pytest.raises(NamedQueryError, match=r"needs --param year=\.\.\."):
        query.bind({"month": "03"})
    with pytest.raises(NamedQueryError, match=r"has no parameter yaer \(declared: year, month"):
        query.bind({"yaer": "2011"})


def test_a_file_without_sql_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.sql").write_text("-- Only a description\n")
    with pytest.raises(NamedQueryError, match="holds no SQL"):
        load_named_queries(tmp_path)


def test_an_unknown_name_lists_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("SELECT 1")
    with pytest.raises(NamedQueryError, match=r"named query b not found .*\(known: a\)"):
        named_query(tmp_path, "b")


def test_params_parse_as_name_value_pairs() -> None:
    assert parse_params(["year=2011", "month=02", "note=a=b", "empty="]) == {
        "year": "2011",
        "month": "02",
        "note": "a=b",
        "empty": "",
    }
    with pytest.raises(NamedQueryError, match="expected NAME=VALUE"):
        parse_params(["year"])


def test_names_and_sql_are_told_apart() -> None:
    assert looks_like_name("top_products")
    assert not looks_like_name("SELECT 1")
    assert not looks_like_name("select * from cadabra.orders")


def test_the_shipped_queries_describe_themselves() -> None:
    queries = load_named_queries(QUERIES)
    assert {"france_descriptions", "orders_by_country_day", "top_products"} <= set(queries)
    assert all(query.description for query in queries.values())
    assert queries["france_descriptions"].defaults == {"year": None, "month": None}
    assert queries["top_products"].bind({}) == {"limit": "10"}
