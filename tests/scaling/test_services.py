"""Two ``serve`` services on one PostgreSQL database: each listens for the other's
commits, names itself in /healthz and /metrics, and a message queued through one is
woken on the other at once (not at its next tick)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from config.settings import load_settings
from engine.store.notify import OUTBOX
from service import instance
from service.app import Service

pytestmark = pytest.mark.postgres


@pytest.fixture
async def services(db_path: Path) -> AsyncIterator[list[Service]]:
    settings = load_settings(
        {
            "RELAIS_DATABASE": str(db_path),
            "RELAIS_HTTP_PORT": "0",
            "RELAIS_SMTP_ENABLED": "false",
            "RELAIS_SCHEDULER_TICK": "3600",  # the tick is not what delivers here
        },
        env_file=None,
    )
    started = [Service(settings), Service(settings)]
    try:
        for svc in started:
            await svc.start()
        yield started
    finally:
        for svc in started:
            await svc.stop()


async def _get(svc: Service, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{svc.http_port}{path}"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def test_each_service_listens_and_names_itself(services: list[Service]) -> None:
    first, second = services
    for svc in services:
        assert svc.listener is not None
        await asyncio.wait_for(svc.listener.ready.wait(), 10)
        status, body = await _get(svc, "/healthz")
        assert status == 200 and f'"instance": "{instance.name()}"' in body
        _, metrics = await _get(svc, "/metrics")
        assert f'relais_instance_info{{instance="{instance.name()}"}} 1.0' in metrics
    assert second.listener is not None and second.outbox_wake is not None
    heard = second.listener.received
    woken = asyncio.Event()
    woken_by = second.listener.handlers[OUTBOX]

    def outbox_queued(payload: str) -> None:
        woken_by(payload)  # the service's own wake-up, then the test's
        woken.set()

    second.listener.handlers[OUTBOX] = outbox_queued
    assert first.engine is not None
    await first.engine.outbox.queue_slack("channel:C1", "post", {"n": 1})
    await asyncio.wait_for(woken.wait(), 10)
    assert second.listener.received == heard + 1
