"""What the service tests share: its settings on a test's own database, and a started service.

A test asks for ``service`` (web server on a free port, no SMTP, no Slack) and reads it
with :func:`tests.service.helpers.get`; a module that needs other settings overrides the
``settings`` fixture, building them with :func:`settings_for`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from config.settings import Settings, load_settings
from service.app import Service
from tests.conftest import on_the_test_database


def settings_for(tmp_path: Path, **extra: str) -> Settings:
    """The service on ``tmp_path/svc.db``, HTTP on a free port, no SMTP; ``extra`` on top."""
    return load_settings(
        {
            "RELAIS_DATABASE": str(tmp_path / "svc.db"),
            "RELAIS_HTTP_PORT": "0",
            "RELAIS_SMTP_PORT": "0",
            "RELAIS_SMTP_ENABLED": "false",
            **extra,
        },
        env_file=None,
    )


@pytest.fixture
def settings(tmp_path: Path, db_path: Path) -> Settings:
    """The settings :func:`settings_for` gives, none of the machine's environment; the
    test's database is PostgreSQL under RELAIS_TEST_POSTGRES."""
    return settings_for(tmp_path, **on_the_test_database(db_path))


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[Service]:
    """The service started on ``settings``, stopped after the test."""
    svc = Service(settings)
    await svc.start()
    try:
        yield svc
    finally:
        await svc.stop()
