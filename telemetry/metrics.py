"""Prometheus metrics, in one registry per service so tests never share counters.

Top-level (not in ``service/``) so the bot and the mail listener can count into
it without importing the service that builds them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

Refresh = Callable[[], Awaitable[None]]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.writes = Counter("relais_db_writes", "write jobs committed", registry=r)
        self.commits = Counter("relais_db_commits", "SQLite commits (group commits)", registry=r)
        self.write_seconds = Histogram(
            "relais_db_write_seconds", "time from a write request to its commit", registry=r
        )
        self.events = Counter("relais_events", "domain events published", ["event"], registry=r)
        self.mails = Counter("relais_mails", "mails received", ["outcome"], registry=r)
        self.leads = Counter("relais_leads_created", "leads created", ["channel"], registry=r)
        self.slack_requests = Counter(
            "relais_slack_requests", "Slack requests", ["kind", "outcome"], registry=r
        )
        self.slack_ack_seconds = Histogram(
            "relais_slack_ack_seconds", "time to acknowledge Slack", registry=r
        )
        self.workflow_runs = Counter(
            "relais_workflow_runs", "workflow runs", ["outcome"], registry=r
        )
        self.scheduler_lag = Histogram(
            "relais_scheduler_lag_seconds",
            "delay between a tick's planned and actual time",
            buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60),
            registry=r,
        )
        self.up = Gauge(
            "relais_component_up", "1 when a component is up", ["component"], registry=r
        )
        self.slack_request_seconds = Histogram(
            "relais_slack_request_seconds",
            "time Bolt took to answer a Slack request (the ack), by kind",
            ["kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5, 10),
            registry=r,
        )
        self.outbox_pending = Gauge(
            "relais_outbox_pending",
            "outbox messages not yet settled (pending or being sent), by lane",
            ["lane"],
            registry=r,
        )
        self.outbox_failed = Gauge(
            "relais_outbox_failed", "outbox dead letters, by lane", ["lane"], registry=r
        )
        # Read just before each /metrics answer (figures kept elsewhere: the database's
        # counters, the workflow runner's, the outbox table).
        self.refreshers: list[Refresh] = []

    async def refresh(self) -> None:
        for refresh in self.refreshers:
            await refresh()

    def render(self) -> bytes:
        return generate_latest(self.registry)
