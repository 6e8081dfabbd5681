"""A seeded stand-in for OnlineRetail.csv (UCI "Online Retail"), addressable by row number.

The real file cannot be redistributed, so `SyntheticSource` derives row *i* from a hash of
(seed, i): the same seed gives the same 541,909 rows every time, and a run that continues from
`LastLine.txt` (or wraps around to row 0) computes its rows directly instead of generating
everything before them. Rows come in invoices, as in the real data: 128-row blocks are cut into
up to eight invoices that share InvoiceNo, InvoiceDate, CustomerID and Country; InvoiceNo and
InvoiceDate grow with the row number (536365…, 12/1/2010 8:00 … 12/9/2011 19:59, shop hours
8:00-20:00). About 25 % of the rows have no CustomerID, about 2 % are cancellations (`C`
invoices with negative quantities), 91 % come from the United Kingdom, a few lines have no
description (and price 0), as in the real file. Descriptions contain no commas.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from producers.loggen.catalogue import COUNTRIES, FIRST_INVOICE, PRODUCTS, QUANTITIES

__all__ = ["ONLINE_RETAIL_ROWS", "SyntheticSource"]

ONLINE_RETAIL_ROWS = 541_909
BLOCK = 128  # rows per block; an invoice never spans two blocks
SLOTS = 8  # invoice numbers reserved per block
_FIRST_DAY = date(2010, 12, 1)
_DAYS = 374  # 2010-12-01 .. 2011-12-09
_OPEN_MINUTE, _OPEN_MINUTES = 8 * 60, 12 * 60
_CANCEL_PER_MILLE = 200  # of invoices; they are short, so ~2 % of rows
_ANONYMOUS_PER_MILLE = 250
_MEAN_INVOICE_LINES = 30.0
_NO_DESCRIPTION_PER_4096 = 11  # 1,454 of 541,909 rows in the real file
_M64 = (1 << 64) - 1


def _mix(value: int) -> int:
    """SplitMix64's finaliser: a well-spread 64-bit hash of a 64-bit integer."""
    value = (value + 0x9E3779B97F4A7C15) & _M64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _M64
    return value ^ (value >> 31)


def _cumulative(weights: Sequence[float], scale: int) -> list[int]:
    total, running, bounds = sum(weights), 0.0, []
    for weight in weights:
        running += weight
        bounds.append(round(running / total * scale))
    bounds[-1] = scale
    return bounds


_PRODUCT_BOUNDS = _cumulative([product.weight for product in PRODUCTS], 1 << 32)
_QUANTITY_BOUNDS = _cumulative([weight for _, weight in QUANTITIES], 1 << 20)
_QUANTITY_TEXTS = [str(quantity) for quantity, _ in QUANTITIES]
_CANCELLED_QUANTITIES = [str(-quantity) for quantity, _ in QUANTITIES]
_FIRST_BULK = next(i for i, (quantity, _) in enumerate(QUANTITIES) if quantity >= 12)
_PRODUCT_FIELDS = [
    (product.stock_code, product.description, product.unit_price, product.bulk_price)
    for product in PRODUCTS
]
_COUNTRY_BOUNDS = _cumulative([count for _, count in COUNTRIES], 1 << 32)
_COUNTRY_NAMES = [name for name, _ in COUNTRIES]
# 4,372 distinct customers spread over the data set's id range 12346..18287.
_CUSTOMERS = [str(12346 + number * 5942 // 4372) for number in range(4372)]


@dataclass(frozen=True, slots=True)
class _Invoice:
    first: int  # first row of the invoice, offset within its block
    end: int  # one past its last row, offset within its block
    number: str
    date: str
    customer: str
    country: str
    cancelled: bool


class SyntheticSource:
    """OnlineRetail.csv-shaped rows: `len()` rows, row i a pure function of (seed, i)."""

    def __init__(self, seed: int = 42, rows: int = ONLINE_RETAIL_ROWS) -> None:
        if rows < 1:
            raise ValueError("rows must be at least 1")
        self.seed = seed
        self._rows = rows
        self._row_key = _mix(seed & _M64)
        self._block_key = _mix(self._row_key ^ 0x5BD1E995)
        self._customer_key = _mix(self._block_key ^ 0x27D4EB2F)
        self._block = lru_cache(maxsize=4)(self._make_block)

    def __len__(self) -> int:
        return self._rows

    def row(self, index: int) -> list[str]:
        """Data row `index` (0-based, header excluded) as the CSV's eight fields."""
        if not 0 <= index < self._rows:
            raise IndexError(f"row {index} outside 0..{self._rows - 1}")
        return self._block_rows(index // BLOCK)[index % BLOCK]

    def rows(self, start: int = 0) -> Generator[list[str], None, None]:
        """The rows from `start` to the end of the data."""
        first_block = start // BLOCK
        yield from self._block_rows(first_block)[start - first_block * BLOCK :]
        for block in range(first_block + 1, (self._rows - 1) // BLOCK + 1):
            yield from self._block_rows(block)

    def _block_rows(self, block: int) -> list[list[str]]:
        """All rows of one block: the hot loop, so SplitMix64 is inlined here."""
        rows: list[list[str]] = []
        key, base = self._row_key, block * BLOCK
        for invoice in self._block(block):
            quantities = _CANCELLED_QUANTITIES if invoice.cancelled else _QUANTITY_TEXTS
            number, when = invoice.number, invoice.date
            customer, country = invoice.customer, invoice.country
            for index in range(base + invoice.first, base + invoice.end):
                bits = ((key ^ index) + 0x9E3779B97F4A7C15) & _M64
                bits = ((bits ^ (bits >> 30)) * 0xBF58476D1CE4E5B9) & _M64
                bits = ((bits ^ (bits >> 27)) * 0x94D049BB133111EB) & _M64
                bits ^= bits >> 31
                code, description, price, bulk = _PRODUCT_FIELDS[
                    bisect_right(_PRODUCT_BOUNDS, bits & 0xFFFFFFFF)
                ]
                which = bisect_right(_QUANTITY_BOUNDS, (bits >> 32) & 0xFFFFF)
                if which >= _FIRST_BULK:
                    price = bulk
                if (bits >> 52) < _NO_DESCRIPTION_PER_4096:
                    description, price = "", "0"
                quantity = quantities[which]
                rows.append([number, code, description, quantity, when, price, customer, country])
        return rows

    def _make_block(self, block: int) -> tuple[_Invoice, ...]:
        size = min(BLOCK, self._rows - block * BLOCK)
        state = _mix(self._block_key ^ block)
        invoices: list[_Invoice] = []
        first = 0
        while first < size:
            state = _mix(state)
            slot = len(invoices)
            last = slot == SLOTS - 1  # the last slot takes the rest of the block
            cancelled = not last and state % 1000 < _CANCEL_PER_MILLE
            lines = self._invoice_lines(state >> 10, cancelled, last=last)
            end = min(size, first + lines)
            invoices.append(self._invoice(block, slot, first, end, cancelled, _mix(state)))
            first = end
        return tuple(invoices)

    @staticmethod
    def _invoice_lines(bits: int, cancelled: bool, *, last: bool) -> int:
        if last:
            return BLOCK
        if cancelled:
            return 1 + bits % 3
        fraction = (bits & 0xFFFFFF) / float(1 << 24)
        return 1 + int(-_MEAN_INVOICE_LINES * math.log1p(-fraction))

    def _invoice(
        self, block: int, slot: int, first: int, end: int, cancelled: bool, bits: int
    ) -> _Invoice:
        number = f"{'C' if cancelled else ''}{FIRST_INVOICE + block * SLOTS + slot}"
        anonymous = bits % 1000 < _ANONYMOUS_PER_MILLE
        customer = "" if anonymous else _CUSTOMERS[(bits >> 10) % len(_CUSTOMERS)]
        country = self._country(bits >> 32) if anonymous else self._customer_country(customer)
        when = self._date((block * BLOCK + first) / self._rows)
        return _Invoice(first, end, number, when, customer, country, cancelled)

    @staticmethod
    def _country(bits: int) -> str:
        return _COUNTRY_NAMES[bisect_right(_COUNTRY_BOUNDS, bits & 0xFFFFFFFF)]

    def _customer_country(self, customer: str) -> str:
        """A customer always orders from the same country."""
        return self._country(_mix(self._customer_key ^ int(customer)))

    @staticmethod
    def _date(fraction: float) -> str:
        """`M/D/YYYY H:MM` of a point `fraction` of the way through the data's year."""
        days = fraction * _DAYS
        day = _FIRST_DAY + timedelta(days=int(days))
        minute = _OPEN_MINUTE + int((days - int(days)) * _OPEN_MINUTES)
        return f"{day.month}/{day.day}/{day.year} {minute // 60}:{minute % 60:02d}"
