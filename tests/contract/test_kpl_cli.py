"""`cadabra kpl put`: lines of a file become aggregated user records in the stream."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from typer.testing import CliRunner

from cadabra.aggregation import deaggregate
from cadabra.quotas import FakeClock
from cadabra.streams import StreamsService
from producers.kpl.cli import register


def test_kpl_put_stores_every_line(
    endpoint_url: str,
    make_stream: Callable[..., str],
    streams: StreamsService,
    quota_clock: FakeClock,
    tmp_path: Path,
) -> None:
    name = make_stream(shard_count=1)
    lines = [
        f"536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,{17850 + i % 3},UK" for i in range(50)
    ]
    source = tmp_path / "orders.csv"
    source.write_text("\n".join(lines) + "\n")
    app = typer.Typer()
    register(app)

    result = CliRunner().invoke(
        app, ["kpl", "put", name, str(source), "--key-column", "6", "--endpoint-url", endpoint_url]
    )

    assert result.exit_code == 0, result.output
    assert "Stored 50 user records in 1 Kinesis records; 0 failed." in result.output
    iterator = streams.get_shard_iterator("shardId-000000000000", "TRIM_HORIZON", stream_name=name)
    (record,) = streams.get_records(iterator["ShardIterator"])["Records"]
    users = deaggregate(record["Data"], record["PartitionKey"])
    assert [u.data.decode() for u in users] == lines
    assert {u.partition_key for u in users} == {"17850", "17851", "17852"}
