"""The delivery channels of SNS subscriptions: HTTP/S POST, email over SMTP, SMS as a log.

- `http`/`https`: a POST of the notification JSON (or, with RawMessageDelivery, the bare
  message) with SNS's `x-amz-sns-*` headers. As on SNS, an answer from 200 to 499 ends the
  delivery (4xx is logged, not retried); a 5xx, no answer within the timeout, or no connection
  is retried.
- `email`: a plain-text mail, subject = the message's Subject (else "AWS Notification Message"),
  body = the message and SNS's unsubscribe footer; `email-json`: the notification JSON as body.
- `sms`: "SMS to +15555550100: <message>" in the log, and a JSON line in a file if configured
  (the course's SMS subscription, without a phone network).
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Protocol

from cadabra.errors import CadabraError
from sinks.notify.messages import Delivery, http_headers, notification_json
from sinks.notify.settings import NotifySettings

__all__ = ["Channel", "DeliveryFailed", "EmailChannel", "HttpChannel", "SmsChannel", "channels"]

logger = logging.getLogger(__name__)

DEFAULT_SUBJECT = "AWS Notification Message"
FOOTER = (
    "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit "
    "the link below to unsubscribe:\n{url}\n\nPlease do not reply directly to this email."
)


class DeliveryFailed(CadabraError):
    """A delivery attempt failed; `retryable` says whether the delivery policy retries it."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Channel(Protocol):
    def deliver(self, delivery: Delivery) -> None: ...


class HttpChannel:
    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s

    def deliver(self, delivery: Delivery) -> None:
        raw = delivery.subscription.raw
        body = delivery.message if raw else notification_json(delivery)
        request = urllib.request.Request(  # noqa: S310 - the endpoint is http(s) by Subscribe
            delivery.subscription.endpoint,
            data=body.encode(),
            headers=http_headers(delivery),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as reply:  # noqa: S310
                reply.read()
        except urllib.error.HTTPError as exc:
            exc.close()  # the error holds the answer's open connection
            self._answered(delivery, exc.code)
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryFailed(f"no answer: {exc}", retryable=True) from exc

    @staticmethod
    def _answered(delivery: Delivery, status: int) -> None:
        if status >= 500:
            raise DeliveryFailed(f"HTTP {status}", retryable=True)
        # 4xx: SNS counts the delivery as done and does not retry it.
        logger.warning("%s answered HTTP %s", delivery.subscription.endpoint, status)


class EmailChannel:
    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings

    def deliver(self, delivery: Delivery) -> None:
        mail = self.compose(delivery)
        settings = self._settings
        try:
            with smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s
            ) as smtp:
                smtp.send_message(mail)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise DeliveryFailed(f"SMTP refused: {exc}", retryable=False) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"SMTP {exc.smtp_code}", retryable=exc.smtp_code < 500) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP failed: {exc}", retryable=True) from exc

    def compose(self, delivery: Delivery) -> EmailMessage:
        mail = EmailMessage()
        sender = delivery.topic.display_name or "AWS Notifications"
        mail["From"] = formataddr((sender, self._settings.smtp_from))
        mail["To"] = delivery.subscription.endpoint
        mail["Subject"] = delivery.notification.subject or DEFAULT_SUBJECT
        if delivery.subscription.protocol == "email-json":
            mail.set_content(notification_json(delivery))
        else:
            mail.set_content(delivery.message + FOOTER.format(url=delivery.unsubscribe_url))
        return mail


class SmsChannel:
    def __init__(self, log_path: Path | None) -> None:
        self._path = log_path
        self._lock = threading.Lock()

    def deliver(self, delivery: Delivery) -> None:
        number, message = delivery.subscription.endpoint, delivery.message
        logger.info("SMS to %s: %s", number, message)
        if self._path is None:
            return
        line = {
            "Timestamp": delivery.notification.timestamp,
            "PhoneNumber": number,
            "SenderId": delivery.topic.display_name,
            "MessageId": delivery.notification.message_id,
            "TopicArn": delivery.notification.topic_arn,
            "Message": message,
        }
        try:
            with self._lock, self._path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")
        except OSError as exc:
            raise DeliveryFailed(f"SMS log {self._path}: {exc}", retryable=True) from exc


def channels(settings: NotifySettings) -> dict[str, Channel]:
    """Protocol -> channel."""
    http = HttpChannel(settings.http_timeout_s)
    email = EmailChannel(settings)
    return {
        "http": http,
        "https": http,
        "email": email,
        "email-json": email,
        "sms": SmsChannel(settings.sms_log),
    }
