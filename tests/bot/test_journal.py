"""Work promised by an ack survives a crash: journaled first, replayed once, never twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from engine import clock
from engine.actors import Actor
from engine.chat import store
from engine.core import Engine
from service.app import Service
from tests.bot.conftest import slack_settings
from tests.fakes.slack import FakeSlack

SLACK = Actor.system("slack")


def command(fake: FakeSlack, text: str) -> dict[str, Any]:
    return {
        "command": "/crm", "text": text, "user_id": "U_ALICE", "channel_id": "C_SALES",
        "team_id": "T0TEST", "response_url": fake.response_url("crashed"),
    }  # fmt: skip


async def journal(path: Path, kind: str, body: dict[str, Any], *, running: bool = False,
                  age: timedelta = timedelta(0)) -> int:  # fmt: skip
    """What a process that died right after its ack leaves in the database."""
    engine = await Engine.open(path)
    try:
        job_id = await engine.db.write(lambda tx: store.record_job(tx, kind, body, None), SLACK)
        assert job_id is not None
        if running:
            await engine.db.write(lambda tx: store.start_job(tx, job_id), SLACK)
        when = clock.to_db(clock.utcnow() - age)
        await engine.db.write(
            lambda tx: tx.execute(
                "UPDATE slack_jobs SET created_at = ? WHERE id = ?", (when, job_id)
            ),
            SLACK,
        )
    finally:
        await engine.close()
    return job_id


async def job_status(service: Service, job_id: int) -> str:
    assert service.engine is not None
    return (await service.engine.db.read(lambda c: store.get_job(c, job_id))).status


async def test_an_acknowledged_command_is_done_after_a_restart(
    tmp_path: Path, fake: FakeSlack
) -> None:
    settings = slack_settings(tmp_path, fake)
    job_id = await journal(settings.database_path, "crm", command(fake, "help"))
    service = Service(settings)
    await service.start()
    try:
        assert service.slack is not None
        await service.slack.runtime.settle()
        (answer,) = fake.of("response_url")
        assert "Relais dans Slack" in answer.text()
        assert await job_status(service, job_id) == "done"
    finally:
        await service.stop()


async def test_a_creation_cut_short_is_not_done_twice(tmp_path: Path, fake: FakeSlack) -> None:
    settings = slack_settings(tmp_path, fake)
    await journal(settings.database_path, "crm", command(fake, "deal new Poêle 900"), running=True)
    service = Service(settings)
    await service.start()
    try:
        assert service.slack is not None and service.engine is not None
        await service.slack.runtime.settle()
        (answer,) = fake.of("response_url")
        assert (
            "Relais a redémarré pendant votre demande « /crm deal new Poêle 900 »" in answer.text()
        )
        assert await service.engine.deals.search("Poêle") == []
    finally:
        await service.stop()


async def test_a_pending_creation_runs_once(tmp_path: Path, fake: FakeSlack) -> None:
    settings = slack_settings(tmp_path, fake)
    await journal(settings.database_path, "crm", command(fake, "deal new Poêle 900"))
    for _ in range(2):
        service = Service(settings)
        await service.start()
        assert service.slack is not None and service.engine is not None
        await service.slack.runtime.settle()
        deals = await service.engine.deals.search("Poêle")
        await service.stop()
        assert len(deals) == 1


async def test_work_older_than_the_response_url_is_expired_not_replayed(
    tmp_path: Path, fake: FakeSlack
) -> None:
    settings = slack_settings(tmp_path, fake)
    job_id = await journal(
        settings.database_path, "crm", command(fake, "help"), age=timedelta(hours=1)
    )
    service = Service(settings)
    await service.start()
    try:
        assert service.slack is not None
        await service.slack.runtime.settle()
        assert fake.of("response_url") == []
        assert await job_status(service, job_id) == "failed"
    finally:
        await service.stop()
