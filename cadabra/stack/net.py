"""Small TCP helpers: is a port taken, does a port answer, find free ports for tests."""

from __future__ import annotations

import random
import socket

__all__ = ["free_port_block", "port_in_use", "tcp_answers"]

LOCALHOST = "127.0.0.1"


def port_in_use(port: int, host: str = LOCALHOST) -> bool:
    """True when something listens on `port` (SO_REUSEADDR ignores TIME_WAIT leftovers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def tcp_answers(port: int, host: str = LOCALHOST, timeout_s: float = 0.5) -> bool:
    """True when a TCP connection to `host:port` is accepted."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _ephemeral_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def free_port_block(size: int, host: str = LOCALHOST, attempts: int = 200) -> int:
    """First port of `size` consecutive free ports (a 3-broker cluster needs 6 in a row)."""
    if size == 1:
        return _ephemeral_port(host)
    for _ in range(attempts):
        base = random.randrange(20000, 32000)  # noqa: S311 - not security-sensitive
        if not any(port_in_use(base + i, host) for i in range(size)):
            return base
    raise OSError(f"no {size} consecutive free ports found on {host}")
