"""The "Apache Log to JSON" blueprint (the course's LogTransform), alone and through Firehose."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from sinks.firehose.transform import SourceRecord, Transformer
from sinks.firehose.transform.examples.apache_log import handler, parse_line

COMMON = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'
COMBINED = (
    '66.249.75.159 - - [29/Nov/2015:03:50:05 +0000] "GET /robots.txt HTTP/1.1" 200 55 "-" '
    '"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"'
)
STREAM = "arn:aws:firehose:us-east-1:123456789012:deliverystream/WebLogs"
LOG_TRANSFORM = "arn:aws:lambda:us-east-1:123456789012:function:LogTransform"


def _event(*lines: str) -> dict[str, Any]:
    records = [
        {"recordId": f"r{i}", "approximateArrivalTimestamp": 0, "data": _b64(line.encode())}
        for i, line in enumerate(lines)
    ]
    return {
        "invocationId": "i",
        "deliveryStreamArn": STREAM,
        "region": "us-east-1",
        "records": records,
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_common_format_gives_the_blueprints_json_line() -> None:
    out = handler(_event(COMMON), None)["records"][0]
    assert out["result"] == "Ok" and out["recordId"] == "r0"
    assert base64.b64decode(out["data"]) == (
        b'{"host":"127.0.0.1","ident":"-","authuser":"frank",'
        b'"request":"GET /apache_pb.gif HTTP/1.0","response":200,"bytes":2326,"verb":"GET",'
        b'"@timestamp":"2000-10-10T13:55:36.000Z","timezone":"-0700",'
        b'"@timestamp_utc":"2000-10-10T20:55:36.000Z"}\n'
    )


def test_combined_format_ignores_referer_and_agent() -> None:
    assert parse_line(COMBINED) == {
        "host": "66.249.75.159",
        "ident": "-",
        "authuser": "-",
        "request": "GET /robots.txt HTTP/1.1",
        "response": 200,
        "bytes": 55,
        "verb": "GET",
        "@timestamp": "2015-11-29T03:50:05.000Z",
        "timezone": "+0000",
        "@timestamp_utc": "2015-11-29T03:50:05.000Z",
    }


def test_optional_parts_follow_the_blueprint() -> None:
    no_zone = parse_line('10.0.0.1 - - [10/Oct/2000:13:55:36] "GET / HTTP/1.0" 200 1\n')
    assert no_zone is not None
    assert "timezone" not in no_zone and "@timestamp_utc" not in no_zone
    no_verb = parse_line('10.0.0.1 - - [1/Oct/2000:3:05:06 +0130] "-" 408 0')
    assert no_verb is not None and "verb" not in no_verb
    assert no_verb["@timestamp"] == "2000-10-01T03:05:06.000Z"
    assert no_verb["@timestamp_utc"] == "2000-10-01T01:35:06.000Z"
    no_date = parse_line('10.0.0.1 - - [99/Foo/2000:13:55:36 +0000] "GET / HTTP/1.0" 200 1')
    assert no_date is not None and no_date["@timestamp"] == "99/Foo/2000:13:55:36"
    assert "@timestamp_utc" not in no_date and no_date["timezone"] == "+0000"


@pytest.mark.parametrize(
    "line",
    [
        '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 304 -',
        'www.example.com - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1',
        "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,UK",
        "",
    ],
)
def test_lines_that_do_not_parse_fail_with_their_data_intact(line: str) -> None:
    out = handler(_event(line), None)["records"][0]
    assert out == {"recordId": "r0", "result": "ProcessingFailed", "data": _b64(line.encode())}


def test_log_transform_through_the_transformer() -> None:
    processing = {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [
                    {
                        "ParameterName": "LambdaArn",
                        "ParameterValue": LOG_TRANSFORM,
                    }
                ],
            }
        ],
    }
    transformer = Transformer.from_configuration(processing, STREAM, "us-east-1")
    assert transformer is not None
    lines = [COMMON, "not a log line", COMBINED]
    records = [SourceRecord(f"id{i}", (s + "\n").encode(), 10 + i) for i, s in enumerate(lines)]
    result = transformer.transform(records)
    assert [json.loads(line)["host"] for line in result.delivered] == [
        "127.0.0.1",
        "66.249.75.159",
    ]
    assert all(line.endswith(b"}\n") for line in result.delivered)
    (failed,) = result.failed
    assert failed["errorCode"] == "Lambda.ProcessingFailedStatus"
    assert base64.b64decode(failed["rawData"]) == b"not a log line\n"
    assert failed["lambdaARN"].endswith(":function:LogTransform")
