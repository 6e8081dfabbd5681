"""The Cadabra client app (course pipeline 1's client, plus pipeline 4's alarms, live).

`cadabra web` serves a page and a JSON API: a customer's order history read from the DynamoDB
table `CadabraOrders` (Query on CustomerID), newest first with totals, and a live panel of the
alarms on the Kinesis stream `OrderRateAlarms`. Both are read through the AWS APIs with boto3 at
`endpoint_url`, as the course's app reads AWS.
"""

from __future__ import annotations

from processors.webapp.alarms import Alarm, AlarmBoard, AlarmsStatus
from processors.webapp.api import WebApp
from processors.webapp.kinesis_alarms import KinesisAlarms
from processors.webapp.orders import OrderHistory, order_history
from processors.webapp.settings import WebSettings
from processors.webapp.sources import AlarmsSource, DynamoDBOrders, OrdersSource

__all__ = [
    "Alarm",
    "AlarmBoard",
    "AlarmsSource",
    "AlarmsStatus",
    "DynamoDBOrders",
    "KinesisAlarms",
    "OrderHistory",
    "OrdersSource",
    "WebApp",
    "WebSettings",
    "order_history",
]
