"""agent.json parsing: AWS's defaults and ranges, errors that name the key, unknown keys ignored."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from producers.agent.cli import register
from producers.agent.clients import endpoint_url
from producers.agent.config import load_config, parse_config
from producers.agent.errors import AgentConfigError

COURSE = {
    "cloudwatch.emitMetrics": True,
    "kinesis.endpoint": "",
    "firehose.endpoint": "",
    "flows": [
        {
            "filePattern": "/var/log/cadabra/*.log",
            "kinesisStream": "CadabraOrders",
            "partitionKeyOption": "RANDOM",
            "dataProcessingOptions": [
                {"optionName": "CSVTOJSON", "customFieldNames": ["InvoiceNo", "Country"]}
            ],
        },
        {"filePattern": "/var/log/cadabra/*.log", "deliveryStream": "PurchaseLogs"},
    ],
}


def flows(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"flows": [{"filePattern": "/tmp/*.log", "kinesisStream": "s", **e} for e in entries]}


def test_course_config_takes_the_aws_agent_defaults() -> None:
    config = parse_config(COURSE)
    orders, purchases = config.flows
    assert (orders.destination_type, orders.destination) == ("kinesis", "CadabraOrders")
    assert (purchases.destination_type, purchases.destination) == ("firehose", "PurchaseLogs")
    assert orders.id == "kinesis:CadabraOrders:/var/log/cadabra/*.log"
    assert purchases.id == "fh:PurchaseLogs:/var/log/cadabra/*.log"
    assert orders.initial_position == "END_OF_FILE"
    assert (orders.max_buffer_age_ms, orders.max_buffer_size_records) == (60_000, 500)
    assert orders.max_buffer_size_bytes == 5 * 1024 * 1024
    assert purchases.max_buffer_size_bytes == 4 * 1024 * 1024
    assert (orders.retry_initial_backoff_ms, orders.retry_max_backoff_ms) == (100, 10_000)
    assert orders.truncated_record_terminator == b"\n"
    assert config.log_status_reporting_period_s == 30
    assert config.kinesis_endpoint == ""
    assert config.checkpoint_file == Path("/var/run/aws-kinesis-agent/checkpoints")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (flows({}, {"maxBufferSizeRecords": 501}), "'flows[1].maxBufferSizeRecords' value 501"),
        (flows({"maxBufferAgeMillis": 999}), "'flows[0].maxBufferAgeMillis' value 999"),
        (
            flows({"maxBufferSizeBytes": 5 * 1024 * 1024 + 1}),
            "'flows[0].maxBufferSizeBytes' value 5242881 is outside of valid range [1..5242880]",
        ),
        (flows({"initialPosition": "MIDDLE"}), "key: flows[0].initialPosition"),
        (flows({"partitionKeyOption": "HASH"}), "key: flows[0].partitionKeyOption"),
        (flows({"filePattern": ""}), "missing: flows[0].filePattern"),
        (flows({"multiLineStartPattern": "("}), "flows[0].multiLineStartPattern"),
        (flows({"skipHeaderLines": "x"}), "flows[0].skipHeaderLines"),
        (flows({"deliveryStream": "d"}), "flows[0]: give kinesisStream or deliveryStream"),
        ({"flows": [{"filePattern": "/x"}]}, "flows[0]: Required configuration value missing"),
        ({"flows": []}, "There are no flows configured"),
        ({**flows({}), "log.statusReportingPeriodSeconds": 0}, "'log.statusReportingPeriod"),
    ],
)
def test_errors_name_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(AgentConfigError) as caught:
        parse_config(raw)
    assert message in str(caught.value)


def test_firehose_limits_differ_from_kinesis() -> None:
    raw = {"flows": [{"filePattern": "/x", "deliveryStream": "d", "maxBufferSizeBytes": 4194305}]}
    with pytest.raises(AgentConfigError, match=r"flows\[0\]\.maxBufferSizeBytes"):
        parse_config(raw)


def test_numbers_and_booleans_may_be_strings_as_in_the_java_agent() -> None:
    config = parse_config({**flows({"maxBufferSizeRecords": "42"}), "log.emitMetrics": "true"})
    assert config.flows[0].max_buffer_size_records == 42
    assert config.log_emit_metrics is True


def test_unknown_keys_are_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="producers.agent.config"):
        config = parse_config({**flows({"maxBufferSizeRecord": 7}), "kinesis.endpiont": "x"})
    assert config.flows[0].max_buffer_size_records == 500
    assert "flows[0].maxBufferSizeRecord is not a Kinesis Agent setting" in caplog.text
    assert "kinesis.endpiont is not a Kinesis Agent setting" in caplog.text


def test_load_config_accepts_comments_and_reports_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "agent.json"
    path.write_text(
        '// agent\n{ /* flows */ "flows": [{"filePattern": "/a//b", "kinesisStream": "s"}]}'
    )
    assert load_config(path).flows[0].file_pattern == "/a//b"
    path.write_text("{")
    with pytest.raises(AgentConfigError, match="Failed when reading configuration file"):
        load_config(path)


def test_endpoint_values_as_agent_json_writes_them() -> None:
    assert endpoint_url("kinesis.us-east-1.amazonaws.com", None) == (
        "https://kinesis.us-east-1.amazonaws.com"
    )
    assert endpoint_url("http://127.0.0.1:4567", None) == "http://127.0.0.1:4567"
    assert endpoint_url("", "http://cadabra:4567") == "http://cadabra:4567"
    assert endpoint_url(None, None) is None


def test_cli_refuses_a_bad_config_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "agent.json"
    path.write_text(json.dumps(flows({"maxBufferSizeRecords": 501})))
    app = typer.Typer()
    register(app)
    app.command(name="noop")(lambda: None)  # two commands: `agent` stays a subcommand
    result = CliRunner().invoke(app, ["agent", "--config", str(path)])
    assert result.exit_code == 2
    assert "flows[0].maxBufferSizeRecords" in result.output
