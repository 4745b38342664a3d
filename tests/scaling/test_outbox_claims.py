"""Outbox claims are named by the instance (migration 17): a restart under the same name
gives back at once what its predecessor was sending; another name waits for the lease.

The engine's tests run on both backends; the last one starts the real service, which
claims in the name ``RELAIS_INSTANCE`` gives it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from config.settings import load_settings
from engine import clock
from engine.core import Engine
from service.app import Service


async def _sending_as(engine: Engine, owner: str, count: int) -> list[int]:
    """``count`` Slack messages claimed by ``owner``: what an instance held when it died."""
    for n in range(count):
        await engine.outbox.queue_slack(f"channel:C{n}", "post", {"n": n})
    await engine.outbox.serve_as(owner)
    claimed = await engine.outbox.claim_lane("slack", limit=count)
    return [message.id for message in claimed]


async def test_the_same_name_takes_back_its_predecessors_messages_at_once(
    engine: Engine, other: Engine
) -> None:
    ids = await _sending_as(engine, "relais-1", 3)
    assert len(ids) == 3
    assert await other.outbox.claim_lane("slack") == []  # leased: nobody else may send them
    assert await other.outbox.serve_as("relais-1") == 3  # the restart, under the same name
    again = await other.outbox.claim_lane("slack")
    assert sorted(m.id for m in again) == ids
    assert {(await other.outbox.message(i)).status for i in ids} == {"sending"}


async def test_another_name_waits_for_the_lease_to_run_out(engine: Engine, other: Engine) -> None:
    ids = await _sending_as(engine, "relais-1", 2)
    assert await other.outbox.serve_as("relais-2") == 0
    assert await other.outbox.claim_lane("slack") == []
    later = clock.utcnow() + timedelta(minutes=6)  # past the 5-minute lease
    assert sorted(m.id for m in await other.outbox.claim_lane("slack", now=later)) == ids


@pytest.mark.sqlite_only("the service under test runs on its own SQLite file")
async def test_the_service_started_under_its_name_takes_back_its_claims(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "svc.db"
    engine = await Engine.open(database)
    try:
        ids = await _sending_as(engine, "relais-1", 2)
    finally:
        await engine.close()
    monkeypatch.setenv("RELAIS_INSTANCE", "relais-1")
    settings = load_settings(
        {"RELAIS_DATABASE": str(database), "RELAIS_HTTP_PORT": "0",
         "RELAIS_SMTP_ENABLED": "false"},
        env_file=None,
    )  # fmt: skip
    service = Service(settings)
    await service.start()
    try:
        assert service.engine is not None
        statuses = {(await service.engine.outbox.message(i)).status for i in ids}
    finally:
        await service.stop()
    assert statuses == {"pending"}  # due again (no Slack here to send them)
