"""`python -m sinks.notify`: SNS delivery, as `cadabra stack up` starts it."""

from __future__ import annotations

import logging

from sinks.notify.cli import run

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
run()
