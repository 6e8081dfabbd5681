"""The Kinesis event and context a Lambda handler receives (AWS's shapes, field by field)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from processors.lambda_runner import (
    EventSource,
    FunctionIdentity,
    LambdaContext,
    LambdaSettings,
    StreamRecord,
    kinesis_event,
)
from processors.lambda_runner.errors import HandlerNotFound, ImportModuleError
from processors.lambda_runner.handlers import function_name_for, load_handler

SEQ = "49590338271490256608559692538361571095921575989136588898"
SOURCE = EventSource(
    stream_arn="arn:aws:kinesis:us-east-1:000000000000:stream/CadabraOrders",
    region="us-east-1",
    invoke_identity_arn="arn:aws:iam::000000000000:role/orders-role",
)


def _record(data: bytes = b"Hello, this is a test.", seq: str = SEQ) -> StreamRecord:
    arrival = datetime(2018, 12, 17, 21, 50, 50, 987_000, tzinfo=UTC)
    return StreamRecord("shardId-000000000006", seq, "1", data, arrival)


def test_event_record_has_exactly_the_aws_fields() -> None:
    event = kinesis_event([_record()], SOURCE)
    assert list(event) == ["Records"]
    (record,) = event["Records"]
    assert record == {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "1",
            "sequenceNumber": SEQ,
            "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
            "approximateArrivalTimestamp": 1545083450.987,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000006:{SEQ}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::000000000000:role/orders-role",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:000000000000:stream/CadabraOrders",
    }


def test_event_is_json_and_keeps_batch_order_and_binary_data() -> None:
    blobs = [bytes([i, 255 - i, 0]) for i in range(5)]
    records = [_record(blob, str(int(SEQ) + i)) for i, blob in enumerate(blobs)]
    event = json.loads(json.dumps(kinesis_event(records, SOURCE)))
    decoded = [base64.b64decode(r["kinesis"]["data"]) for r in event["Records"]]
    assert decoded == blobs
    assert [r["kinesis"]["sequenceNumber"] for r in event["Records"]] == [
        r.sequence_number for r in records
    ]
    assert isinstance(event["Records"][0]["kinesis"]["approximateArrivalTimestamp"], float)


def test_context_has_the_runtime_attributes() -> None:
    now = [100.0]
    function = FunctionIdentity("orders", "eu-west-1", "123456789012", 256, timeout_s=3)
    context = LambdaContext(function, clock=lambda: now[0])
    assert context.function_name == "orders"
    assert context.function_version == "$LATEST"
    assert context.invoked_function_arn == "arn:aws:lambda:eu-west-1:123456789012:function:orders"
    assert context.memory_limit_in_mb == "256"
    assert context.log_group_name == "/aws/lambda/orders"
    assert "/[$LATEST]" in context.log_stream_name
    assert len(context.aws_request_id) == 36
    assert context.get_remaining_time_in_millis() == 3000
    now[0] += 1.25
    assert context.get_remaining_time_in_millis() == 1750
    now[0] += 10
    assert context.get_remaining_time_in_millis() == 0
    assert LambdaContext(function).aws_request_id != context.aws_request_id


def test_settings_have_aws_defaults_and_bounds() -> None:
    settings = LambdaSettings()
    assert (settings.batch_size, settings.batching_window_s) == (100, 0.0)
    assert (settings.max_retries, settings.max_record_age_s) == (-1, -1)
    assert not settings.bisect and not settings.report_batch_item_failures
    with pytest.raises(ValueError, match="batch_size"):
        LambdaSettings(batch_size=10_001)
    with pytest.raises(ValueError, match="MaximumRecordAgeInSeconds"):
        LambdaSettings(max_record_age_s=59)
    with pytest.raises(ValueError, match="StartingPositionTimestamp"):
        LambdaSettings(starting_position="AT_TIMESTAMP")


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADABRA_LAMBDA_BATCH_SIZE", "7")
    monkeypatch.setenv("CADABRA_LAMBDA_BISECT", "true")
    settings = LambdaSettings()
    assert settings.batch_size == 7
    assert settings.bisect


def test_handler_loads_from_the_current_directory(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    (root / "lambda_events_fn.py").write_text("def handler(event, context):\n    return 42\n")
    monkeypatch.chdir(root)
    monkeypatch.setattr("sys.path", list(__import__("sys").path))
    assert load_handler("lambda_events_fn:handler")({}, None) == 42
    assert load_handler("lambda_events_fn.handler")({}, None) == 42
    with pytest.raises(HandlerNotFound, match="missing"):
        load_handler("lambda_events_fn:nothing")
    with pytest.raises(ImportModuleError, match="Unable to import module"):
        load_handler("no_such_module_here:handler")
    assert function_name_for("pkg.mod:lambda_handler") == "pkg-mod-lambda_handler"
