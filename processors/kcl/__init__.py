"""A KCL-style consumer (the Kinesis Client Library 2.x): leases, checkpoints, record processors.

Workers of one application share a lease table (SQLite by default) holding one lease per shard;
each worker renews its leases, takes expired ones and steals towards a fair share; each leased
shard is read (polling GetRecords through the endpoint, or Cadabra's fan-out straight from Kafka),
deaggregated (KPL) and handed to a `ShardRecordProcessor`, which checkpoints its progress.
"""

from __future__ import annotations

from processors.kcl.checkpointer import RecordProcessorCheckpointer
from processors.kcl.errors import (
    IllegalArgumentException,
    InvalidStateException,
    KclError,
    KinesisClientLibDependencyException,
    ShutdownException,
)
from processors.kcl.fan_out import FanOutRetrieval
from processors.kcl.lease import Lease
from processors.kcl.polling import PollingRetrieval
from processors.kcl.processor import ShardRecordProcessor, ShardRecordProcessorFactory
from processors.kcl.records import KinesisClientRecord
from processors.kcl.scheduler import Scheduler, Worker
from processors.kcl.sequence import ExtendedSequenceNumber
from processors.kcl.settings import KclSettings
from processors.kcl.sqlite_store import SqliteLeaseStore
from processors.kcl.store import LeaseStore

__all__ = [
    "ExtendedSequenceNumber",
    "FanOutRetrieval",
    "IllegalArgumentException",
    "InvalidStateException",
    "KclError",
    "KclSettings",
    "KinesisClientLibDependencyException",
    "KinesisClientRecord",
    "Lease",
    "LeaseStore",
    "PollingRetrieval",
    "RecordProcessorCheckpointer",
    "Scheduler",
    "ShardRecordProcessor",
    "ShardRecordProcessorFactory",
    "ShutdownException",
    "SqliteLeaseStore",
    "Worker",
]
