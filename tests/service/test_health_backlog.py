"""/healthz says ``degraded`` while mail waits too long; /metrics shows the oldest mail's age.

A stalled parse once left every later mail unprocessed while /healthz said ok.
Here the parse worker really stalls (SIGSTOP): the mail sent meanwhile waits
past the threshold, /healthz turns ``degraded``, then the deadline replaces the
worker, the mail is failed (kept for ``mail retry``) and /healthz is ok again.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest

from config.settings import Settings
from ingest.parsing import WorkerParser
from service.app import Service
from tests.ingest.conftest import deliver, mail_settings
from tests.service.helpers import get


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return mail_settings(
        tmp_path,
        RELAIS_HTTP_PORT="0",
        RELAIS_MAIL_PARSE_WORKERS="1",
        RELAIS_MAIL_PARSE_DEADLINE="3",
        RELAIS_MAIL_BACKLOG_THRESHOLD="1",
    )


async def health_until(service: Service, status: str, within: float) -> dict[str, object]:
    """Poll /healthz until it reports ``status``, with a deadline."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        code, text = await get(service, "/healthz")
        body: dict[str, object] = json.loads(text)
        if body["status"] == status:
            assert code == 200
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"/healthz never said {status} within {within} s")


def oldest_seconds(metrics: str) -> float:
    [line] = [m for m in metrics.splitlines() if m.startswith("relais_mail_oldest_waiting_")]
    return float(line.split()[1])


async def test_a_probe_that_reports_makes_healthz_degraded_not_failing(service: Service) -> None:
    async def lagging() -> dict[str, float]:
        return {"oldest_waiting_seconds": 42.0}

    service.probes["mail_backlog"] = lagging
    code, text = await get(service, "/healthz")
    body = json.loads(text)
    assert (code, body["status"], body["failing"]) == (200, "degraded", [])
    assert body["degraded"] == {"mail_backlog": {"oldest_waiting_seconds": 42.0}}


@pytest.mark.slow
async def test_a_stalled_worker_shows_as_degraded_until_the_deadline_frees_intake(
    service: Service,
) -> None:
    assert service.mail is not None and service.mail.port is not None
    assert service.engine is not None
    parser = service.mail.processor._parser
    assert isinstance(parser, WorkerParser) and parser.workers[0].pid is not None
    assert (await health_until(service, "ok", 5.0))["degraded"] == {}
    os.kill(parser.workers[0].pid, signal.SIGSTOP)  # the worker stops answering
    raw = b"From: jo@acme.fr\r\nSubject: Devis\r\nMessage-ID: <stall@t>\r\n\r\nBonjour\r\n"
    reply = await asyncio.to_thread(
        deliver, service.mail.port, raw, "jo@acme.fr", ["leads@relais.example"]
    )
    assert reply.code == 250
    degraded = await health_until(service, "degraded", 10.0)
    figures = degraded["degraded"]
    assert isinstance(figures, dict) and figures["mail_backlog"]["threshold_seconds"] == 1
    assert oldest_seconds((await get(service, "/metrics"))[1]) > 1.0
    await health_until(service, "ok", 15.0)  # the deadline replaced the worker
    [mail] = await service.engine.mail.records()
    assert (mail.status, mail.error) == (
        "failed", "ParseFailed: parsing took longer than the 3 s deadline"
    )  # fmt: skip
    assert oldest_seconds((await get(service, "/metrics"))[1]) == 0.0
