"""The service in-process: /healthz reflects each part, /metrics speaks Prometheus."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from config.settings import Settings, load_settings
from service.app import Service
from tests.service.helpers import get


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "RELAIS_DATABASE": str(tmp_path / "svc.db"),
            "RELAIS_HTTP_PORT": "0",
            "RELAIS_SMTP_PORT": "0",
            "RELAIS_SMTP_ENABLED": "false",
        },
        env_file=None,
    )


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[Service]:
    svc = Service(settings)
    await svc.start()
    try:
        yield svc
    finally:
        await svc.stop()


async def test_healthz_is_ok_when_every_part_is_up(service: Service) -> None:
    status, body = await get(service, "/healthz")
    assert status == 200
    assert '"database": true' in body and '"scheduler": true' in body


async def test_healthz_names_the_failing_part(service: Service) -> None:
    async def down() -> bool:
        return False

    service.checks["smtp"] = down
    status, body = await get(service, "/healthz")
    assert status == 503
    assert '"failing": ["smtp"]' in body


async def test_metrics_are_prometheus_text(service: Service) -> None:
    assert service.engine is not None
    await service.ticker.tick()
    status, body = await get(service, "/metrics")
    assert status == 200
    assert "# TYPE relais_scheduler_lag_seconds histogram" in body
    assert "relais_db_commits_total" in body
