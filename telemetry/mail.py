"""The mail listener's Prometheus metrics, registered in the service's registry.

Shared with the service's :class:`telemetry.metrics.Metrics` when it has them
(``mails``, ``leads``); a listener alone (tests, tools) gets its own.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
SLOW = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0)


class MailMetrics:
    """``mails`` and ``leads`` are the service's shared counters when it has them."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        mails: Any = None,
        leads: Any = None,
    ) -> None:
        r = registry or CollectorRegistry()
        self.replies = Counter(
            "relais_smtp_replies", "SMTP replies sent, by code", ["code"], registry=r
        )
        self.accept_seconds = Histogram(
            "relais_smtp_accept_seconds",
            "time from the end of DATA to the answer (the 250 waits for the commit)",
            buckets=FAST,
            registry=r,
        )
        self.received_bytes = Counter(
            "relais_smtp_received_bytes", "bytes of mail stored", registry=r
        )
        self.to_record_seconds = Histogram(
            "relais_mail_to_record_seconds",
            "time from a mail's receipt to its processing (lead or deal visible)",
            buckets=SLOW,
            registry=r,
        )
        self.processing = Counter(
            "relais_mail_processed", "mails processed, by status and outcome",
            ["status", "outcome"], registry=r,
        )  # fmt: skip
        self.backlog = Gauge("relais_mail_backlog", "mails waiting to be processed", registry=r)
        self.oldest_waiting = Gauge(
            "relais_mail_oldest_waiting_seconds",
            "age of the oldest mail waiting to be processed (0: none waits)",
            registry=r,
        )
        self.parser_restarts = Counter(
            "relais_mail_parser_restarts",
            "parse worker processes replaced, by reason (deadline, crash)",
            ["reason"],
            registry=r,
        )
        self.sessions = Gauge("relais_smtp_sessions", "open SMTP sessions", registry=r)
        self.mails = mails or Counter("relais_mails", "mails received", ["outcome"], registry=r)
        self.leads = leads or Counter(
            "relais_leads_created", "leads created", ["channel"], registry=r
        )

    def reply(self, line: str) -> str:
        self.replies.labels(code=line[:3]).inc()
        return line
