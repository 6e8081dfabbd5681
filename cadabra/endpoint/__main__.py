"""`python -m cadabra.endpoint`: how the native stack starts the endpoint process."""

from __future__ import annotations

import logging

from cadabra.endpoint.server import serve

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
logging.getLogger("cadabra.kafka").setLevel(logging.ERROR)
serve()
