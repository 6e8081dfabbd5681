"""A customer's order history from the items of DynamoDB's `CadabraOrders` table.

Items are the order-history Lambda's (course `OrderHistory/lambda-function.txt`): CustomerID (N),
OrderID (S: `InvoiceNo-StockCode`, since 2023 `InvoiceNo-StockCode-<uuid hex>`), OrderDate (the
CSV's `M/D/YYYY H:MM`), Quantity (N), UnitPrice (N), Description, Country. One item is one invoice
line; lines are grouped into orders by InvoiceNo and the orders sorted newest first by OrderDate
(the sort key OrderID orders by invoice number, not by time). Totals are exact decimals:
line total = Quantity x UnitPrice; cancellations (`C` invoices, negative quantities) count
negatively, as they do in the shop's ledger. Dates carry no zone in the data; they are read as UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["Order", "OrderHistory", "OrderLine", "order_history", "parse_order_date"]

CENT = Decimal("0.01")
_DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")


def parse_order_date(text: str) -> datetime | None:
    """`12/1/2010 8:26` (the CSV's format) or ISO 8601, as UTC; None if neither."""
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _money(value: Decimal) -> float:
    return float(value.quantize(CENT))


@dataclass(frozen=True)
class OrderLine:
    order_id: str
    invoice_no: str
    stock_code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    order_date: str
    ordered_at: datetime | None
    country: str

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_price

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> OrderLine:
        order_id = str(item.get("OrderID", ""))
        invoice_no, _, rest = order_id.partition("-")
        date = str(item.get("OrderDate", ""))
        return cls(
            order_id=order_id,
            invoice_no=invoice_no,
            stock_code=rest.split("-", 1)[0],
            description=str(item.get("Description") or ""),
            quantity=_decimal(item.get("Quantity")),
            unit_price=_decimal(item.get("UnitPrice")),
            order_date=date,
            ordered_at=parse_order_date(date),
            country=str(item.get("Country") or ""),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "stock_code": self.stock_code,
            "description": self.description,
            "quantity": _number(self.quantity),
            "unit_price": _number(self.unit_price),
            "line_total": _money(self.total),
        }


@dataclass(frozen=True)
class Order:
    """One invoice: its lines and their total."""

    invoice_no: str
    lines: tuple[OrderLine, ...]

    @property
    def ordered_at(self) -> datetime | None:
        return max((ln.ordered_at for ln in self.lines if ln.ordered_at), default=None)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        moment = self.ordered_at
        first = self.lines[0]
        return {
            "invoice_no": self.invoice_no,
            "order_date": first.order_date,
            "ordered_at": moment.isoformat() if moment else None,
            "country": first.country,
            "cancelled": self.invoice_no.upper().startswith("C"),
            "line_count": len(self.lines),
            "item_count": _number(sum((line.quantity for line in self.lines), Decimal(0))),
            "total": _money(self.total),
            "lines": [line.to_json() for line in self.lines],
        }


@dataclass(frozen=True)
class OrderHistory:
    """A customer's orders, newest first."""

    customer_id: int
    orders: tuple[Order, ...] = field(default=())

    @property
    def grand_total(self) -> Decimal:
        return sum((order.total for order in self.orders), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "order_count": len(self.orders),
            "line_count": sum(len(order.lines) for order in self.orders),
            "grand_total": _money(self.grand_total),
            "currency": "GBP",
            "orders": [order.to_json() for order in self.orders],
        }


def order_history(customer_id: int, items: Iterable[Mapping[str, Any]]) -> OrderHistory:
    """Group the customer's items by invoice and sort the invoices newest first."""
    by_invoice: dict[str, list[OrderLine]] = {}
    for item in items:
        line = OrderLine.from_item(item)
        by_invoice.setdefault(line.invoice_no, []).append(line)
    orders = [Order(invoice, tuple(lines)) for invoice, lines in by_invoice.items()]
    # Two stable sorts: newest first, and the later invoice first among orders of one minute.
    orders.sort(key=lambda order: order.invoice_no, reverse=True)
    orders.sort(key=_sort_key)
    return OrderHistory(customer_id, tuple(orders))


def _sort_key(order: Order) -> float:
    # Orders without a readable date go last.
    moment = order.ordered_at
    return -moment.timestamp() if moment else float("inf")
