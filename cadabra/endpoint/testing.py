"""Serving an endpoint app from a background thread, for tests and benchmarks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from cadabra.endpoint.app import EndpointApp

__all__ = ["serve_in_thread"]


@contextmanager
def serve_in_thread(app: EndpointApp, port: int, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `app` on host:port until the block ends; yields the endpoint URL."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="endpoint-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the endpoint did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
