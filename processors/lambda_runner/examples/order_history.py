"""The course's order-history Lambda (2023 version): Kinesis `CadabraOrders` → DynamoDB table.

Each record is one order line the Kinesis Agent turned into JSON with CSVTOJSON (every field a
string; `Country` keeps the `\\r` of the CSV's CRLF line end). Rows without a customer id make
`int('')` fail and are skipped one by one (the 2023 version's try/except); the sort key gets a
random suffix because InvoiceNo + StockCode is not unique in the data.

`write_orders` is the course's function body, unchanged; only where the table comes from is
Cadabra's: `TABLE` when set (tests put an in-memory stand-in there), else the DynamoDB table
`CadabraOrders` through boto3 as in the course.

    cadabra lambda run processors.lambda_runner.examples.order_history:lambda_handler \\
        --stream CadabraOrders
"""

from __future__ import annotations

import base64
import decimal
import json
import uuid
from typing import Any

__all__ = ["TABLE", "lambda_handler", "orders_table", "write_orders"]

# A DynamoDB Table (or a stand-in with batch_writer()/put_item); None = boto3's CadabraOrders.
TABLE: Any = None


def orders_table() -> Any:
    if TABLE is not None:
        return TABLE
    import boto3

    dynamo_db = boto3.resource("dynamodb")
    return dynamo_db.Table("CadabraOrders")


def lambda_handler(event: dict[str, Any], context: Any) -> None:
    write_orders(event, orders_table())


def write_orders(event: dict[str, Any], table: Any) -> None:
    item = None
    decoded_record_data = [
        base64.b64decode(record["kinesis"]["data"]) for record in event["Records"]
    ]
    deserialized_data = [json.loads(decoded_record) for decoded_record in decoded_record_data]

    with table.batch_writer() as batch_writer:
        for item in deserialized_data:
            # Rows without a customer id (whole stretches of the data) fail int('') and are skipped.
            try:
                invoice = item["InvoiceNo"]
                customer = int(item["Customer"])
                orderDate = item["InvoiceDate"]
                quantity = item["Quantity"]
                description = item["Description"]
                unitPrice = item["UnitPrice"]
                country = item["Country"].rstrip()
                stockCode = item["StockCode"]

                # A unique sort key for this line item: the data repeats invoice/stock code pairs.
                orderID = invoice + "-" + stockCode + "-" + uuid.uuid4().hex

                batch_writer.put_item(
                    Item={
                        "CustomerID": decimal.Decimal(customer),
                        "OrderID": orderID,
                        "OrderDate": orderDate,
                        "Quantity": decimal.Decimal(quantity),
                        "UnitPrice": decimal.Decimal(unitPrice),
                        "Description": description,
                        "Country": country,
                    }
                )
                print("Wrote item into batch.")
            except:  # noqa: E722 - the course catches everything a bad row can raise
                print("Error processing invalid input row.")
