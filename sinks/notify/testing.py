"""A tiny SMTP server and a recording webhook, for tests and demos of SNS delivery.

`SmtpSink` speaks just enough SMTP for `smtplib` (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT) and keeps each mail as an `email.message.Message`; `WebhookSink` records each POST and
answers with the next status of a script (then 200). Neither is for production use.
"""

from __future__ import annotations

import email
import http.server
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import Message
from typing import Any

__all__ = ["Post", "SmtpSink", "WebhookSink", "wait_until"]


class SmtpSink:
    """An SMTP server on 127.0.0.1 (a free port) collecting mails in `self.mails`."""

    def __init__(self) -> None:
        self.mails: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                sink._session(self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _session(self, rfile: Any, wfile: Any) -> None:
        def say(line: str) -> None:
            wfile.write(f"{line}\r\n".encode())
            wfile.flush()

        say("220 cadabra-test ESMTP")
        sender, recipients = "", list[str]()
        while line := rfile.readline().decode("utf-8", "replace").rstrip("\r\n"):
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                say("250 cadabra-test")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip(" <>"), list[str]()
                say("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                say("250 OK")
            elif verb == "DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                self._store(_read_data(rfile), sender, recipients)
                say("250 OK")
            elif verb == "QUIT":
                say("221 Bye")
                return
            else:  # RSET, NOOP, ...
                say("250 OK")

    def _store(self, data: bytes, sender: str, recipients: list[str]) -> None:
        self.envelopes.append((sender, recipients))
        self.mails.append(email.message_from_bytes(data))


def _read_data(rfile: Any) -> bytes:
    lines: list[bytes] = []
    while (line := rfile.readline()) not in (b".\r\n", b".\n", b""):
        lines.append(line[1:] if line.startswith(b"..") else line)
    return b"".join(lines)


@dataclass(frozen=True)
class Post:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookSink:
    """An HTTP server on 127.0.0.1 recording POSTs; answers `statuses` in order, then 200."""

    def __init__(self, statuses: Iterable[int] = ()) -> None:
        self.posts: list[Post] = []
        self.statuses = list(statuses)
        self._lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", "0"))
                post = Post(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(size),
                )
                self.send_response(sink._record(post))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:  # keep test output quiet
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _record(self, post: Post) -> int:
        with self._lock:
            self.posts.append(post)
            return self.statuses.pop(0) if self.statuses else 200

    def __enter__(self) -> WebhookSink:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    """Whether `condition` held before the deadline (polled every 20 ms, not a bare sleep)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
