"""The one web server: /healthz, /metrics, and the Slack endpoint once mounted.

``/healthz`` answers for two kinds of question. A *check* says whether a part
is up (the database answers, the SMTP listener serves): one failing check
makes the answer ``fail`` with HTTP 503. A *probe* says whether a part keeps
up (the oldest mail waiting to be processed is younger than its threshold):
a probe that reports makes the answer ``degraded``, still HTTP 200 — the
service works but lags, and restarting it would not help — with the probe's
figures under ``degraded``. Probes also refresh their gauges before each
``/metrics`` answer, so the metrics show the figures of that moment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from service import instance
from telemetry.metrics import Metrics

Check = Callable[[], Awaitable[bool]]
Probe = Callable[[], Awaitable[Mapping[str, float] | None]]  # figures when degraded


def build_web_app(
    checks: dict[str, Check], metrics: Metrics, probes: dict[str, Probe] | None = None
) -> web.Application:
    """The aiohttp application serving ``/healthz`` and ``/metrics``."""
    app = web.Application()
    probing = probes if probes is not None else {}

    async def healthz(request: web.Request) -> web.Response:
        parts = {name: await _safe(check) for name, check in checks.items()}
        for name, ok in parts.items():
            metrics.up.labels(component=name).set(1 if ok else 0)
        failing = [name for name, ok in parts.items() if not ok]
        degraded = await _lagging(probing)
        body = {
            "status": "fail" if failing else "degraded" if degraded else "ok",
            "instance": instance.name(),
            "components": parts,
            "failing": failing,
            "degraded": degraded,
        }
        return web.json_response(body, status=503 if failing else 200)

    async def metrics_view(request: web.Request) -> web.Response:
        await _lagging(probing)  # refreshes the probes' gauges
        await metrics.refresh()  # and those read from the engine (service/metrics_feed.py)
        return web.Response(body=metrics.render(), content_type="text/plain", charset="utf-8")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    return app


async def _safe(check: Check) -> bool:
    try:
        return await check()
    except Exception:
        return False


async def _lagging(probes: dict[str, Probe]) -> dict[str, Mapping[str, float]]:
    """The probes that report, with their figures (a probe that fails reports nothing)."""
    found: dict[str, Mapping[str, float]] = {}
    for name, probe in probes.items():
        try:
            figures = await probe()
        except Exception:
            continue  # the checks say when the database itself is down
        if figures is not None:
            found[name] = figures
    return found
