"""`python -m sinks`: the stack's delivery process, as `cadabra stack up` starts it.

Firehose delivery to S3 (`sinks.firehose`, a worker per delivery stream) and SNS's delivery to
subscriptions (`sinks.notify`) in one process: the AWS services' own back ends, which users do
not start themselves. SIGTERM stops both after what they hold is delivered.
"""

from __future__ import annotations

import logging
import threading

from sinks.firehose.service import DeliveryContext, DeliveryService
from sinks.firehose.settings import DeliverySettings
from sinks.notify.notifier import Notifier
from sinks.notify.settings import NotifySettings
from sinks.signals import stop_on_signals

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logging.getLogger("cadabra.kafka").setLevel(logging.ERROR)
stop = stop_on_signals()
notifier = Notifier(NotifySettings())
notifications = threading.Thread(target=notifier.run, args=(stop,), name="sns-notifier")
notifications.start()
settings = DeliverySettings()
try:
    DeliveryService(DeliveryContext(settings=settings)).serve(stop, port=settings.port)
finally:
    stop.set()
    notifications.join(60)
