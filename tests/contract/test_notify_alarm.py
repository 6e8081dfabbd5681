"""Pipeline 4's tail: OrderRateAlarms → the course's alarm Lambda → SNS CadabraAlarms → SMS.

The Lambda runs unchanged under the Lambda runner (and its CLI), publishes through boto3 to
the endpoint's SNS, and the notifier logs the SMS of the topic's subscription.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cadabra.config import KafkaSettings, QuotaSettings
from cadabra.endpoint.app import EndpointApp
from cadabra.endpoint.server import KINESIS_PREFIX, kinesis_service
from cadabra.endpoint.testing import serve_in_thread
from cadabra.quotas import QuotaRegistry
from cadabra.sns import SnsService, SnsSettings
from cadabra.sns.query import sns_query_service
from cadabra.sns.testing import sns_client
from cadabra.stack.net import free_port_block
from cadabra.streams import StreamsService
from processors.lambda_runner import EventSourceMapping, LambdaSettings
from processors.lambda_runner.examples import transaction_rate_alarm
from sinks.notify.notifier import Notifier
from sinks.notify.settings import NotifySettings
from sinks.notify.testing import wait_until

PREFIX = f"snsa{uuid.uuid4().hex[:8]}."
ALARM = "Investigate sudden surge in orders"


@pytest.fixture(scope="module")
def kafka(stack: Any) -> KafkaSettings:
    return KafkaSettings(bootstrap=stack.kafka_bootstrap)


@pytest.fixture(scope="module")
def sns_service(kafka: KafkaSettings) -> Iterator[SnsService]:
    service = SnsService(kafka, SnsSettings(topic_prefix=PREFIX))
    yield service
    service.close()


@pytest.fixture(scope="module")
def both_url(streams_service: StreamsService, sns_service: SnsService) -> Iterator[str]:
    """One endpoint serving Kinesis (JSON protocol) and SNS (query protocol), as a stack's."""
    app = EndpointApp(
        {KINESIS_PREFIX: kinesis_service(streams_service)},
        query_services=[sns_query_service(sns_service)],
    )
    with serve_in_thread(app, free_port_block(1)) as url:
        yield url
    app.close()


@pytest.fixture
def alarms_topic(both_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    sns = sns_client(both_url)
    arn: str = sns.create_topic(
        Name=f"CadabraAlarms-{uuid.uuid4().hex[:8]}", Attributes={"DisplayName": "Cadabra"}
    )["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+15555550100")
    monkeypatch.setenv("CADABRA_ALARM_TOPIC_ARN", arn)
    yield arn
    sns.delete_topic(TopicArn=arn)


@pytest.fixture
def sms_log(kafka: KafkaSettings, tmp_path: Path) -> Iterator[Path]:
    """A running notifier writing the SMS it sends to the returned JSON-lines file."""
    path = tmp_path / "sms.jsonl"
    path.touch()
    settings = NotifySettings(
        group_id=f"alarm-test-{uuid.uuid4().hex[:8]}",
        poll_timeout_s=0.1,
        discover_interval_s=0.5,
        sms_log=path,
    )
    notifier = Notifier(settings, SnsSettings(topic_prefix=PREFIX), kafka)
    thread = threading.Thread(target=notifier.run, daemon=True)
    thread.start()
    yield path
    notifier.stop.set()
    thread.join(timeout=30)


@pytest.fixture
def no_quotas(streams: StreamsService) -> None:
    """Polling consumers share 5 GetRecords/s per shard; the quota clock here is frozen."""
    streams.quotas = QuotaRegistry(QuotaSettings(enabled=False))


def _sms(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _put_alarm_rows(kinesis: Any, stream: str, count: int) -> None:
    records = [
        {
            "Data": json.dumps({"ORDER_COUNT": 10 + i, "TRIGGER_COUNT": 1}).encode(),
            "PartitionKey": "k",
        }
        for i in range(count)
    ]
    assert kinesis.put_records(StreamName=stream, Records=records)["FailedRecordCount"] == 0


def test_alarm_lambda_publishes_one_sms_per_invocation(
    kinesis: Any,
    both_url: str,
    make_stream: Callable[..., str],
    alarms_topic: str,
    sms_log: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_quotas: None,
) -> None:
    monkeypatch.setattr(transaction_rate_alarm, "CLIENT", sns_client(both_url))
    stream = make_stream(shard_count=1)
    _put_alarm_rows(kinesis, stream, 5)
    settings = LambdaSettings(
        function_name="TransactionRateAlarm",
        positions_path=tmp_path / "positions.sqlite",
        batch_size=2,
        poll_interval_s=0.05,
    )
    handler = transaction_rate_alarm.lambda_handler
    mapping = EventSourceMapping(stream, handler, settings, client=kinesis)
    assert mapping.run_until(lambda: mapping.stats.records_processed >= 5, timeout_s=30)
    invocations = mapping.stats.invocations
    assert invocations >= 3  # batches of at most 2 of the 5 rows
    assert capsys.readouterr().out.count("Successfully delivered alarm message") == invocations
    assert wait_until(lambda: len(_sms(sms_log)) == invocations)
    for sms in _sms(sms_log):
        assert (sms["PhoneNumber"], sms["Message"], sms["TopicArn"]) == (
            "+15555550100",
            ALARM,
            alarms_topic,
        )


def test_alarm_lambda_reports_a_delivery_failure(
    both_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(transaction_rate_alarm, "CLIENT", sns_client(both_url))
    monkeypatch.setenv("CADABRA_ALARM_TOPIC_ARN", "arn:aws:sns:us-east-1:000000000000:NoSuchTopic")
    transaction_rate_alarm.lambda_handler({"Records": []}, None)
    assert capsys.readouterr().out.strip() == "Delivery failure"


def test_cli_runs_the_alarm_lambda_against_the_endpoint(
    kinesis: Any,
    both_url: str,
    make_stream: Callable[..., str],
    alarms_topic: str,
    sms_log: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_quotas: None,
) -> None:
    from processors.lambda_runner.cli import register

    # The function's own client, built from CADABRA_ENDPOINT_URL as on a stack.
    monkeypatch.setenv("CADABRA_ENDPOINT_URL", both_url)
    monkeypatch.setattr(transaction_rate_alarm, "_default_client", None)
    stream = make_stream(shard_count=1)
    _put_alarm_rows(kinesis, stream, 3)
    app = typer.Typer()
    app.command()(lambda: None)  # a second command keeps `lambda` a subcommand group
    register(app)
    monkeypatch.chdir(tmp_path)
    handler = "processors.lambda_runner.examples.transaction_rate_alarm:lambda_handler"
    args = ["lambda", "run", handler, "--stream", stream, "--endpoint-url", both_url]
    args += ["--poll-interval", "0.05", "--records", "3", "--duration", "60"]
    args += ["--positions", str(tmp_path / "p.sqlite")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    match = re.search(r"3 records in (\d+) invocations, 0 errors", result.output)
    assert match, result.output
    assert wait_until(lambda: len(_sms(sms_log)) == int(match.group(1)))
    assert transaction_rate_alarm._default_client is not None
