"""Answers through a ``response_url``: one JSON POST on the runtime's HTTP session.

Most of what the bot says after an ack goes this way (every card, list and
note answering a command or a click), so it is on the hottest path after
the ack. ``slack_sdk``'s ``AsyncWebhookClient`` made it cost more than it
needs: a new client per answer (reading the proxy variables of the
environment, building a user agent), its retry machinery and response
object around one POST. Measured on loopback with a real deal card (2,000
posts, five alternating rounds, client and server CPU): 0.59-0.79 ms per
answer through the SDK, 0.39-0.60 ms here, 0.12-0.20 ms less each round.
Here: the POST itself, with the one retry the SDK made worth keeping — a
pooled keep-alive connection the far end had already closed fails at once
and is tried again on a fresh one.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from bot.blocks.common import Message

TIMEOUT = aiohttp.ClientTimeout(total=30)  # the SDK's default, per answer
HEADERS = {"Content-Type": "application/json;charset=utf-8"}
TRIES = 2  # a stale pooled connection fails at once: once more, on a new one


def payload(message: Message, *, response_type: str, replace: bool) -> dict[str, Any]:
    """The body Slack's ``response_url`` takes."""
    return {
        "text": message.text, "blocks": message.blocks, "response_type": response_type,
        "replace_original": replace,
    }  # fmt: skip


async def send(
    session: aiohttp.ClientSession | None, url: str, message: Message, *,
    response_type: str = "ephemeral", replace: bool = False,
) -> int:  # fmt: skip
    """Say ``message`` through ``url`` on ``session`` (None: the runtime has not started one)."""
    body = payload(message, response_type=response_type, replace=replace)
    if session is not None:
        return await post(session, url, body)
    async with aiohttp.ClientSession() as own:
        return await post(own, url, body)


async def post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> int:
    """POST ``body`` to ``url``; Slack's HTTP status (200: shown)."""
    data = json.dumps(body)
    for attempt in range(1, TRIES + 1):
        try:
            async with session.post(url, data=data, headers=HEADERS, timeout=TIMEOUT) as answer:
                await answer.read()
                return answer.status
        except (aiohttp.ServerConnectionError, aiohttp.ClientOSError):  # as the SDK retried
            if attempt == TRIES:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
