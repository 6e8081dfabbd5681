"""Tags of a delivery stream: TagDeliveryStream, UntagDeliveryStream, ListTagsForDeliveryStream.

AWS's rules: at most 50 tags per delivery stream (`LimitExceededException` beyond); keys of
1..128 characters not starting with `aws:`, values of 0..256 (letters, separators, numbers and
`_ . : / = + - @ %`, checked by the model-driven validation); a key given twice in one call is
`InvalidArgumentException`. Tagging an existing key replaces its value; untagging an absent key is
not an error. ListTagsForDeliveryStream pages by key order (`Limit` 1..50, default 50).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cadabra.errors import InvalidArgumentException, LimitExceededException
from cadabra.firehose import validation as check

if TYPE_CHECKING:
    from cadabra.firehose.service import FirehoseService

__all__ = ["MAX_TAGS", "DeliveryStreamTags", "tag_dict"]

MAX_TAGS = 50


def tag_dict(tags: Sequence[Mapping[str, Any]]) -> dict[str, str | None]:
    """AWS's tag list as {key: value}; a key given twice is an InvalidArgumentException."""
    result: dict[str, str | None] = {}
    for tag in tags:
        key = tag["Key"]
        if key in result:
            raise InvalidArgumentException(f"Duplicate tag key: {key}")
        result[key] = tag.get("Value")
    return result


class DeliveryStreamTags:
    def __init__(self, service: FirehoseService) -> None:
        self._service = service

    def tag_delivery_stream(
        self, delivery_stream_name: str, tags: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        check.check_request(
            "TagDeliveryStream", {"DeliveryStreamName": delivery_stream_name, "Tags": tags}
        )
        given = tag_dict(tags)
        with self._service.lock:
            state = copy.deepcopy(self._service.state(delivery_stream_name))
            state.tags.update(given)
            if len(state.tags) > MAX_TAGS:
                raise LimitExceededException(
                    f"Firehose {state.name} would have {len(state.tags)} tags; a delivery stream "
                    f"can have at most {MAX_TAGS}."
                )
            self._service.registry.put(state)
        return {}

    def untag_delivery_stream(
        self, delivery_stream_name: str, tag_keys: Sequence[str]
    ) -> dict[str, Any]:
        check.check_request(
            "UntagDeliveryStream", {"DeliveryStreamName": delivery_stream_name, "TagKeys": tag_keys}
        )
        with self._service.lock:
            state = copy.deepcopy(self._service.state(delivery_stream_name))
            for key in tag_keys:
                state.tags.pop(key, None)
            self._service.registry.put(state)
        return {}

    def list_tags_for_delivery_stream(
        self,
        delivery_stream_name: str,
        exclusive_start_tag_key: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        check.check_request(
            "ListTagsForDeliveryStream",
            {
                "DeliveryStreamName": delivery_stream_name,
                "ExclusiveStartTagKey": exclusive_start_tag_key,
                "Limit": limit,
            },
        )
        tags = self._service.state(delivery_stream_name).tags
        keys = [key for key in sorted(tags) if key > (exclusive_start_tag_key or "")]
        page = limit or MAX_TAGS
        listed = [_tag(key, tags[key]) for key in keys[:page]]
        return {"Tags": listed, "HasMoreTags": len(keys) > page}


def _tag(key: str, value: str | None) -> dict[str, str]:
    return {"Key": key} if value is None else {"Key": key, "Value": value}
