"""The compose stack's one-shot bucket job: wait for the S3 server, then create the bucket.

docker-compose.yml runs it as `python -m cadabra.stack.bucket` on the Cadabra image, where
MinIO's `mc mb` used to run: the S3 service may be MinIO (the default) or another S3-protocol
server standing in its place (CI's S3Proxy), and neither is sure to carry a client or a
healthcheck command. So the job asks the server itself, with the credentials the pipeline uses,
until it answers or the start deadline (`CADABRA_STACK_START_TIMEOUT_S`) passes; services that
need the bucket wait for the job to complete successfully. A server that never answers fails
the job with a message naming it and the last error, instead of hanging the stack.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from cadabra.config import AwsSettings, S3Settings, StackSettings
from cadabra.errors import StackError
from cadabra.stack.clients import ensure_bucket, s3_client
from cadabra.stack.readiness import Deadline, wait_until_answers

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["create_bucket_when_ready", "main"]

# Where the server's log is: in its own container, not a file this job can read.
SERVER_LOG = Path("docker compose logs minio")


def _answers(client: S3Client) -> bool:
    """An authenticated call, so "answers" also means the credentials are accepted."""
    client.list_buckets()
    return True


def create_bucket_when_ready(s3: S3Settings, aws: AwsSettings, deadline: Deadline) -> bool:
    """Create `s3.bucket` once the server at `s3.endpoint_url` answers; True when created.

    Raises ServiceStartError (naming the server and the last error) at the deadline.
    """
    client = s3_client(s3, aws)
    server = f"the S3 server at {s3.endpoint_url}"
    probe = partial(_answers, client)
    wait_until_answers(server, SERVER_LOG, probe, deadline, interval_s=0.5)
    return ensure_bucket(client, s3.bucket)


def main() -> int:
    """The job's exit status: 0 when the bucket exists, 1 (with the reason on stderr) if not."""
    s3 = S3Settings()
    deadline = Deadline(StackSettings().start_timeout_s)
    try:
        created = create_bucket_when_ready(s3, AwsSettings(), deadline)
    except StackError as exc:
        print(f"bucket job: {exc}", file=sys.stderr)
        return 1
    state = "created" if created else "already exists"
    print(f"bucket {s3.bucket} {state} at {s3.endpoint_url} ({deadline.elapsed():.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
