"""``bot.hooks``: a response_url POST, against a real HTTP server on loopback.

What the SDK's webhook client did that matters is kept: the JSON body Slack
reads, Slack's status handed back, and one more try when the connection is
dropped before an answer (a pooled keep-alive connection the far end closed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot import hooks
from bot.blocks.common import Message, section


class Hook:
    """A response_url on loopback: what it received, and how it answers each POST."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.drop_first = 0  # this many POSTs get their connection closed, no answer
        self.status = 200
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def answer(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.drop_first:
            self.drop_first -= 1
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        self.bodies.append(body)
        return web.Response(status=self.status, text="ok" if self.status == 200 else "expired_url")


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    found = Hook()
    app = web.Application()
    app.router.add_post("/hook", found.answer)
    found.runner = web.AppRunner(app, access_log=None)
    await found.runner.setup()
    site = web.TCPSite(found.runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{found.runner.addresses[0][1]}/hook"
    try:
        yield found
    finally:
        await found.runner.cleanup()


CARD = Message("Poêle Dupont", [section("*Poêle Dupont* · 7 500 €")])


async def test_the_message_is_posted_as_slack_reads_it(hook: Hook) -> None:
    async with aiohttp.ClientSession() as session:
        status = await hooks.send(session, hook.url, CARD, replace=True)
    assert status == 200
    assert hook.bodies == [
        {
            "text": "Poêle Dupont", "blocks": CARD.blocks, "response_type": "ephemeral",
            "replace_original": True,
        }
    ]  # fmt: skip


async def test_without_a_session_one_is_opened_for_the_answer(hook: Hook) -> None:
    assert await hooks.send(None, hook.url, CARD, response_type="in_channel") == 200
    assert hook.bodies[0]["response_type"] == "in_channel"


async def test_a_connection_dropped_before_the_answer_is_tried_once_more(hook: Hook) -> None:
    hook.drop_first = 1
    async with aiohttp.ClientSession() as session:
        assert await hooks.send(session, hook.url, CARD) == 200
    assert len(hook.bodies) == 1  # said once


async def test_dropped_twice_the_error_reaches_the_caller(hook: Hook) -> None:
    hook.drop_first = 2
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await hooks.send(session, hook.url, CARD)
    assert hook.bodies == []


async def test_slack_refusing_the_url_is_its_status(hook: Hook) -> None:
    hook.status = 404
    async with aiohttp.ClientSession() as session:
        assert await hooks.send(session, hook.url, CARD) == 404
    assert [body["text"] for body in hook.bodies] == ["Poêle Dupont"]  # received, refused
