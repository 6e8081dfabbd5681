"""Kinesis Data Streams operations served by the endpoint (target prefix Kinesis_20131202)."""

from __future__ import annotations

from typing import Any

from botocore import xform_name

from cadabra.endpoint.operations import Handler, adapt
from cadabra.streams import PutRecordsEntry, StreamsService

__all__ = ["kinesis_operations"]

_RENAMES = {"MaxRecordSizeInKiB": "max_record_size_kib", "StreamARN": "stream_arn"}


def kinesis_operations(streams: StreamsService) -> dict[str, Handler]:
    def create_stream(request: dict[str, Any]) -> dict[str, Any]:
        mode = request.get("StreamModeDetails", {}).get("StreamMode", "PROVISIONED")
        return streams.create_stream(
            request["StreamName"],
            request.get("ShardCount"),
            stream_mode=mode,
            max_record_size_kib=request.get("MaxRecordSizeInKiB"),
            tags=request.get("Tags"),
        )

    def put_records(request: dict[str, Any]) -> dict[str, Any]:
        entries = [
            PutRecordsEntry(r["Data"], r["PartitionKey"], r.get("ExplicitHashKey"))
            for r in request["Records"]
        ]
        return streams.put_records(
            entries, stream_name=request.get("StreamName"), stream_arn=request.get("StreamARN")
        )

    table: dict[str, Handler] = {
        "CreateStream": create_stream,
        "PutRecords": put_records,
    }
    for operation in (
        "DeleteStream",
        "DescribeStream",
        "DescribeStreamSummary",
        "ListStreams",
        "ListShards",
        "IncreaseStreamRetentionPeriod",
        "DecreaseStreamRetentionPeriod",
        "UpdateMaxRecordSize",
        "PutRecord",
        "GetShardIterator",
        "GetRecords",
        "AddTagsToStream",
        "ListTagsForStream",
        "RemoveTagsFromStream",
        "DescribeLimits",
        "SplitShard",
        "MergeShards",
        "UpdateShardCount",
        "RegisterStreamConsumer",
        "DescribeStreamConsumer",
        "ListStreamConsumers",
        "DeregisterStreamConsumer",
        "SubscribeToShard",
        "TagResource",
        "ListTagsForResource",
        "UntagResource",
    ):
        method = getattr(streams, xform_name(operation), None)
        if method is not None:
            table[operation] = adapt(method, _RENAMES)
    return table
