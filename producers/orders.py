"""Cadabra orders shaped like the course's `LogGenerator.py` lines over OnlineRetail.csv.

A seeded stand-in for the UCI Online Retail data (which is not redistributable): the same eight
columns (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID,
Country), ~25 % of rows without a CustomerID, ~2 % cancellations ("C" invoices with negative
quantities) and ~91 % United Kingdom. The full log generator arrives with the producers issue;
this is what the foundation's demo writes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["Order", "OrderGenerator"]

_PRODUCTS = [
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2.55),
    ("71053", "WHITE METAL LANTERN", 3.39),
    ("84406B", "CREAM CUPID HEARTS COAT HANGER", 2.75),
    ("84029G", "KNITTED UNION FLAG HOT WATER BOTTLE", 3.39),
    ("22752", "SET 7 BABUSHKA NESTING BOXES", 7.65),
    ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 4.25),
    ("22633", "HAND WARMER UNION JACK", 1.85),
    ("22423", "REGENCY CAKESTAND 3 TIER", 12.75),
    ("47566", "PARTY BUNTING", 4.95),
    ("85099B", "JUMBO BAG RED RETROSPOT", 2.08),
]
_COUNTRIES = ["Germany", "France", "EIRE", "Spain", "Netherlands", "Belgium", "Switzerland"]
_START = datetime(2010, 12, 1, 8, 26, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Order:
    invoice_no: str
    stock_code: str
    description: str
    quantity: int
    invoice_date: datetime
    unit_price: float
    customer_id: str
    country: str

    @property
    def partition_key(self) -> str:
        """The course partitions by customer; anonymous orders by invoice."""
        return self.customer_id or self.invoice_no

    def to_csv(self) -> str:
        date = f"{self.invoice_date.month}/{self.invoice_date.day}/{self.invoice_date:%Y %H:%M}"
        return ",".join(
            [
                self.invoice_no,
                self.stock_code,
                self.description,
                str(self.quantity),
                date,
                f"{self.unit_price:.2f}",
                self.customer_id,
                self.country,
            ]
        )


class OrderGenerator:
    def __init__(self, seed: int = 42) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self._invoice = 536365
        self._clock = _START

    def __iter__(self) -> Iterator[Order]:
        while True:
            yield self.next()

    def next(self) -> Order:
        rng = self._rng
        self._invoice += 1
        self._clock += timedelta(seconds=rng.randint(1, 90))
        code, description, price = rng.choice(_PRODUCTS)
        cancelled = rng.random() < 0.02
        quantity = rng.choice([1, 2, 3, 4, 6, 8, 12, 24]) * (-1 if cancelled else 1)
        customer = "" if rng.random() < 0.25 else str(rng.randint(12346, 18287))
        country = "United Kingdom" if rng.random() < 0.91 else rng.choice(_COUNTRIES)
        invoice = f"{'C' if cancelled else ''}{self._invoice}"
        return Order(invoice, code, description, quantity, self._clock, price, customer, country)
