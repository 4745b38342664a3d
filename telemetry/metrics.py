"""Prometheus metrics, in one registry per service so tests never share counters.

Top-level (not in ``service/``) so the bot and the mail listener can count into
it without importing the service that builds them.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


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

    def render(self) -> bytes:
        return generate_latest(self.registry)
