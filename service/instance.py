"""This instance's name, for logs, ``/healthz`` and ``/metrics`` when several share a database.

``RELAIS_INSTANCE`` names it (``relais-2``, a container's name); without it,
``hostname-pid``. Read once, from the environment, when first asked.
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # every command's logs name the instance; only the service has metrics
    from prometheus_client import CollectorRegistry


@lru_cache(maxsize=1)
def name() -> str:
    return os.environ.get("RELAIS_INSTANCE", "").strip() or f"{socket.gethostname()}-{os.getpid()}"


def install(registry: CollectorRegistry) -> None:
    """``relais_instance_info{instance="…"} 1``: the name beside this instance's metrics."""
    from prometheus_client import Gauge

    info = Gauge("relais_instance_info", "this instance's name", ["instance"], registry=registry)
    info.labels(instance=name()).set(1)
