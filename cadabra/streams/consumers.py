"""Enhanced fan-out consumers: RegisterStreamConsumer, DescribeStreamConsumer,
ListStreamConsumers and DeregisterStreamConsumer.

A consumer is registered with one stream under a name unique in that stream; its ARN is
`<stream ARN>/consumer/<name>:<creation epoch seconds>`, so a consumer deregistered and registered
again under the same name has a new ARN, and the old one is not found. AWS's limits: 20 consumers
per stream (LimitExceededException), at most 5 in CREATING at once (LimitExceededException), a
name taken → ResourceInUseException. Consumers live in the stream's shard-map document (with their
tags) and disappear with it. ListStreamConsumers pages by NextToken (300 s) and MaxResults
(1..10,000, capped at 100, AWS's default).

AWS activates a consumer a few seconds after registering it (CREATING → ACTIVE); Cadabra has
nothing to set up, so a consumer is ACTIVE `activation_s` after its registration (default 0: at
once, and RegisterStreamConsumer already answers ACTIVE). Deregistration is immediate too (AWS
shows DELETING for a while); it ends the consumer's subscriptions.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cadabra.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from cadabra.streams import validation as check
from cadabra.streams.constraints import check_name, violation
from cadabra.streams.models import ConsumerInfo, StreamState
from cadabra.streams.paging import PageTokens
from cadabra.streams.tags import check_tags

if TYPE_CHECKING:
    from cadabra.streams.service import StreamsService

__all__ = ["MAX_CONSUMERS", "ConsumerRegistry"]

MAX_CONSUMERS = 20
MAX_CREATING = 5
MAX_PAGE = 100
_ARN = re.compile(
    r"(arn:aws[^:]*:kinesis:[^:]*:\d{12}:stream/[a-zA-Z0-9_.-]+)/consumer/([^:]+):(\d+)"
)


class ConsumerRegistry:
    def __init__(self, service: StreamsService) -> None:
        self._service = service
        self.tokens = PageTokens(service.settings.iterator_secret.get_secret_value().encode())
        # Seconds from registration to ACTIVE (AWS: a few); 0 = ACTIVE at once.
        self.activation_s = 0.0

    # -- lookups --------------------------------------------------------------------------

    def arn(self, state: StreamState, consumer: ConsumerInfo) -> str:
        stream_arn = self._service.arn(state.name)
        return f"{stream_arn}/consumer/{consumer.name}:{consumer.created_ms // 1000}"

    def status(self, consumer: ConsumerInfo) -> str:
        age_ms = self._service.clock_ms() - consumer.created_ms
        return "ACTIVE" if age_ms >= self.activation_s * 1000 else "CREATING"

    def not_found(self, consumer_arn: str) -> ResourceNotFoundException:
        return ResourceNotFoundException(
            f"Consumer {consumer_arn}, account {self._service.aws.account_id} not found."
        )

    def resolve(self, consumer_arn: str) -> tuple[StreamState, ConsumerInfo]:
        """The stream and consumer a ConsumerARN names (the same registration, not a namesake)."""
        match = _ARN.fullmatch(consumer_arn)
        if match is None:
            raise violation(
                consumer_arn,
                "consumerARN",
                "Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\\d{12}"
                ":.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+",
            )
        stream_arn, name, _ = match.groups()
        try:
            state = self._service.active_state(self._service.stream_name(None, stream_arn))
        except (ResourceNotFoundException, InvalidArgumentException):
            raise self.not_found(consumer_arn) from None
        consumer = state.consumer(name)
        if consumer is None or self.arn(state, consumer) != consumer_arn:
            raise self.not_found(consumer_arn)
        return state, consumer

    def _find(
        self, stream_arn: str | None, consumer_name: str | None, consumer_arn: str | None
    ) -> tuple[StreamState, ConsumerInfo]:
        """By ConsumerARN, or by StreamARN and ConsumerName; all three must agree if given."""
        if consumer_arn is not None:
            state, consumer = self.resolve(consumer_arn)
            named_other = consumer_name is not None and consumer_name != consumer.name
            if named_other or stream_arn not in (None, self._service.arn(state.name)):
                raise InvalidArgumentException(
                    f"ConsumerARN {consumer_arn} does not match the StreamARN and ConsumerName "
                    "given with it."
                )
            return state, consumer
        if stream_arn is None or consumer_name is None:
            raise InvalidArgumentException(
                "Either ConsumerARN, or StreamARN and ConsumerName, must be provided."
            )
        state = self._service.active_state(self._service.stream_name(None, stream_arn))
        named = state.consumer(consumer_name)
        if named is None:
            raise self.not_found(f"{stream_arn}/consumer/{consumer_name}")
        return state, named

    def _document(self, state: StreamState, consumer: ConsumerInfo) -> dict[str, Any]:
        return {
            "ConsumerName": consumer.name,
            "ConsumerARN": self.arn(state, consumer),
            "ConsumerStatus": self.status(consumer),
            "ConsumerCreationTimestamp": consumer.created_at,
        }

    # -- operations -----------------------------------------------------------------------

    def register_stream_consumer(
        self, stream_arn: str, consumer_name: str, tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        check_name(consumer_name, "consumerName")
        if tags is not None:
            check_tags(tags)
        name = self._service.stream_name(None, stream_arn)
        with self._service._lock:
            state = self._service.active_state(name).copy()
            self._check_room(state, consumer_name)
            consumer = ConsumerInfo(consumer_name, self._service.clock_ms(), dict(tags or {}))
            state.consumers.append(consumer)
            self._service.shard_map.put(state)
        return {"Consumer": self._document(state, consumer)}

    def _check_room(self, state: StreamState, consumer_name: str) -> None:
        if state.consumer(consumer_name) is not None:
            raise ResourceInUseException(
                f"Consumer {consumer_name} under stream {state.name} already exists for account "
                f"{self._service.aws.account_id}."
            )
        if len(state.consumers) >= MAX_CONSUMERS:
            raise LimitExceededException(
                f"Stream {state.name} under account {self._service.aws.account_id} already has "
                f"{MAX_CONSUMERS} registered consumers, the limit per stream."
            )
        if sum(self.status(c) == "CREATING" for c in state.consumers) >= MAX_CREATING:
            raise LimitExceededException(
                f"Stream {state.name} under account {self._service.aws.account_id} already has "
                f"{MAX_CREATING} consumers in CREATING status; wait until they are ACTIVE."
            )

    def describe_stream_consumer(
        self,
        stream_arn: str | None = None,
        consumer_name: str | None = None,
        consumer_arn: str | None = None,
    ) -> dict[str, Any]:
        state, consumer = self._find(stream_arn, consumer_name, consumer_arn)
        description = self._document(state, consumer)
        description["StreamARN"] = self._service.arn(state.name)
        return {"ConsumerDescription": description}

    def list_stream_consumers(
        self,
        stream_arn: str,
        next_token: str | None = None,
        max_results: int = MAX_PAGE,
        stream_creation_timestamp: datetime | float | None = None,
    ) -> dict[str, Any]:
        check.check_range(max_results, "maxResults", 1, 10_000)
        name, now = self._service.stream_name(None, stream_arn), self._service.clock_ms()
        after = ""
        if next_token is not None:
            if stream_creation_timestamp is not None:
                raise InvalidArgumentException(
                    "NextToken and StreamCreationTimestamp cannot be provided together."
                )
            page_token = self.tokens.read(next_token, "ListStreamConsumers", now)
            if page_token.stream != name:
                raise InvalidArgumentException("NextToken was issued for another stream.")
            after = page_token.after
        state = self._service.active_state(name)
        ordered = sorted(state.consumers, key=_order)
        rest = [c for c in ordered if _order(c) > after]
        page = rest[: min(max_results, MAX_PAGE)]
        response: dict[str, Any] = {"Consumers": [self._document(state, c) for c in page]}
        if len(rest) > len(page):
            response["NextToken"] = self.tokens.issue(
                "ListStreamConsumers", name, _order(page[-1]), now
            )
        return response

    def deregister_stream_consumer(
        self,
        stream_arn: str | None = None,
        consumer_name: str | None = None,
        consumer_arn: str | None = None,
    ) -> dict[str, Any]:
        with self._service._lock:
            state, consumer = self._find(stream_arn, consumer_name, consumer_arn)
            arn = self.arn(state, consumer)
            state = state.copy()
            state.consumers = [c for c in state.consumers if c.name != consumer.name]
            self._service.shard_map.put(state)
        self._service.fan_out.forget(arn)
        return {}


def _order(consumer: ConsumerInfo) -> str:
    """Registration order, as a string a token can hold (zero-padded ms, then the name)."""
    return f"{consumer.created_ms:020d}|{consumer.name}"
