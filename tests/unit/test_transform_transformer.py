"""The Transformer: invocations, retries, the status model, failures, determinism."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from sinks.firehose.transform import (
    FunctionRef,
    InvocationSource,
    LambdaProcessor,
    SourceRecord,
    TransformContext,
    Transformer,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:Xform"
STREAM = "arn:aws:firehose:us-east-1:123456789012:deliverystream/WebLogs"
SOURCE = InvocationSource(STREAM, "us-east-1")
Handler = Callable[[dict[str, Any], Any], Any]


class Recorder:
    """A function that records its events and answers with `respond(event, call number)`."""

    def __init__(self, respond: Callable[[dict[str, Any], int], Any]) -> None:
        self.respond = respond
        self.events: list[dict[str, Any]] = []
        self.contexts: list[TransformContext] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        self.contexts.append(context)
        return self.respond(event, len(self.events))


def _transformer(handler: Handler, retries: int = 3, **kwargs: Any) -> Transformer:
    processor = LambdaProcessor(ARN, number_of_retries=retries)
    return Transformer(processor, FunctionRef("Xform", ARN, handler), SOURCE, **kwargs)


def _records(*payloads: bytes) -> list[SourceRecord]:
    return [SourceRecord(f"id-{i}", p, 1_000 + i) for i, p in enumerate(payloads)]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _by_content(event: dict[str, Any], call: int) -> dict[str, Any]:
    """Upper-cases `ok*`, drops `drop*`, fails `fail*`."""
    out = []
    for record in event["records"]:
        data = base64.b64decode(record["data"])
        result = "Ok" if data.startswith(b"ok") else "Dropped"
        result = "ProcessingFailed" if data.startswith(b"fail") else result
        out.append({"recordId": record["recordId"], "result": result, "data": _b64(data.upper())})
    return {"records": out}


def test_results_ok_dropped_and_processing_failed() -> None:
    fn = Recorder(_by_content)
    result = _transformer(fn).transform(_records(b"ok1", b"drop", b"fail", b"ok2"))
    assert result.delivered == [b"OK1", b"OK2"]
    assert (result.ok, result.dropped, len(result.failed), result.invocations) == (2, 1, 1, 1)
    assert result.failed == [
        {
            "rawData": _b64(b"fail"),
            "errorCode": "Lambda.ProcessingFailedStatus",
            "errorMessage": "ProcessingFailed status set for record",
            "attemptsMade": 1,
            "arrivalTimestamp": 1_002,
            "attemptEndingTimestamp": 1_003,
            "lambdaARN": ARN,
        }
    ]
    assert list(result.failed[0]) == [
        "rawData",
        "errorCode",
        "errorMessage",
        "attemptsMade",
        "arrivalTimestamp",
        "attemptEndingTimestamp",
        "lambdaARN",
    ]
    assert [o.result for o in result.outcomes] == ["Ok", "Dropped", "ProcessingFailed", "Ok"]


def test_missing_duplicated_and_stray_record_ids() -> None:
    def respond(event: dict[str, Any], call: int) -> dict[str, Any]:
        ids = [r["recordId"] for r in event["records"]]
        ok = [{"recordId": i, "result": "Ok", "data": _b64(i.encode())} for i in ids]
        stray = {"recordId": "never-sent", "result": "Ok", "data": ""}
        return {"records": [ok[0], ok[1], ok[1], stray]}  # id-2 missing, id-1 twice

    result = _transformer(Recorder(respond)).transform(_records(b"a", b"b", b"c"))
    assert result.delivered == [b"id-0"]
    codes = [f["errorCode"] for f in result.failed]
    assert codes == ["Lambda.DuplicatedRecordId", "Lambda.MissingRecordId"]
    assert [f["rawData"] for f in result.failed] == [_b64(b"b"), _b64(b"c")]


def test_function_errors_are_retried_then_fail_the_whole_invocation() -> None:
    def boom(event: dict[str, Any], call: int) -> Any:
        raise RuntimeError("boom")

    fn = Recorder(boom)
    result = _transformer(fn, retries=3).transform(_records(b"a", b"b"))
    assert len(fn.events) == result.invocations == 4
    assert result.delivered == []
    assert [(f["errorCode"], f["attemptsMade"]) for f in result.failed] == [
        ("Lambda.FunctionError", 4),
        ("Lambda.FunctionError", 4),
    ]
    assert result.failed[0]["errorMessage"] == (
        "The Lambda function was successfully invoked but it returned an error result."
    )
    # Each attempt has its own invocationId, as at AWS.
    assert len({event["invocationId"] for event in fn.events}) == 4


def test_no_retries_means_one_attempt() -> None:
    fn = Recorder(lambda event, call: 1 / 0)
    result = _transformer(fn, retries=0).transform(_records(b"a"))
    assert len(fn.events) == 1 and result.failed[0]["attemptsMade"] == 1


def test_a_retry_that_succeeds_delivers() -> None:
    def flaky(event: dict[str, Any], call: int) -> Any:
        if call < 3:
            raise TimeoutError("throttled")
        return _by_content(event, call)

    fn = Recorder(flaky)
    result = _transformer(fn).transform(_records(b"ok"))
    assert result.delivered == [b"OK"] and result.failed == [] and result.invocations == 3


def test_a_response_that_breaks_the_status_model_is_not_retried() -> None:
    fn = Recorder(lambda event, call: {"records": [{"recordId": "id-0", "result": "Fine"}]})
    result = _transformer(fn).transform(_records(b"a", b"b"))
    assert len(fn.events) == 1
    assert [f["errorCode"] for f in result.failed] == ["Lambda.FunctionError"] * 2
    assert result.failed[0]["errorMessage"].startswith("Check your function")
    assert result.failed[0]["attemptsMade"] == 1


def test_a_response_lambda_cannot_marshal_is_a_function_error() -> None:
    def raw_bytes(event: dict[str, Any], call: int) -> Any:
        return {"records": [{"recordId": "id-0", "result": "Ok", "data": b"x"}]}

    fn = Recorder(raw_bytes)
    result = _transformer(fn, retries=1).transform(_records(b"a"))
    assert len(fn.events) == 2
    assert result.failed[0]["errorCode"] == "Lambda.FunctionError"


def test_a_response_over_six_mb_is_a_function_error() -> None:
    big = "A" * 6_291_556
    fn = Recorder(lambda event, call: {"records": [], "padding": big})
    result = _transformer(fn, retries=0).transform(_records(b"a"))
    assert result.failed[0]["errorCode"] == "Lambda.FunctionError"
    assert "successfully invoked" in result.failed[0]["errorMessage"]


def test_a_run_past_the_timeout_counts_as_a_timeout() -> None:
    now = [100.0]
    remaining: list[int] = []

    def slow(event: dict[str, Any], context: Any) -> Any:
        remaining.append(context.get_remaining_time_in_millis())
        now[0] += 301
        return _by_content(event, 1)

    result = _transformer(slow, retries=1, monotonic=lambda: now[0]).transform(_records(b"ok"))
    assert remaining == [300_000, 300_000]
    assert result.failed[0]["errorCode"] == "Lambda.FunctionError"
    assert "timeout" in result.failed[0]["errorMessage"]
    assert result.failed[0]["attemptsMade"] == 2


def test_records_are_split_into_invocations_by_buffer_size() -> None:
    fn = Recorder(_by_content)
    half_mib = b"ok" + b"x" * (512 * 1024 - 2)
    transformer = Transformer(
        LambdaProcessor(ARN, buffer_size_mb=1.0),
        FunctionRef("Xform", ARN, fn),
        SOURCE,
    )
    result = transformer.transform(_records(half_mib, half_mib, half_mib))
    assert [len(e["records"]) for e in fn.events] == [2, 1]
    assert result.ok == 3 and result.invocations == 2


def test_context_looks_like_lambdas() -> None:
    fn = Recorder(_by_content)
    _transformer(fn).transform(_records(b"ok"))
    context = fn.contexts[0]
    assert context.function_name == "Xform"
    assert context.invoked_function_arn == ARN
    assert context.aws_request_id == fn.events[0]["invocationId"]
    assert context.memory_limit_in_mb == "128"
    assert context.log_group_name == "/aws/lambda/Xform"
    assert 0 < context.get_remaining_time_in_millis() <= 300_000


def test_same_input_same_output() -> None:
    first, second = Recorder(_by_content), Recorder(_by_content)
    records = _records(b"ok", b"fail", b"drop")
    one = _transformer(first).transform(records)
    two = _transformer(second).transform(records)
    assert one == two
    assert first.events == second.events
    fixed = _transformer(Recorder(_by_content)).transform(records, now_ms=42)
    assert fixed.failed[0]["attemptEndingTimestamp"] == 42


def test_kinesis_source_from_configuration() -> None:
    processing = {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [
                    {
                        "ParameterName": "LambdaArn",
                        "ParameterValue": ARN.replace("Xform", "LogTransform"),
                    },
                    {"ParameterName": "NumberOfRetries", "ParameterValue": "1"},
                ],
            }
        ],
    }
    kinesis = "arn:aws:kinesis:us-east-1:123456789012:stream/Logs"
    transformer = Transformer.from_configuration(processing, STREAM, "us-east-1", kinesis)
    assert transformer is not None
    assert transformer.processor.number_of_retries == 1
    assert transformer.source.source_kinesis_stream_arn == kinesis
    line = b'10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326'
    record = SourceRecord(
        "r", line, 5, shard_id="shardId-000000000000", partition_key="p", sequence_number="1"
    )
    result = transformer.transform([record, SourceRecord("s", b"garbage", 6)])
    assert result.ok == 1 and result.failed[0]["errorCode"] == "Lambda.ProcessingFailedStatus"
    assert result.delivered[0].endswith(b"}\n")


def test_no_records_no_invocation() -> None:
    fn = Recorder(_by_content)
    result = _transformer(fn).transform([])
    assert fn.events == [] and result.delivered == [] and result.invocations == 0
