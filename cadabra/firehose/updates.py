"""UpdateDestination: change a delivery stream's S3 destination under optimistic concurrency.

AWS's semantics: the caller names the version it read (`CurrentDeliveryStreamVersionId`); if the
stream moved on since, `ConcurrentModificationException`. The only destination is
`destinationId-000000000001` (another id is `InvalidArgumentException`). An
`ExtendedS3DestinationUpdate` or `S3DestinationUpdate` is merged into the destination (members it
names replace the old ones; BufferingHints, CloudWatchLoggingOptions and the backup configuration
merge member by member), the result must satisfy the same rules as at creation, and `VersionId`
goes up by one. Data keeps flowing: records are never held back by an update.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cadabra.errors import ConcurrentModificationException, InvalidArgumentException
from cadabra.firehose import validation as check
from cadabra.firehose.destination import (
    DESTINATION_ID,
    check_destination,
    merged,
    one_destination,
)

if TYPE_CHECKING:
    from cadabra.firehose.service import FirehoseService

__all__ = ["DestinationUpdates"]


class DestinationUpdates:
    def __init__(self, service: FirehoseService) -> None:
        self._service = service

    def update_destination(
        self,
        delivery_stream_name: str,
        current_delivery_stream_version_id: str,
        destination_id: str,
        extended_s3_destination_update: Mapping[str, Any] | None = None,
        s3_destination_update: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        check.check_request(
            "UpdateDestination",
            {
                "DeliveryStreamName": delivery_stream_name,
                "CurrentDeliveryStreamVersionId": current_delivery_stream_version_id,
                "DestinationId": destination_id,
                "ExtendedS3DestinationUpdate": extended_s3_destination_update,
                "S3DestinationUpdate": s3_destination_update,
            },
        )
        update = one_destination(extended_s3_destination_update, s3_destination_update, "Update")
        with self._service.lock:
            state = copy.deepcopy(self._service.active_state(delivery_stream_name))
            if current_delivery_stream_version_id != state.version_id:
                raise ConcurrentModificationException(
                    f"Cannot update firehose: {state.name} since the current version id: "
                    f"{state.version_id} and specified version id: "
                    f"{current_delivery_stream_version_id} do not match"
                )
            if destination_id != DESTINATION_ID:
                raise InvalidArgumentException(f"Destination Id {destination_id} not found")
            state.destination = merged(state.destination, update)
            check_destination(state.destination)
            state.version += 1
            state.updated_ms = self._service.clock_ms()
            self._service.registry.put(state)
        return {}
