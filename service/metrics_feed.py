"""The figures the engine keeps, fed into the service's metrics.

The engine counts its commits (``Database.stats``), its workflow runs by outcome
(``WorkflowRunner.stats``) and keeps the outbox in a table; it knows nothing of
Prometheus. :class:`MetricsFeed` brings those figures in just before each ``/metrics``
answer (counters grow by what changed since the last answer, gauges are set), and times
every write request to its commit (``relais_db_write_seconds``) through
``Engine.time_writes``, an observer of the store's writes. It reads only what the
engine offers (``engine.stats``), never the database itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from engine.api import Engine
from engine.api.outbox import LANES
from engine.api.workflows import WorkflowRunner
from telemetry.metrics import Metrics

log = logging.getLogger("relais.service")

UNSETTLED = ("pending", "sending")
DEAD = ("failed",)


class MetricsFeed:
    def __init__(
        self, metrics: Metrics, engine: Engine, workflows: WorkflowRunner | None = None
    ) -> None:
        self.metrics = metrics
        self.engine = engine
        self.workflows = workflows
        self._seen: dict[str, int] = {}

    def install(self) -> None:
        """Time each write to its commit; read the rest at each ``/metrics``."""
        self.engine.time_writes(self.metrics.write_seconds.observe)
        self.metrics.refreshers.append(self.refresh)

    async def refresh(self) -> None:
        try:
            self._counts()
            for lane in LANES:
                counts = await self.engine.outbox.counts(lane)
                pending = sum(counts.get(status, 0) for status in UNSETTLED)
                self.metrics.outbox_pending.labels(lane=lane).set(pending)
                failed = sum(counts.get(status, 0) for status in DEAD)
                self.metrics.outbox_failed.labels(lane=lane).set(failed)
        except Exception as exc:  # the other metrics still answer
            log.warning("event=metrics_refresh_failed error=%r", exc)

    def _counts(self) -> None:
        stats = self.engine.stats
        self._grow("db.jobs", stats.get("jobs", 0), self.metrics.writes.inc)
        self._grow("db.commits", stats.get("commits", 0), self.metrics.commits.inc)
        if self.workflows is not None:
            for outcome, count in dict(self.workflows.stats.outcomes).items():
                counter = self.metrics.workflow_runs.labels(outcome=outcome)
                self._grow(f"workflow.{outcome}", count, counter.inc)

    def _grow(self, key: str, total: int, inc: Callable[[float], None]) -> None:
        added = total - self._seen.get(key, 0)
        if added > 0:
            inc(added)
            self._seen[key] = total
