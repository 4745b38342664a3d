"""``run.py serve`` with the SMTP listener: health check, metrics, clean stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from service.app import Service
from tests.ingest.conftest import deliver, eml, mail_settings


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    svc = Service(mail_settings(tmp_path, RELAIS_HTTP_PORT="0"))
    await svc.start()
    try:
        yield svc
    finally:
        await svc.stop()


async def get(service: Service, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{service.http_port}{path}") as response,
    ):
        return response.status, await response.text()


async def test_serve_runs_the_listener_with_a_health_check_and_metrics(service: Service) -> None:
    assert service.mail is not None and service.mail.port is not None and service.engine is not None
    reply = await asyncio.to_thread(
        deliver, service.mail.port, eml("html_only.eml"), "a@b.fr", ["leads@relais.example"]
    )
    refused = await asyncio.to_thread(
        deliver, service.mail.port, b"x", "a@b.fr", ["root@elsewhere.example"]
    )
    assert (reply.code, refused.code) == (250, 550)
    await service.mail.processor.idle()
    status, body = await get(service, "/healthz")
    assert status == 200 and '"smtp": true' in body
    _, metrics = await get(service, "/metrics")
    assert 'relais_smtp_replies_total{code="250"}' in metrics
    assert 'relais_smtp_replies_total{code="550"} 1.0' in metrics
    assert 'relais_mails_total{outcome="lead"} 1.0' in metrics
    assert 'relais_leads_created_total{channel="mail"} 1.0' in metrics
    assert "relais_smtp_accept_seconds_bucket" in metrics
    assert "relais_mail_to_record_seconds_count 1.0" in metrics


async def test_the_health_check_fails_when_the_listener_stops(service: Service) -> None:
    assert service.mail is not None
    await service.mail.stop()
    status, body = await get(service, "/healthz")
    assert status == 503 and '"failing": ["smtp"]' in body
