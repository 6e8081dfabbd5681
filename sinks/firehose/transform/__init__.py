"""Firehose data transformation with a Lambda processor, run in process.

`Transformer.from_configuration(ProcessingConfiguration, delivery_stream_arn, region,
source_kinesis_stream_arn)` gives the transformer of a delivery stream (None when processing is
off); `transform(records)` returns the delivered data, the processing-failed documents and the
counts. See `transformer.py` for the semantics and `functions.py` for how a LambdaArn names a
Python function.
"""

from __future__ import annotations

from sinks.firehose.transform.configuration import LambdaProcessor, lambda_processor
from sinks.firehose.transform.context import TransformContext
from sinks.firehose.transform.contract import (
    InvocationSource,
    KinesisRecordMetadata,
    SourceRecord,
)
from sinks.firehose.transform.failures import LAMBDA_ARN_MEMBER, Failure, failed_document
from sinks.firehose.transform.functions import (
    BUILTIN_FUNCTIONS,
    FunctionRef,
    TransformFunctionNotFound,
    resolve_function,
)
from sinks.firehose.transform.settings import TransformSettings
from sinks.firehose.transform.transformer import RecordOutcome, Transformer, TransformResult

__all__ = [
    "BUILTIN_FUNCTIONS",
    "LAMBDA_ARN_MEMBER",
    "Failure",
    "FunctionRef",
    "InvocationSource",
    "KinesisRecordMetadata",
    "LambdaProcessor",
    "RecordOutcome",
    "SourceRecord",
    "TransformContext",
    "TransformFunctionNotFound",
    "TransformResult",
    "TransformSettings",
    "Transformer",
    "failed_document",
    "lambda_processor",
    "resolve_function",
]
