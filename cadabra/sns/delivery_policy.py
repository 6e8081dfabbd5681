"""SNS's HTTP/S delivery policy: how often and how far apart a failed delivery is retried.

A retry policy has four phases after the first attempt: `numNoDelayRetries` immediate retries,
`numMinDelayRetries` retries `minDelayTarget` seconds apart, a backoff phase from
`minDelayTarget` to `maxDelayTarget` by `backoffFunction`, and `numMaxDelayRetries` retries
`maxDelayTarget` apart; `numRetries` counts them all. AWS's default for HTTP/S is 3 retries
20 s apart (numRetries 3, min = max = 20 s, linear). A subscription's `DeliveryPolicy`
(`healthyRetryPolicy`) overrides its topic's (`http.defaultHealthyRetryPolicy`) unless the topic
sets `disableSubscriptionOverrides`. AWS does not publish the backoff curves; linear and
exponential interpolate between the two delays, arithmetic and geometric approximate them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_HEALTHY_RETRY_POLICY", "RetryPolicy", "effective_delivery_policy"]

DEFAULT_HEALTHY_RETRY_POLICY: dict[str, Any] = {
    "minDelayTarget": 20,
    "maxDelayTarget": 20,
    "numRetries": 3,
    "numMaxDelayRetries": 0,
    "numNoDelayRetries": 0,
    "numMinDelayRetries": 0,
    "backoffFunction": "linear",
}


def effective_delivery_policy(topic_policy: str | None) -> str:
    """The topic's EffectiveDeliveryPolicy attribute: its own, over AWS's HTTP default."""
    http: dict[str, Any] = {
        "defaultHealthyRetryPolicy": dict(DEFAULT_HEALTHY_RETRY_POLICY),
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }
    own = _document(topic_policy).get("http", {})
    if isinstance(own, dict):
        http.update({k: v for k, v in own.items() if k != "defaultHealthyRetryPolicy"})
        http["defaultHealthyRetryPolicy"].update(own.get("defaultHealthyRetryPolicy") or {})
    return json.dumps({"http": http}, separators=(",", ":"))


def _document(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class RetryPolicy:
    num_retries: int = 3
    min_delay_s: float = 20.0
    max_delay_s: float = 20.0
    num_no_delay_retries: int = 0
    num_min_delay_retries: int = 0
    num_max_delay_retries: int = 0
    backoff_function: str = "linear"

    @classmethod
    def from_document(cls, document: Mapping[str, Any], base: RetryPolicy) -> RetryPolicy:
        """A healthyRetryPolicy document; fields it leaves out come from `base`."""

        def number(key: str, default: float) -> float:
            value = document.get(key)
            return float(value) if isinstance(value, int | float) else default

        return cls(
            num_retries=int(number("numRetries", base.num_retries)),
            min_delay_s=number("minDelayTarget", base.min_delay_s),
            max_delay_s=number("maxDelayTarget", base.max_delay_s),
            num_no_delay_retries=int(number("numNoDelayRetries", base.num_no_delay_retries)),
            num_min_delay_retries=int(number("numMinDelayRetries", base.num_min_delay_retries)),
            num_max_delay_retries=int(number("numMaxDelayRetries", base.num_max_delay_retries)),
            backoff_function=str(document.get("backoffFunction", base.backoff_function)).lower(),
        )

    @classmethod
    def for_subscription(
        cls, topic_policy: str | None, subscription_policy: str | None, base: RetryPolicy
    ) -> RetryPolicy:
        """The policy an HTTP/S subscription is delivered with."""
        http = _document(topic_policy).get("http") or {}
        policy = cls.from_document(http.get("defaultHealthyRetryPolicy") or {}, base)
        if http.get("disableSubscriptionOverrides"):
            return policy
        own = _document(subscription_policy).get("healthyRetryPolicy") or {}
        return cls.from_document(own, policy)

    def delays(self) -> list[float]:
        """Seconds to wait before each retry, in order (len = num_retries)."""
        total = max(0, self.num_retries)
        immediate = min(total, self.num_no_delay_retries)
        at_min = min(total - immediate, self.num_min_delay_retries)
        at_max = min(total - immediate - at_min, self.num_max_delay_retries)
        backoff = total - immediate - at_min - at_max
        return (
            [0.0] * immediate
            + [self.min_delay_s] * at_min
            + [self._backoff(i, backoff) for i in range(1, backoff + 1)]
            + [self.max_delay_s] * at_max
        )

    def _backoff(self, step: int, steps: int) -> float:
        low, high = self.min_delay_s, self.max_delay_s
        # The first backoff retry waits the minimum, the last the maximum.
        fraction = (step - 1) / (steps - 1) if steps > 1 else 1.0
        if self.backoff_function == "exponential" and low > 0:
            return float(low * (high / low) ** fraction)
        if self.backoff_function == "arithmetic":
            return low + (high - low) * fraction * fraction
        if self.backoff_function == "geometric":
            return low + (high - low) * float(fraction**0.5)
        return low + (high - low) * fraction
