"""A customer's order history: grouped by invoice, newest first by OrderDate, exact totals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from processors.webapp.orders import order_history, parse_order_date


def item(order_id: str, date: str, quantity: str, price: str, **extra: Any) -> dict[str, Any]:
    return {
        "CustomerID": Decimal(17850),
        "OrderID": order_id,
        "OrderDate": date,
        "Quantity": Decimal(quantity),
        "UnitPrice": Decimal(price),
        "Description": extra.get("description", "WHITE HANGING HEART T-LIGHT HOLDER"),
        "Country": "United Kingdom",
    }


def test_dates_in_the_csv_format_and_iso_parse_as_utc() -> None:
    assert parse_order_date("12/1/2010 8:26") == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)
    assert parse_order_date("9/5/2011 17:03:09") == datetime(2011, 9, 5, 17, 3, 9, tzinfo=UTC)
    assert parse_order_date("2011-01-04T10:00:00") == datetime(2011, 1, 4, 10, tzinfo=UTC)
    assert parse_order_date("yesterday") is None


def test_orders_sort_newest_first_by_date_not_by_order_id_or_date_text() -> None:
    # Invoice numbers run against time here, and "9/5/2011" sorts after "10/3/2011" as text.
    items = [
        item("536365-85123A-aa", "10/3/2011 9:00", "6", "2.55"),
        item("536366-22633-bb", "9/5/2011 9:00", "1", "1.00"),
        item("536367-84879-cc", "12/1/2010 8:26", "1", "1.00"),
        item("536368-22960-dd", "12/1/2010 8:34", "1", "1.00"),
    ]
    history = order_history(17850, items).to_json()
    assert [o["invoice_no"] for o in history["orders"]] == ["536365", "536366", "536368", "536367"]
    assert history["orders"][0]["ordered_at"] == "2011-10-03T09:00:00+00:00"


def test_lines_group_by_invoice_with_exact_totals() -> None:
    items = [
        item("536365-85123A-1f", "12/1/2010 8:26", "6", "2.55"),
        item("536365-71053-2e", "12/1/2010 8:26", "6", "3.39"),
        item("536365-84406B", "12/1/2010 8:26", "8", "2.75"),
        item("536366-22633-3d", "12/1/2010 8:28", "6", "1.85"),
    ]
    history = order_history(17850, items).to_json()
    assert history["order_count"] == 2
    assert history["line_count"] == 4
    newest, oldest = history["orders"]
    assert (newest["invoice_no"], newest["total"]) == ("536366", 11.1)
    assert (oldest["invoice_no"], oldest["line_count"], oldest["item_count"]) == ("536365", 3, 20)
    # 6 x 2.55 + 6 x 3.39 + 8 x 2.75 = 15.30 + 20.34 + 22.00 (in floats: 57.63999...)
    assert oldest["total"] == 57.64
    assert [line["line_total"] for line in oldest["lines"]] == [15.3, 20.34, 22.0]
    assert oldest["lines"][2] == {
        "order_id": "536365-84406B",
        "stock_code": "84406B",
        "description": "WHITE HANGING HEART T-LIGHT HOLDER",
        "quantity": 8,
        "unit_price": 2.75,
        "line_total": 22.0,
    }
    assert history["grand_total"] == 68.74
    assert history["currency"] == "GBP"


def test_cancellations_count_negatively_and_unreadable_dates_go_last() -> None:
    items = [
        item("536365-85123A", "12/1/2010 8:26", "6", "2.55"),
        item("C536379-D-9a", "12/1/2010 9:41", "-1", "27.50"),
        item("536999-POST", "not a date", "1", "18.00"),
    ]
    history = order_history(17850, items).to_json()
    assert [o["invoice_no"] for o in history["orders"]] == ["C536379", "536365", "536999"]
    assert history["orders"][0]["cancelled"] is True
    assert history["orders"][0]["total"] == -27.5
    assert history["orders"][2]["ordered_at"] is None
    assert history["grand_total"] == 5.8  # 15.30 - 27.50 + 18.00


def test_a_customer_without_items_has_an_empty_history() -> None:
    history = order_history(12346, []).to_json()
    assert history == {
        "customer_id": 12346,
        "order_count": 0,
        "line_count": 0,
        "grand_total": 0.0,
        "currency": "GBP",
        "orders": [],
    }
