"""The Kinesis Agent against the real endpoint: the course's agent.json, partition keys, throttling.

The agent talks to an endpoint serving the session's Kinesis and Firehose services over HTTP with
boto3, exactly as it would talk to AWS; what arrived is read back from the streams.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cadabra.config import QuotaSettings
from cadabra.quotas import FakeClock, QuotaRegistry
from cadabra.streams import StreamsService
from producers.agent.agent import Agent
from producers.agent.config import parse_config
from producers.agent.settings import AgentSettings

COURSE_CONFIG = """
{ "cloudwatch.emitMetrics": true, "kinesis.endpoint": "", "firehose.endpoint": "",
  "flows": [
    { "filePattern": "/var/log/cadabra/*.log", "kinesisStream": "CadabraOrders",
      "partitionKeyOption": "RANDOM",
      "dataProcessingOptions": [ { "optionName": "CSVTOJSON",
        "customFieldNames": ["InvoiceNo","StockCode","Description","Quantity","InvoiceDate",
                             "UnitPrice","Customer","Country"] } ] },
    { "filePattern": "/var/log/cadabra/*.log", "deliveryStream": "PurchaseLogs" } ] }
"""


@pytest.fixture(scope="module")
def agent_url(streams_service: StreamsService, firehose_service: Any) -> Iterator[str]:
    """One endpoint serving Kinesis and Firehose, as `cadabra endpoint` does."""
    from cadabra.endpoint.app import EndpointApp, Service
    from cadabra.endpoint.firehose_ops import firehose_operations
    from cadabra.endpoint.server import FIREHOSE_PREFIX, KINESIS_PREFIX, kinesis_service
    from cadabra.endpoint.testing import serve_in_thread
    from cadabra.stack.net import free_port_block

    app = EndpointApp(
        {
            KINESIS_PREFIX: kinesis_service(streams_service),
            FIREHOSE_PREFIX: Service("firehose", firehose_operations(firehose_service)),
        }
    )
    with serve_in_thread(app, free_port_block(1)) as url:
        yield url
    app.close()


def read_stream(streams: StreamsService, name: str) -> list[dict[str, Any]]:
    """Every record of every shard, from TRIM_HORIZON to the tip."""
    records: list[dict[str, Any]] = []
    for shard in streams.list_shards(stream_name=name)["Shards"]:
        iterator = streams.get_shard_iterator(shard["ShardId"], "TRIM_HORIZON", stream_name=name)
        iterator = iterator["ShardIterator"]
        while iterator:
            page = streams.get_records(iterator)
            records += page["Records"]
            if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                break
            iterator = page.get("NextShardIterator")
    return records


def wait_for(condition: Callable[[], bool], timeout_s: float, step: Callable[[], None]) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        step()
    return True


def flow(tmp_path: Path, url: str, **keys: object) -> dict[str, Any]:
    return {
        "kinesis.endpoint": url,
        "checkpointFile": str(tmp_path / "checkpoints"),
        "flows": [
            {
                "filePattern": str(tmp_path / "logs" / "*.log"),
                "initialPosition": "START_OF_FILE",
                "maxBufferAgeMillis": 1000,
                **keys,
            }
        ],
    }


def csv_lines(count: int) -> list[str]:
    """LogGenerator-style rows: csv.writer with \\r\\n endings."""
    return [
        f"5363{i:02d},85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,"
        f"{17850 + i},United Kingdom\r\n"
        for i in range(count)
    ]


def test_course_config_as_written_ships_csv_as_json_and_raw(
    tmp_path: Path, agent_url: str, streams: StreamsService, make_stream: Callable[..., str],
    firehose: Any, make: Any,
) -> None:  # fmt: skip
    from cadabra.firehose.testing import read_records

    stream, delivery = make_stream(1), make()
    text = (
        COURSE_CONFIG.replace("/var/log/cadabra", str(tmp_path / "cadabra"))
        .replace("CadabraOrders", stream)
        .replace("PurchaseLogs", delivery)
    )
    raw = json.loads(text)
    raw["checkpointFile"] = str(tmp_path / "checkpoints")  # /var/run is not ours to write
    (tmp_path / "cadabra").mkdir()
    agent = Agent(parse_config(raw), AgentSettings(endpoint_url=agent_url))
    agent.start()
    try:  # the default END_OF_FILE: LogGenerator's new per-run file is read from its start
        lines = csv_lines(20)
        (tmp_path / "cadabra" / "20190204-183012.log").write_text("".join(lines), newline="")
        assert wait_for(lambda: agent.metrics.records_parsed == 40, 20, lambda: time.sleep(0.05))
    finally:
        agent.stop()  # flushes: the course config keeps the 60 s maxBufferAgeMillis
    orders = [json.loads(r["Data"]) for r in read_stream(streams, stream)]
    assert [o["Customer"] for o in orders] == [str(17850 + i) for i in range(20)]
    assert orders[0]["Country"] == "United Kingdom\r"  # why the course's consumers rstrip()
    assert set(orders[0]) == {
        "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
        "Customer", "Country",
    }  # fmt: skip
    purchases = read_records(firehose, delivery, 20)
    assert [p.value.decode() for p in purchases] == lines  # raw, \r\n kept


@pytest.mark.parametrize("option", ["RANDOM", "DETERMINISTIC"])
def test_partition_keys_as_the_aws_agent_makes_them(
    tmp_path: Path, agent_url: str, streams: StreamsService, make_stream: Callable[..., str],
    option: str,
) -> None:  # fmt: skip
    stream = make_stream(2)
    (tmp_path / "logs").mkdir()
    lines = [f"line {i}\n" for i in range(50)] + ["same\n", "same\n"]
    (tmp_path / "logs" / "a.log").write_text("".join(lines))
    agent = Agent(
        parse_config(flow(tmp_path, agent_url, kinesisStream=stream, partitionKeyOption=option))
    )
    assert agent.run_until(lambda: agent.metrics.records_sent == len(lines), 20)
    records = read_stream(streams, stream)
    assert Counter(r["Data"].decode() for r in records) == Counter(lines)
    keys = {r["Data"].decode(): r["PartitionKey"] for r in records}
    if option == "DETERMINISTIC":
        assert all(
            key == hashlib.md5(d.encode(), usedforsecurity=False).hexdigest()
            for d, key in keys.items()
        )
        assert len({r["PartitionKey"] for r in records}) == 51  # equal data, equal key
    else:
        values = [float(r["PartitionKey"]) for r in records]
        assert all(0 <= v < 1_000_000 for v in values)
        assert len(set(values)) == len(records)


def test_only_throttled_entries_are_retried_until_all_arrive(
    tmp_path: Path, agent_url: str, streams: StreamsService, make_stream: Callable[..., str],
    quota_clock: FakeClock,
) -> None:  # fmt: skip
    stream = make_stream(1)
    (tmp_path / "logs").mkdir()
    lines = [f"order {i:05d}\n" for i in range(2_600)]  # 2.6 s of one shard's 1,000 records/s
    (tmp_path / "logs" / "a.log").write_text("".join(lines))
    config = flow(
        tmp_path, agent_url, kinesisStream=stream,
        retryInitialBackoffMillis=20, retryMaxBackoffMillis=100,
    )  # fmt: skip
    agent = Agent(parse_config(config))
    agent.start()
    try:
        # The quota clock is frozen: nothing past the first 1,000 records goes in until the test
        # moves it; the agent meanwhile retries only what failed.
        assert wait_for(lambda: agent.metrics.records_sent == 1_000, 20, lambda: time.sleep(0.05))
        time.sleep(0.3)
        assert agent.metrics.records_sent == 1_000
        assert wait_for(
            lambda: agent.metrics.records_sent == len(lines), 60,
            lambda: (quota_clock.advance(1), time.sleep(0.3)),
        )  # fmt: skip
    finally:
        agent.stop()
    label = f"KinesisStream:{stream}"
    errors = agent.metrics.sample("RecordSendErrors", Destination=label)
    attempts = agent.metrics.sample("RecordSendAttempts", Destination=label)
    assert errors > 0
    assert attempts == len(lines) + errors  # each failed entry was sent again, nothing else
    streams.quotas = QuotaRegistry(QuotaSettings(enabled=False))
    assert [r["Data"].decode() for r in read_stream(streams, stream)] == lines


def test_an_unknown_stream_is_retried_not_dropped(
    tmp_path: Path, agent_url: str, streams: StreamsService
) -> None:
    name = f"test-{uuid.uuid4().hex[:12]}"
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.log").write_text("early\n")
    config = flow(tmp_path, agent_url, kinesisStream=name, retryMaxBackoffMillis=200)
    agent = Agent(parse_config(config))
    agent.start()
    try:
        label = f"KinesisStream:{name}"
        assert wait_for(
            lambda: agent.metrics.sample("ServiceErrors", Destination=label) > 0, 20,
            lambda: time.sleep(0.05),
        )  # fmt: skip
        streams.create_stream(name, 1)
        assert wait_for(lambda: agent.metrics.records_sent == 1, 30, lambda: time.sleep(0.05))
    finally:
        agent.stop()
        streams.delete_stream(stream_name=name)


def test_records_accepted_before_a_crash_are_found_and_not_sent_again(
    tmp_path: Path, agent_url: str, streams: StreamsService, make_stream: Callable[..., str],
    kinesis: Any,
) -> None:  # fmt: skip
    from producers.agent.checkpoints import CheckpointStore, InflightRecord
    from producers.agent.reconcile import digest

    stream = make_stream(1)
    (tmp_path / "logs").mkdir()
    log = tmp_path / "logs" / "a.log"
    lines = [f"order {i}\n".encode() for i in range(10)]
    log.write_bytes(b"".join(lines))
    config = parse_config(flow(tmp_path, agent_url, kinesisStream=stream))
    info = log.stat()
    # A crashed agent's state: all ten records in flight, no answer recorded; the stream got six.
    store = CheckpointStore(config.checkpoint_file)
    offsets = [sum(len(line) for line in lines[:i]) for i in range(11)]
    now_ms = int(time.time() * 1000)
    store.begin_batch(
        config.flows[0].id,
        [
            InflightRecord(f"{info.st_dev}:{info.st_ino}", offsets[i], offsets[i + 1], False,
                           f"{1000 + i}.5", digest(line), now_ms)
            for i, line in enumerate(lines)
        ],
    )  # fmt: skip
    store.close()
    kinesis.put_records(
        StreamName=stream,
        Records=[{"Data": lines[i], "PartitionKey": f"{1000 + i}.5"} for i in range(6)],
    )
    agent = Agent(config)
    assert agent.run_until(lambda: agent.metrics.records_sent == 4, 20)
    assert agent.metrics.records_sent == 4  # stopped and flushed: the six were not sent again
    assert Counter(r["Data"] for r in read_stream(streams, stream)) == Counter(lines)
