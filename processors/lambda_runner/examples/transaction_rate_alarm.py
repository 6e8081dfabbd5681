"""The course's transaction-rate alarm Lambda: Kinesis `OrderRateAlarms` → SNS `CadabraAlarms`.

Each invocation (a batch of alarm rows from the analytics query) publishes one SNS message to
the topic, whatever the rows hold, and prints 'Successfully delivered alarm message' or
'Delivery failure', as the course's function does. `lambda_handler` is the course's body,
unchanged; only where the client and topic come from is Cadabra's: the SNS client talks to
CADABRA_ENDPOINT_URL when it is set (else to AWS), and the topic ARN the course hard-coded is
CADABRA_ALARM_TOPIC_ARN, by default CadabraAlarms of the configured account and region.

    cadabra lambda run processors.lambda_runner.examples.transaction_rate_alarm:lambda_handler \\
        --stream OrderRateAlarms
"""

from __future__ import annotations

from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from cadabra.config import AwsSettings, EndpointSettings

__all__ = ["CLIENT", "AlarmSettings", "lambda_handler", "sns_client", "topic_arn"]

# A boto3 SNS client to use instead of the default one (tests put theirs here).
CLIENT: Any = None
_default_client: Any = None


class AlarmSettings(BaseSettings):
    """The Lambda's environment: the topic it publishes to (prefix CADABRA_ALARM_)."""

    model_config = SettingsConfigDict(env_prefix="CADABRA_ALARM_")

    # None = arn:aws:sns:<AWS_DEFAULT_REGION>:<CADABRA_ACCOUNT_ID>:CadabraAlarms.
    topic_arn: str | None = None


def topic_arn() -> str:
    configured = AlarmSettings().topic_arn
    if configured:
        return configured
    aws = AwsSettings()
    return f"arn:aws:sns:{aws.region}:{aws.account_id}:CadabraAlarms"


def sns_client() -> Any:
    """CLIENT if set, else one boto3 SNS client (Cadabra's endpoint when configured)."""
    global _default_client
    if CLIENT is not None:
        return CLIENT
    if _default_client is None:
        import boto3

        endpoint_url = EndpointSettings().url  # CADABRA_ENDPOINT_URL; None = AWS itself
        aws = AwsSettings()
        if endpoint_url is None:  # AWS: boto3's own credential chain, as in the course
            _default_client = boto3.client("sns", region_name=aws.region)
        else:
            _default_client = boto3.client(
                "sns",
                endpoint_url=endpoint_url,
                region_name=aws.region,
                aws_access_key_id=aws.access_key_id,
                aws_secret_access_key=aws.secret_access_key.get_secret_value(),
            )
    return _default_client


def lambda_handler(event: dict[str, Any], context: Any) -> None:
    client = sns_client()
    try:
        client.publish(
            TopicArn=topic_arn(),
            Message="Investigate sudden surge in orders",
            Subject="Cadabra Order Rate Alarm",
        )
        print("Successfully delivered alarm message")
    except Exception:
        print("Delivery failure")
