"""Settings of SNS delivery (`cadabra notify run`), environment prefix `CADABRA_NOTIFY_`.

The HTTP/S retry defaults are SNS's default delivery policy (3 retries, 20 s apart, a 15 s
answer timeout); a topic's or subscription's `DeliveryPolicy` overrides them, as on AWS. Email
and SMS are retried as SNS's policy for customer-managed endpoints starts (2 retries 10 s
apart); Cadabra stops there instead of SNS's further 48 attempts over 6 hours.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["NotifySettings"]


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CADABRA_NOTIFY_")

    # Consumer group reading the sns.* topics; offsets are committed after delivery attempts.
    group_id: str = "cadabra-notify"
    poll_timeout_s: float = Field(default=0.5, gt=0)
    poll_records: int = Field(default=500, gt=0)
    # Deliveries run in parallel on this many threads.
    workers: int = Field(default=8, gt=0)
    # Messages being delivered at once at most (reading pauses beyond it).
    max_in_flight: int = Field(default=1000, gt=0)
    # How soon a newly created SNS topic is read.
    discover_interval_s: float = Field(default=2.0, gt=0)
    # SNS waits 15 s for an HTTP/S endpoint's answer.
    http_timeout_s: float = Field(default=15.0, gt=0)
    http_num_retries: int = Field(default=3, ge=0)
    http_min_delay_s: float = Field(default=20.0, ge=0)
    http_max_delay_s: float = Field(default=20.0, ge=0)
    # The SMTP server email and email-json subscriptions are delivered through.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, gt=0)
    smtp_from: str = "no-reply@sns.amazonaws.com"
    smtp_timeout_s: float = Field(default=15.0, gt=0)
    email_num_retries: int = Field(default=2, ge=0)
    email_retry_delay_s: float = Field(default=10.0, ge=0)
    # SMS deliveries are logged; also appended here as JSON lines when set.
    sms_log: Path | None = None
    # Base of the UnsubscribeURL and SigningCertURL in notifications; None = the endpoint's URL.
    public_url: str | None = None
