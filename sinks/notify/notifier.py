"""The SNS notifier: reads every `sns.*` topic and delivers each message to its subscriptions.

One consumer group (`cadabra-notify`) subscribes to the topics by pattern, so topics created
later are read within `discover_interval_s`, from their first message. Each message goes to the
subscriptions its topic had when it was published (those since unsubscribed are skipped); the
deliveries run on a thread pool, each with its delivery policy's retries. Offsets are committed
once a message's deliveries are settled (delivered, refused for good, or retries exhausted), so
a notifier that stops or crashes delivers the rest again when it restarts: at-least-once, as SNS.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from confluent_kafka import Consumer, KafkaError, Message, TopicPartition

from cadabra.config import EndpointSettings, KafkaSettings
from cadabra.sns.delivery_policy import RetryPolicy
from cadabra.sns.models import Notification, SubscriptionState, TopicState, topic_name_of
from cadabra.sns.registry import TopicRegistry
from cadabra.sns.settings import SnsSettings
from cadabra.streams.clients import STREAMING_CONSUMER, client_config, consume_ready
from cadabra.streams.topics import TopicAdmin
from sinks.notify.channels import Channel, DeliveryFailed, channels
from sinks.notify.messages import Delivery
from sinks.notify.offsets import OffsetTracker, Partition
from sinks.notify.settings import NotifySettings

__all__ = ["Notifier", "NotifyStats"]

logger = logging.getLogger(__name__)


@dataclass
class NotifyStats:
    delivered: int = 0
    failed: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, delivered: int = 0, failed: int = 0, retries: int = 0) -> None:
        with self.lock:
            self.delivered += delivered
            self.failed += failed
            self.retries += retries


class Notifier:
    def __init__(
        self,
        settings: NotifySettings | None = None,
        sns: SnsSettings | None = None,
        kafka: KafkaSettings | None = None,
        channel_table: Mapping[str, Channel] | None = None,
    ) -> None:
        self.settings = settings or NotifySettings()
        self.sns = sns or SnsSettings()
        kafka = kafka or KafkaSettings()
        self.public_url = self.settings.public_url or _endpoint_url()
        self.channels = dict(channel_table or channels(self.settings))
        self.stats = NotifyStats()
        self.stop = threading.Event()
        admin = TopicAdmin(kafka.bootstrap, kafka.replication_factor)
        self.registry = TopicRegistry(kafka.bootstrap, self.sns.state_topic, admin)
        self.tracker = OffsetTracker()
        self.pool = ThreadPoolExecutor(self.settings.workers, thread_name_prefix="notify")
        self._committed: dict[Partition, int] = {}
        self._refreshed = time.monotonic()
        self.consumer = Consumer(client_config(kafka.bootstrap, **self._consumer_config()))
        self.consumer.subscribe([self.pattern], on_revoke=self._revoked)

    @property
    def pattern(self) -> str:
        """librdkafka's regex subscription to every topic under the prefix."""
        return "^" + self.sns.topic_prefix.replace(".", "\\.") + ".+"

    def _consumer_config(self) -> dict[str, object]:
        return {
            "group.id": self.settings.group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "topic.metadata.refresh.interval.ms": int(self.settings.discover_interval_s * 1000),
            "session.timeout.ms": 10_000,
            "heartbeat.interval.ms": 1_000,
            **STREAMING_CONSUMER,
        }

    # -- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None) -> None:
        """Deliver until `stop` (or `self.stop`) is set; then settle, commit and close."""
        stop = stop or self.stop
        try:
            while not stop.is_set() and not self.stop.is_set():
                self.step()
        finally:
            self.close()

    def step(self) -> None:
        """One poll: start the deliveries of what arrived, commit what is settled."""
        settings = self.settings
        if not self.tracker.wait_below(settings.max_in_flight, settings.poll_timeout_s):
            self.commit()
            return
        messages = consume_ready(self.consumer, settings.poll_records, settings.poll_timeout_s)
        if messages and time.monotonic() - self._refreshed > settings.discover_interval_s:
            self.registry.refresh()  # attribute changes (DisplayName, DeliveryPolicy) too
            self._refreshed = time.monotonic()
        for message in messages:
            error = message.error()
            if error is not None:
                # No topic under the prefix yet, or one just deleted: not worth a warning.
                quiet = error.code() in (
                    KafkaError._PARTITION_EOF,
                    KafkaError.UNKNOWN_TOPIC_OR_PART,
                )
                level = logging.DEBUG if quiet else logging.WARNING
                logger.log(level, "reading %s: %s", message.topic(), error.str())
                continue
            self._start(message)
        self.commit()

    def _start(self, message: Message) -> None:
        partition: Partition = (message.topic() or "", message.partition() or 0)
        offset = message.offset() or 0
        try:
            notification = Notification.from_json(message.value() or b"")
        except (ValueError, TypeError):
            logger.warning("%s[%s]@%s is not an SNS message; skipped", *partition, offset)
            self.tracker.start(partition, offset, 0)
            return
        deliveries = self._deliveries(notification)
        self.tracker.start(partition, offset, len(deliveries))
        for delivery in deliveries:
            future = self.pool.submit(self._deliver, delivery)
            future.add_done_callback(self._settled(partition, offset))

    def _settled(self, partition: Partition, offset: int) -> Callable[[Future[bool]], None]:
        def settle(future: Future[bool]) -> None:
            done = not future.cancelled() and future.exception() is None and future.result()
            self.tracker.settle(partition, offset, done=done)

        return settle

    def _deliveries(self, notification: Notification) -> list[Delivery]:
        topic = self._topic(notification)
        if topic is None:
            return []
        found = [topic.subscription(arn) for arn in notification.subscriptions]
        if None in found:  # subscribed or unsubscribed since this process last looked
            self.registry.refresh()
            topic = self._topic(notification) or topic
            found = [topic.subscription(arn) for arn in notification.subscriptions]
        subscriptions = [s for s in found if s is not None]
        return [Delivery(topic, s, notification, self.public_url) for s in subscriptions]

    def _topic(self, notification: Notification) -> TopicState | None:
        topic = self.registry.get(topic_name_of(notification.topic_arn), refresh=True)
        return topic if topic is not None and topic.arn == notification.topic_arn else None

    # -- one delivery -----------------------------------------------------------------------

    def _deliver(self, delivery: Delivery) -> bool:
        """Deliver with retries; True once settled, False if stopped before that."""
        subscription = delivery.subscription
        channel = self.channels.get(subscription.protocol)
        if channel is None:
            logger.warning("no channel for %s; %s skipped", subscription.protocol, subscription.arn)
            return True
        delays = [0.0, *self._delays(delivery.topic, subscription)]
        last = DeliveryFailed("not attempted", retryable=True)
        for attempt, delay in enumerate(delays):
            if attempt:
                if self.stop.wait(delay):
                    return False  # stopping: the message stays uncommitted
                self.stats.add(retries=1)
            try:
                channel.deliver(delivery)
            except DeliveryFailed as exc:
                if not exc.retryable:
                    return self._gave_up(delivery, exc, attempt + 1)
                logger.info(
                    "delivery to %s failed (%s): attempt %s of %s",
                    subscription.endpoint,
                    exc,
                    attempt + 1,
                    len(delays),
                )
                last = exc
                continue
            self.stats.add(delivered=1)
            logger.info(
                "delivered %s to %s %s",
                delivery.notification.message_id,
                subscription.protocol,
                subscription.endpoint,
            )
            return True
        return self._gave_up(delivery, last, len(delays))

    def _gave_up(self, delivery: Delivery, error: Exception, attempts: int) -> bool:
        self.stats.add(failed=1)
        logger.warning(
            "gave up delivering %s to %s %s after %s attempts: %s",
            delivery.notification.message_id,
            delivery.subscription.protocol,
            delivery.subscription.endpoint,
            attempts,
            error,
        )
        return True

    def _delays(self, topic: TopicState, subscription: SubscriptionState) -> list[float]:
        settings = self.settings
        if subscription.protocol in ("http", "https"):
            base = RetryPolicy(
                num_retries=settings.http_num_retries,
                min_delay_s=settings.http_min_delay_s,
                max_delay_s=settings.http_max_delay_s,
            )
            return RetryPolicy.for_subscription(
                topic.attributes.get("DeliveryPolicy"),
                subscription.attributes.get("DeliveryPolicy"),
                base,
            ).delays()
        return [settings.email_retry_delay_s] * settings.email_num_retries

    # -- offsets ----------------------------------------------------------------------------

    def commit(self) -> None:
        changed = {
            p: o for p, o in self.tracker.committable().items() if self._committed.get(p) != o
        }
        if not changed:
            return
        offsets = [TopicPartition(t, p, o) for (t, p), o in changed.items()]
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
        except Exception as exc:  # e.g. a rebalance in progress; the next poll commits again
            logger.warning("commit failed: %s", exc)
            return
        self._committed |= changed

    def _revoked(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Let the running deliveries end, commit them, and forget the partitions."""
        while self.tracker.in_flight() and not self.stop.is_set():
            self.tracker.wait_below(1, 1.0)
        self.commit()
        revoked = [(p.topic, p.partition) for p in partitions]
        self.tracker.forget(revoked)
        for partition in revoked:
            self._committed.pop(partition, None)

    def close(self) -> None:
        self.stop.set()  # interrupts retry waits: those messages stay uncommitted
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.commit()
        self.consumer.close()
        self.registry.close()


def _endpoint_url() -> str:
    endpoint = EndpointSettings()
    return endpoint.url or f"http://{endpoint.host}:{endpoint.port}"
