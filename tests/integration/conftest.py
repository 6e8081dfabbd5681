"""The integration tests' stacks, and fixtures for Firehose delivery tests on them.

Every test that uses `stack` runs once per kind of stack this machine has (ids `[native]` and
`[containers]`, or `[configured]` alone when CADABRA_KAFKA_BOOTSTRAP names one): the same tests,
two fixtures. Tests marked `native_stack` manage native processes and run on the native stack
only. All `[containers]` items run last, so the container stack starts once the native items are
done and is removed at the session's end.

Delivery streams made here are tagged `cadabra:delivery=manual`, so the stack's own delivery
service leaves them to the worker a test runs (in a thread, or as a process it may kill).
"""

from __future__ import annotations

import functools
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from confluent_kafka.admin import AdminClient

from cadabra.config import FirehoseSettings
from cadabra.firehose import FirehoseService
from cadabra.firehose.testing import s3_destination
from cadabra.stack.testing import (
    StackEndpoints,
    StackKind,
    default_stack_kind,
    provide_stack,
    stack_kinds,
)
from sinks.firehose.service import MANUAL_TAG, DeliveryContext
from sinks.firehose.settings import DeliverySettings
from sinks.firehose.testing import running

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@functools.cache
def _kinds() -> tuple[StackKind, ...]:
    """Asked once per session: a container engine's ping costs a round trip per test otherwise."""
    return tuple(stack_kinds())


@functools.cache
def _default_kind() -> StackKind:
    return default_stack_kind()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "stack" not in metafunc.fixturenames:
        return
    kinds = list(_kinds())
    if metafunc.definition.get_closest_marker("native_stack"):
        kinds = [kind for kind in kinds if kind != "containers"]
    metafunc.parametrize("stack", kinds, indirect=True, scope="session")


def _on_containers(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("stack") == "containers"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`[containers]` items last (a stable sort, after pytest grouped items by stack): the
    container stack starts when every native item is done, and one stack runs at a time."""
    items.sort(key=_on_containers)


@pytest.fixture(scope="session")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, stack_cache: Path
) -> Iterator[StackEndpoints]:
    """The stack of this test's kind; the default kind is the session's shared stack."""
    kind: StackKind = request.param
    if kind == _default_kind():
        yield request.getfixturevalue("session_stack")
        return
    home = tmp_path_factory.mktemp(f"stack-{kind}")
    with provide_stack(home, cache_dir=stack_cache, kind=kind) as endpoints:
        yield endpoints


@pytest.fixture(scope="session")
def s3(stack: StackEndpoints) -> S3Client:
    """Bound to this folder's `stack`, so a client never outlives the stack it was made for.

    Not the root conftest's fixture of the same body: the contract tests create that one first,
    on the root `stack`, and pytest would then keep it for the `[containers]` items too (only a
    fixture requested through this folder's parametrized `stack` is made again per kind). A
    session without these two overrides ran `[containers]` tests against the native stack.
    """
    return stack.s3_client()


@pytest.fixture(scope="session")
def kafka_admin(stack: StackEndpoints) -> AdminClient:
    """Bound to this folder's `stack`, like `s3` above."""
    return stack.kafka_admin()


@pytest.fixture(autouse=True)
def stack_processes_running(request: pytest.FixtureRequest) -> None:
    """Every process of the session's native stack runs before an integration test.

    One full run on a clean clone found the back-end process (Firehose and SNS delivery) gone
    with exit status 0, i.e. stopped by a SIGTERM from outside; its log now says which signal.
    Restarting what is missing (and saying so) keeps one such event from failing the tests
    that rely on the stack's own services. Tests that do not use the stack are not held to it
    (so they are not run once per kind of stack either).
    """
    if "stack" not in request.fixturenames:
        return
    stack: StackEndpoints = request.getfixturevalue("stack")
    if stack.native is None:
        return
    missing = [row.name for row in stack.native.status() if not row.alive]
    if missing:
        print(f"restarting stack processes that had stopped: {missing}", file=sys.stderr)
        stack.native.up()


@pytest.fixture(scope="session")
def firehose_api(stack: StackEndpoints) -> Iterator[FirehoseService]:
    """Firehose's API on the session's broker, Direct PUT quotas off (delivery is the subject)."""
    kafka, _, aws = stack.settings()
    service = FirehoseService(kafka, FirehoseSettings(quota_enabled=False), aws=aws)
    yield service
    service.close()


@pytest.fixture
def delivery(stack: StackEndpoints) -> Iterator[DeliveryContext]:
    kafka, s3, aws = stack.settings()
    settings = DeliverySettings(discover_interval_s=0.5, s3_retry_s=5.0)
    context = DeliveryContext(kafka=kafka, settings=settings, s3=s3, aws=aws)
    yield context
    context.close()


MakeDelivery = Callable[..., str]


@pytest.fixture
def make_delivery(firehose_api: FirehoseService, stack: StackEndpoints) -> Iterator[MakeDelivery]:
    """Creates a manual delivery stream writing under its own prefix `<name>/` by default."""
    created: list[str] = []

    def make(**destination: Any) -> str:
        name = f"fh-{uuid.uuid4().hex[:10]}"
        destination.setdefault("Prefix", f"{name}/")
        kinesis = destination.pop("kinesis_source", None)
        firehose_api.create_delivery_stream(
            name,
            delivery_stream_type="KinesisStreamAsSource" if kinesis else "DirectPut",
            kinesis_stream_source_configuration=kinesis,
            extended_s3_destination_configuration=s3_destination(stack.bucket, **destination),
            tags=[{"Key": MANUAL_TAG, "Value": "manual"}],
        )
        created.append(name)
        return name

    yield make
    for name in created:
        if firehose_api.registry.get(name, refresh=True) is not None:
            firehose_api.delete_delivery_stream(name)


@pytest.fixture
def run_worker(delivery: DeliveryContext) -> Callable[[str], Any]:
    def start(name: str) -> Any:
        state = delivery.lookup(name)
        assert state is not None
        return running(delivery.worker(state))

    return start
