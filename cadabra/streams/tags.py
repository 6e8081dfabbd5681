"""Tags of streams and enhanced fan-out consumers: AddTagsToStream, ListTagsForStream,
RemoveTagsFromStream, and the newer TagResource, ListTagsForResource and UntagResource (by ARN).

AWS's rules: at most 50 tags per resource; a request that would leave more is refused with
InvalidArgumentException ("... cannot have more than 50 tags associated with it."), and nothing
changes. Keys are 1-128 characters, values 0-256 (ValidationException, the model's constraints);
both may hold only Unicode letters, digits, white space and `_ . / = + - @ :`
(InvalidArgumentException). Adding an existing key overwrites its value; removing a missing key is
ignored. ListTagsForStream returns tags in key order after `ExclusiveStartTagKey`, `Limit` (1-50)
at a time, with `HasMoreTags`; AWS documents no default Limit, Cadabra's is 50 (every tag).
Tags live in the stream's shard-map document, so every process of a stack sees them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cadabra.errors import InvalidArgumentException, ValidationException
from cadabra.streams import validation as check
from cadabra.streams.constraints import violation
from cadabra.streams.models import StreamState

if TYPE_CHECKING:
    from cadabra.streams.service import StreamsService

__all__ = ["MAX_TAGS", "Tagger", "check_tags"]

MAX_TAGS = 50
_SYMBOLS = frozenset("_./=+-@: ")
_CHARACTERS = (
    "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white "
    "space, _ . / = + - @ :."
)

TagEdit = Callable[[dict[str, str]], None]


def _adding(tags: Mapping[str, str]) -> TagEdit:
    return lambda current: current.update(tags)


def _removing(keys: Sequence[str]) -> TagEdit:
    def remove(current: dict[str, str]) -> None:
        for key in keys:
            current.pop(key, None)

    return remove


def _valid_text(text: str) -> bool:
    return all(c.isalnum() or c.isspace() or c in _SYMBOLS for c in text)


def check_tags(tags: Mapping[str, str], field: str = "tags") -> None:
    """The model's constraints on a TagMap (1-200 entries, keys 1-128, values 0-256)."""
    if not 1 <= len(tags) <= 200:
        bound = "greater than or equal to 1" if not tags else "less than or equal to 200"
        raise violation(f"[{len(tags)} tags]", field, f"Member must have length {bound}")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            raise violation(
                key,
                field,
                "Map keys must satisfy constraint: [Member must have length less than or equal "
                "to 128, Member must have length greater than or equal to 1]",
            )
        if len(value) > 256:
            raise violation(
                value,
                field,
                "Map value must satisfy constraint: [Member must have length less than or equal "
                "to 256, Member must have length greater than or equal to 0]",
            )
        if not (_valid_text(key) and _valid_text(value)):
            raise InvalidArgumentException(_CHARACTERS)


def _check_keys(keys: Sequence[str]) -> None:
    if not 1 <= len(keys) <= MAX_TAGS:
        bound = "greater than or equal to 1" if not keys else f"less than or equal to {MAX_TAGS}"
        raise violation(f"[{len(keys)} keys]", "tagKeys", f"Member must have length {bound}")
    if not all(1 <= len(key) <= 128 and _valid_text(key) for key in keys):
        raise InvalidArgumentException(_CHARACTERS)


class Tagger:
    def __init__(self, service: StreamsService) -> None:
        self._service = service

    # -- streams --------------------------------------------------------------------------

    def add_tags_to_stream(
        self, tags: dict[str, str], stream_name: str | None = None, stream_arn: str | None = None
    ) -> dict[str, Any]:
        check_tags(tags)
        name = self._service.stream_name(stream_name, stream_arn)
        self._edit(name, None, _adding(tags))
        return {}

    def list_tags_for_stream(
        self,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        exclusive_start_tag_key: str | None = None,
        limit: int = MAX_TAGS,
    ) -> dict[str, Any]:
        check.check_range(limit, "limit", 1, MAX_TAGS)
        state = self._service.active_state(self._service.stream_name(stream_name, stream_arn))
        after = exclusive_start_tag_key or ""
        keys = sorted(key for key in state.tags if key > after)
        return {
            "Tags": [{"Key": key, "Value": state.tags[key]} for key in keys[:limit]],
            "HasMoreTags": len(keys) > limit,
        }

    def remove_tags_from_stream(
        self, tag_keys: list[str], stream_name: str | None = None, stream_arn: str | None = None
    ) -> dict[str, Any]:
        _check_keys(tag_keys)
        name = self._service.stream_name(stream_name, stream_arn)
        self._edit(name, None, _removing(tag_keys))
        return {}

    # -- any resource by ARN: a stream or a consumer ---------------------------------------

    def tag_resource(self, tags: dict[str, str], resource_arn: str) -> dict[str, Any]:
        check_tags(tags)
        self._edit(*self._resource(resource_arn), _adding(tags))
        return {}

    def list_tags_for_resource(self, resource_arn: str) -> dict[str, Any]:
        name, consumer = self._resource(resource_arn)
        tags = self._tags_of(self._service.active_state(name), consumer)
        return {"Tags": [{"Key": key, "Value": tags[key]} for key in sorted(tags)]}

    def untag_resource(self, tag_keys: list[str], resource_arn: str) -> dict[str, Any]:
        _check_keys(tag_keys)
        self._edit(*self._resource(resource_arn), _removing(tag_keys))
        return {}

    def _resource(self, resource_arn: str) -> tuple[str, str | None]:
        """(stream name, consumer name or None) of a stream or consumer ARN of this account."""
        if "/consumer/" in resource_arn:
            state, consumer = self._service.consumers.resolve(resource_arn)
            return state.name, consumer.name
        if ":stream/" not in resource_arn:
            raise ValidationException(
                f"1 validation error detected: Value '{resource_arn}' at 'resourceARN' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern: "
                "arn:aws.*:kinesis:.*:\\d{12}:.*(stream|channel|queue)/\\S+"
            )
        return self._service.stream_name(None, resource_arn), None

    def _tags_of(self, state: StreamState, consumer: str | None) -> dict[str, str]:
        if consumer is None:
            return state.tags
        found = state.consumer(consumer)
        if found is None:
            stream_arn = self._service.arn(state.name)
            raise self._service.consumers.not_found(f"{stream_arn}/consumer/{consumer}")
        return found.tags

    def _edit(self, name: str, consumer: str | None, change: TagEdit) -> None:
        """Apply `change` to the resource's tags and write the stream state back, unless the
        result would hold more than 50 tags."""
        with self._service._lock:
            state = self._service.active_state(name).copy()
            tags = self._tags_of(state, consumer)
            change(tags)
            if len(tags) > MAX_TAGS:
                what = f"stream {name}" if consumer is None else f"consumer {consumer}"
                raise InvalidArgumentException(
                    f"Failed to add tags to {what} under account {self._service.aws.account_id} "
                    f"because a given {what.split()[0]} cannot have more than {MAX_TAGS} tags "
                    "associated with it."
                )
            self._service.shard_map.put(state)
