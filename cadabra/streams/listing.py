"""ListStreams, ListShards and DescribeLimits: what an account and a stream hold, page by page.

ListStreams returns at most 100 streams a call (Limit 1..10,000 is accepted and capped at 100, as
AWS does), ListShards at most 1,000 shards (MaxResults 1..10,000, capped at 1,000); each gives a
NextToken (`paging.py`) while more remain. A ListShards call with a NextToken must not also name
the stream, an ExclusiveStartShardId, a ShardFilter or a StreamCreationTimestamp: AWS answers
"NextToken and StreamName cannot be provided together." and the like (which is why boto3's
ListShards paginator fails on AWS past 1,000 shards). The token keeps the first call's ShardFilter
(`shard_filter.py`). DescribeLimits counts the account's open shards against
`StreamsSettings.shard_limit` and its on-demand streams against AWS's default quota of 50.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from cadabra.errors import InvalidArgumentException
from cadabra.streams import validation as check
from cadabra.streams.models import StreamState
from cadabra.streams.paging import PageTokens
from cadabra.streams.shard_filter import filter_shards, normalize_filter, to_ms

if TYPE_CHECKING:
    from cadabra.streams.service import StreamsService

__all__ = ["ON_DEMAND_STREAM_LIMIT", "Lister", "all_states", "open_shard_count"]

MAX_STREAMS_PAGE = 100
MAX_SHARDS_PAGE = 1000
ON_DEMAND_STREAM_LIMIT = 50


def all_states(service: StreamsService) -> list[StreamState]:
    """Every stream of the account, from a freshly read shard map."""
    service.shard_map.refresh()
    found = (service.shard_map.get(name) for name in service.shard_map.names())
    return [state for state in found if state is not None]


def open_shard_count(service: StreamsService) -> int:
    """Open shards of every stream: what the account's shard limit counts."""
    return sum(len(state.open_shards) for state in all_states(service))


class Lister:
    def __init__(self, service: StreamsService) -> None:
        self._service = service
        self.tokens = PageTokens(service.settings.iterator_secret.get_secret_value().encode())

    def list_streams(
        self,
        limit: int = 100,
        exclusive_start_stream_name: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        check.check_range(limit, "limit", 1, 10_000)
        now = self._service.clock_ms()
        after = exclusive_start_stream_name or ""
        if next_token is not None:
            _refuse_with_token(ExclusiveStartStreamName=exclusive_start_stream_name)
            after = self.tokens.read(next_token, "ListStreams", now).after
        states = [s for s in all_states(self._service) if s.name > after]
        page = states[: min(limit, MAX_STREAMS_PAGE)]
        response: dict[str, Any] = {
            "StreamNames": [state.name for state in page],
            "HasMoreStreams": len(states) > len(page),
            "StreamSummaries": [self._summary(state) for state in page],
        }
        if response["HasMoreStreams"]:
            response["NextToken"] = self.tokens.issue("ListStreams", "", page[-1].name, now)
        return response

    def _summary(self, state: StreamState) -> dict[str, Any]:
        return {
            "StreamName": state.name,
            "StreamARN": self._service.arn(state.name),
            "StreamStatus": state.status,
            "StreamModeDetails": {"StreamMode": state.stream_mode},
            "StreamCreationTimestamp": state.created_at,
        }

    def list_shards(
        self,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        max_results: int = 1000,
        exclusive_start_shard_id: str | None = None,
        next_token: str | None = None,
        shard_filter: dict[str, Any] | None = None,
        stream_creation_timestamp: datetime | float | None = None,
    ) -> dict[str, Any]:
        check.check_range(max_results, "maxResults", 1, 10_000)
        now = self._service.clock_ms()
        if next_token is not None:
            _refuse_with_token(
                StreamName=stream_name,
                StreamARN=stream_arn,
                ExclusiveStartShardId=exclusive_start_shard_id,
                ShardFilter=shard_filter,
                StreamCreationTimestamp=stream_creation_timestamp,
            )
            token = self.tokens.read(next_token, "ListShards", now)
            state = self._same_stream(token.stream, token.extra["created"], exact=True)
            after, normal = token.after, token.extra["filter"]
        else:
            state = self._service.state(self._service.stream_name(stream_name, stream_arn))
            if stream_creation_timestamp is not None:
                self._same_stream(state.name, to_ms(stream_creation_timestamp))
            after, normal = exclusive_start_shard_id or "", normalize_filter(shard_filter)
        shards = [s for s in filter_shards(state, normal, now) if s.shard_id > after]
        page = shards[: min(max_results, MAX_SHARDS_PAGE)]
        response: dict[str, Any] = {"Shards": [shard.to_aws() for shard in page]}
        if len(shards) > len(page):
            extra = {"filter": normal, "created": state.created_ms}
            response["NextToken"] = self.tokens.issue(
                "ListShards", state.name, page[-1].shard_id, now, extra
            )
        return response

    def _same_stream(self, name: str, created_ms: int, *, exact: bool = False) -> StreamState:
        """The stream, if it is the one created then, not a namesake created since (a token
        knows the millisecond, a caller's StreamCreationTimestamp the second)."""
        state = self._service.state(name)
        unit = 1 if exact else 1000
        if state.created_ms // unit != created_ms // unit:
            raise self._service.not_found(name)
        return state

    def describe_limits(self) -> dict[str, Any]:
        states = all_states(self._service)
        return {
            "ShardLimit": self._service.settings.shard_limit,
            "OpenShardCount": sum(len(state.open_shards) for state in states),
            "OnDemandStreamCount": sum(state.stream_mode == "ON_DEMAND" for state in states),
            "OnDemandStreamCountLimit": ON_DEMAND_STREAM_LIMIT,
        }


def _refuse_with_token(**members: object) -> None:
    """AWS's answer to a request naming both a NextToken and what the token already fixes."""
    for member, value in members.items():
        if value is not None:
            raise InvalidArgumentException(f"NextToken and {member} cannot be provided together.")
