"""Running the client app: its sources from settings, uvicorn in the foreground or in a thread.

`running_app(settings)` builds the real sources (DynamoDB table and the Kinesis alarm reader on
`endpoint_url`) and starts the reader; `serve` runs uvicorn until Ctrl-C; `serve_in_thread` serves
any `WebApp` from a background thread (tests, demos). Open alarm feeds are ended before uvicorn's
graceful shutdown, which would otherwise wait for them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

from cadabra.config import AwsSettings
from processors.webapp.api import WebApp
from processors.webapp.kinesis_alarms import KinesisAlarms
from processors.webapp.settings import WebSettings
from processors.webapp.sources import DynamoDBOrders, aws_client, dynamodb_table

__all__ = ["running_app", "serve", "serve_in_thread"]

logger = logging.getLogger(__name__)

GRACEFUL_SHUTDOWN_S = 2


@contextmanager
def running_app(settings: WebSettings, aws: AwsSettings | None = None) -> Iterator[WebApp]:
    """The app on the real sources, its alarm reader running until the block ends."""
    endpoint_url = settings.resolved_endpoint_url()
    orders = DynamoDBOrders(dynamodb_table(settings.orders_table, endpoint_url, aws))
    alarms = KinesisAlarms(aws_client("kinesis", endpoint_url, aws), settings)
    alarms.start()
    app = WebApp(orders, alarms)
    try:
        yield app
    finally:
        app.close()
        alarms.close()


def _config(app: WebApp, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


class _Server(uvicorn.Server):
    """uvicorn's server that ends the app's alarm feeds as soon as it is asked to stop."""

    def __init__(self, config: uvicorn.Config, app: WebApp) -> None:
        super().__init__(config)
        self.web_app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.web_app.close()
        super().handle_exit(sig, frame)


def serve(settings: WebSettings | None = None) -> None:
    """Serve the app on the configured host:port until interrupted."""
    settings = settings or WebSettings()
    with running_app(settings) as app:
        _Server(_config(app, settings.host, settings.port), app).run()


@contextmanager
def serve_in_thread(app: WebApp, port: int, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `app` on host:port until the block ends; yields the base URL."""
    server = uvicorn.Server(_config(app, host, port))
    thread = threading.Thread(target=server.run, name="webapp-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the client app did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        app.close()
        server.should_exit = True
        thread.join(timeout=10)
