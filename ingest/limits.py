"""Per-client limits aiosmtpd lacks: a message rate and a connection count per address."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_TRACKED = 10_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per client address: ``per_minute`` messages, bursts included.

    ``per_minute = 0`` turns the limit off.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, client: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = self.clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[client] = _Bucket(float(self.per_minute), now)
        refill = (now - bucket.stamp) * self.per_minute / 60.0
        bucket.tokens = min(float(self.per_minute), bucket.tokens + refill)
        bucket.stamp = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) < MAX_TRACKED:
            return
        full = 60.0  # a bucket idle for a minute is full again: forgetting it changes nothing
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.stamp < full}


class ConnectionLimiter:
    """At most ``per_client`` simultaneous sessions per client address (0: no limit)."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._open: dict[str, int] = {}

    def acquire(self, client: str) -> bool:
        count = self._open.get(client, 0)
        if self.per_client > 0 and count >= self.per_client:
            return False
        self._open[client] = count + 1
        return True

    def release(self, client: str) -> None:
        count = self._open.get(client, 0) - 1
        if count > 0:
            self._open[client] = count
        else:
            self._open.pop(client, None)

    def open_sessions(self) -> int:
        return sum(self._open.values())
