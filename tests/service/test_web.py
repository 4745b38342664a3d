"""The service in-process: /healthz reflects each part, /metrics speaks Prometheus."""

from service.app import Service
from tests.service.helpers import get


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
