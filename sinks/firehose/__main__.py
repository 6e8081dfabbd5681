"""`python -m sinks.firehose`: the delivery service, as `cadabra stack up` starts it."""

from __future__ import annotations

import logging

from sinks.firehose.cli import serve

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
serve()
