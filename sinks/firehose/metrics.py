"""Firehose's CloudWatch delivery metrics, as Prometheus metrics with the AWS names.

`DeliveryToS3.Records` becomes `firehose_DeliveryToS3_Records_total{delivery_stream="..."}`, and so
on: IncomingRecords/IncomingBytes (read from the source), DeliveryToS3.Records/Bytes/Success/
ObjectCount, DeliveryToS3.DataFreshness (age in seconds of the oldest record not yet delivered),
ExecuteProcessing.Records (transformed), SucceedConversion/FailedConversion.Records.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["DeliveryMetrics"]

_LABEL = "delivery_stream"


class DeliveryMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()

        def counter(name: str, doc: str) -> Counter:
            return Counter(name, doc, [_LABEL], namespace="firehose", registry=self.registry)

        self.incoming_records = counter("IncomingRecords", "Records read from the source")
        self.incoming_bytes = counter("IncomingBytes", "Bytes read from the source")
        self.records = counter("DeliveryToS3_Records", "Records delivered to S3")
        self.bytes = counter("DeliveryToS3_Bytes", "Bytes of objects delivered to S3")
        self.objects = counter("DeliveryToS3_ObjectCount", "Objects written to S3")
        self.success = counter("DeliveryToS3_Success", "Successful deliveries (batches)")
        self.processed = counter("ExecuteProcessing_Records", "Records through transformation")
        self.conversion_ok = counter("SucceedConversion_Records", "Records converted")
        self.conversion_failed = counter("FailedConversion_Records", "Records failing conversion")
        self.freshness = Gauge(
            "DeliveryToS3_DataFreshness",
            "Age (s) of the oldest record not yet delivered",
            [_LABEL],
            namespace="firehose",
            registry=self.registry,
        )
