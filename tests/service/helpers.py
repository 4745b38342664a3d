"""What the service tests share: one GET against a running service's web server."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from service.app import Service


async def fetch(
    service: Service, path: str, headers: Mapping[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    """``GET path`` on the service's HTTP port: status, body and headers."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{service.http_port}{path}", headers=headers) as response,
    ):
        return response.status, await response.text(), dict(response.headers)


async def get(service: Service, path: str) -> tuple[int, str]:
    """``GET path`` on the service's HTTP port: status and body."""
    status, body, _ = await fetch(service, path)
    return status, body
