"""The weekly team chart is posted once a week, even when its job is replayed after a crash.

The journal replays a job the process did not mark done; the chart's job may
have uploaded already. It claims the week before the upload, so the replay
finds the claim and uploads nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.listeners import pictures
from engine.store.db import open_sync
from service.app import Service
from tests.bot.conftest import slack_settings
from tests.fakes.slack import FakeSlack


@pytest.fixture
async def team_service(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Service]:
    svc = Service(slack_settings(tmp_path, fake, RELAIS_SLACK_TEAM_CHANNEL="C_TEAM"))
    await svc.start()
    try:
        yield svc
    finally:
        await svc.stop()


def crash_before_done(database: str | Path) -> int:
    """What a crash after the upload leaves: the week's job not marked done."""
    db = open_sync(database)  # a SQLite file or PostgreSQL, each committing at once
    try:
        return int(
            db.execute(
                "UPDATE slack_jobs SET status = 'pending', finished_at = NULL"
                " WHERE kind = 'weekly_forecast'"
            ).rowcount
        )
    finally:
        db.close()


async def test_a_replayed_weekly_job_does_not_upload_the_chart_again(
    team_service: Service, fake: FakeSlack, tmp_path: Path
) -> None:
    assert team_service.slack is not None
    runtime = team_service.slack.runtime
    monday = datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert await pictures.weekly(runtime, monday)
    await runtime.settle()
    assert len(fake.of("files.completeUploadExternal")) == 1
    assert team_service.engine is not None
    assert crash_before_done(team_service.engine.db.url or team_service.engine.db.path) == 1
    assert await runtime.journal.replay() == 1  # the same week's job, run a second time
    await runtime.settle()
    assert len(fake.of("files.completeUploadExternal")) == 1
    assert len(fake.of("files.getUploadURLExternal")) == 1
    assert await runtime.engine.chat.unfinished_jobs() == []  # the replay is done too


async def test_the_next_week_is_posted(team_service: Service, fake: FakeSlack) -> None:
    assert team_service.slack is not None
    runtime = team_service.slack.runtime
    assert await pictures.weekly(runtime, datetime(2026, 12, 7, 9, tzinfo=UTC))
    assert await pictures.weekly(runtime, datetime(2026, 12, 14, 9, tzinfo=UTC))
    await runtime.settle()
    shared = fake.of("files.completeUploadExternal")
    assert len(shared) == 2 and all(c.params["channel_id"] == "C_TEAM" for c in shared)
