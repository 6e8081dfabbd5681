"""A Lambda-style runner for Kinesis event sources: plain `handler(event, context)` functions
called with AWS-shaped Kinesis events, with the semantics of a Lambda event source mapping
(batching, retries, bisection, partial batch responses, on-failure destinations, checkpoints)."""

from processors.lambda_runner.context import FunctionIdentity, LambdaContext
from processors.lambda_runner.destinations import (
    FileDestination,
    KinesisDestination,
    OnFailureDestination,
    destination_from,
    invocation_record,
)
from processors.lambda_runner.errors import (
    HandlerNotFound,
    ImportModuleError,
    InvalidParameterValueException,
    LambdaError,
)
from processors.lambda_runner.events import EventSource, kinesis_event, kinesis_event_record
from processors.lambda_runner.handlers import load_handler
from processors.lambda_runner.mapping import EventSourceMapping, kinesis_client
from processors.lambda_runner.positions import PositionStore
from processors.lambda_runner.records import StreamRecord
from processors.lambda_runner.settings import LambdaSettings

__all__ = [
    "EventSource",
    "EventSourceMapping",
    "FileDestination",
    "FunctionIdentity",
    "HandlerNotFound",
    "ImportModuleError",
    "InvalidParameterValueException",
    "KinesisDestination",
    "LambdaContext",
    "LambdaError",
    "LambdaSettings",
    "OnFailureDestination",
    "PositionStore",
    "StreamRecord",
    "destination_from",
    "invocation_record",
    "kinesis_client",
    "kinesis_event",
    "kinesis_event_record",
    "load_handler",
]
