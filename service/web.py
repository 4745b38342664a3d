"""The one web server: /healthz, /metrics, and the Slack endpoint once mounted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from service.metrics import Metrics

Check = Callable[[], Awaitable[bool]]


def build_web_app(checks: dict[str, Check], metrics: Metrics) -> web.Application:
    app = web.Application()

    async def healthz(request: web.Request) -> web.Response:
        parts = {name: await _safe(check) for name, check in checks.items()}
        for name, ok in parts.items():
            metrics.up.labels(component=name).set(1 if ok else 0)
        failing = [name for name, ok in parts.items() if not ok]
        body = {"status": "fail" if failing else "ok", "components": parts, "failing": failing}
        return web.json_response(body, status=503 if failing else 200)

    async def metrics_view(request: web.Request) -> web.Response:
        return web.Response(body=metrics.render(), content_type="text/plain", charset="utf-8")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    return app


async def _safe(check: Check) -> bool:
    try:
        return await check()
    except Exception:
        return False
