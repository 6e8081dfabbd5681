"""The built-in OnlineRetail stand-in: deterministic, addressable by row, distributed like it."""

from __future__ import annotations

import re
import statistics
from datetime import datetime
from itertools import islice

from producers.loggen import ONLINE_RETAIL_ROWS, SyntheticSource

SAMPLE = 20_000
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})$")
_STOCK_CODE = re.compile(r"^(\d{5}[A-Z]?|POST)$")


def _sample(seed: int = 42, start: int = 0) -> list[list[str]]:
    return list(islice(SyntheticSource(seed).rows(start), SAMPLE))


def test_same_seed_gives_the_same_rows_and_another_seed_others() -> None:
    first, again, other = _sample(7)[:500], _sample(7)[:500], _sample(8)[:500]
    assert first == again
    assert first != other


def test_any_row_is_computed_without_the_rows_before_it() -> None:
    source = SyntheticSource(3)
    tail = list(source.rows(541_900))
    assert len(tail) == 9
    assert SyntheticSource(3).row(541_905) == tail[5]
    assert source.row(541_908) == tail[-1]
    assert list(islice(source.rows(1000), 3)) == [source.row(i) for i in (1000, 1001, 1002)]


def test_the_data_has_the_real_files_length() -> None:
    source = SyntheticSource()
    assert len(source) == ONLINE_RETAIL_ROWS == 541_909
    assert sum(1 for _ in source.rows(541_000)) == 909


def test_rows_have_the_online_retail_schema() -> None:
    for row in _sample()[:3000]:
        invoice, code, _description, quantity, when, price, customer, country = row
        assert re.fullmatch(r"C?\d{6}", invoice)
        assert _STOCK_CODE.match(code), code
        assert int(quantity) != 0
        match = _DATE.match(when)
        assert match, when
        month, day, year, hour, minute = map(int, match.groups())
        stamp = datetime(year, month, day, hour, minute)  # noqa: DTZ001 - a naive CSV value
        assert datetime(2010, 12, 1) <= stamp <= datetime(2011, 12, 9, 23, 59)  # noqa: DTZ001
        assert float(price) >= 0
        assert customer == "" or 12346 <= int(customer) <= 18287
        assert country


def test_distributions_match_the_data_set_within_tolerances() -> None:
    rows = _sample(seed=42, start=100_000)
    share = lambda test: sum(1 for row in rows if test(row)) / len(rows)  # noqa: E731
    assert 0.87 <= share(lambda row: row[7] == "United Kingdom") <= 0.95
    assert 0.21 <= share(lambda row: row[6] == "") <= 0.29
    assert 0.008 <= share(lambda row: row[0].startswith("C")) <= 0.035
    assert 0.001 <= share(lambda row: row[2] == "") <= 0.006
    assert len({row[7] for row in rows}) >= 15
    assert len({row[1] for row in rows}) >= 2000
    assert sum(1 for row in rows if len(row[1]) == 6) > 0  # codes with a letter suffix
    quantities = [abs(int(row[3])) for row in rows]
    assert statistics.quantiles(quantities, n=4) == [1, 3, 10]
    prices = [float(row[5]) for row in rows if row[5] != "0"]
    assert 1.5 <= statistics.median(prices) <= 2.6


def test_cancellations_have_negative_quantities_and_only_they() -> None:
    for row in _sample()[:SAMPLE]:
        assert row[0].startswith("C") == (int(row[3]) < 0)


def test_an_invoice_shares_date_customer_and_country_and_numbers_grow() -> None:
    rows = _sample()
    by_invoice: dict[str, set[tuple[str, str, str]]] = {}
    for row in rows:
        by_invoice.setdefault(row[0], set()).add((row[4], row[6], row[7]))
    assert all(len(heads) == 1 for heads in by_invoice.values())
    numbers = [int(row[0].lstrip("C")) for row in rows]
    assert numbers == sorted(numbers)
    assert numbers[0] == 536365
    assert 500 <= len(by_invoice) <= 2000  # ~20 lines an invoice, as in the real data


def test_a_customer_always_orders_from_the_same_country() -> None:
    countries: dict[str, set[str]] = {}
    for row in _sample():
        if row[6]:
            countries.setdefault(row[6], set()).add(row[7])
    assert countries
    assert all(len(names) == 1 for names in countries.values())
