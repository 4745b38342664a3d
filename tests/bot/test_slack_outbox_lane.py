"""The outbox's slack lane, delivered by the bot: one queue for the engine's notifications
and the bot's own posts, in order per channel through a Retry-After, taken back from a
deliverer that died, and a dead letter listed and retried from the command line."""

from __future__ import annotations

import asyncio
import io
import time
from collections import deque
from functools import partial
from pathlib import Path

from bot.app import SlackBot
from cli.context import Context
from cli.main import build_parser
from config.settings import load_settings
from engine.actors import Actor
from engine.core import Engine
from engine.outbox import queue
from engine.outbox.queue import Message
from tests.bot.conftest import LEADS
from tests.fakes.slack import Failure, FakeSlack

CLI = Actor.cli("test")


async def notify(relais: Engine, recipient: str, text: str) -> int:
    """An engine notification, written as the engine writes one (a workflow's Notify)."""
    return await relais.db.write(
        partial(queue.enqueue, kind="notification", recipient=recipient, payload={"text": text}),
        CLI,
    )


async def message_when(
    relais: Engine, message_id: int, status: str, seconds: float = 10.0
) -> Message:
    """Wait, with a deadline, until the message reaches ``status``."""
    deadline = time.monotonic() + seconds
    while (message := await relais.outbox.message(message_id)).status != status:
        assert time.monotonic() < deadline, f"message {message_id} still {message.status}"
        await asyncio.sleep(0.02)
    return message


def texts(fake: FakeSlack, channel: str) -> list[str]:
    return [c.params["text"] for c in fake.of("chat.postMessage") if c.params["channel"] == channel]


async def test_one_channel_keeps_its_order_through_a_retry_after_others_go_on(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    fake.fail("chat.postMessage", 1, status=429, retry_after=1)
    started = time.monotonic()
    first = await notify(relais, f"channel:{LEADS}", "un")
    await relais.outbox.queue_slack(f"channel:{LEADS}", "post", {"text": "deux", "blocks": []})
    third = await notify(relais, f"channel:{LEADS}", "trois")
    await notify(relais, "channel:C_OTHER", "ailleurs")
    bot.runtime.outbox.kick()
    await message_when(relais, third, "delivered")
    assert time.monotonic() - started >= 1.0  # Slack's Retry-After was waited
    assert texts(fake, LEADS) == ["un", "deux", "trois"]
    calls = [c.method + ":" + c.params.get("text", "") for c in fake.calls]
    # the other channel did not wait for the rate-limited one
    assert calls.index("chat.postMessage:ailleurs") < calls.index("chat.postMessage:un")
    attempts = await relais.outbox.attempts(first)
    assert [(a.ok, a.status_code, a.detail) for a in attempts] == [
        (False, 429, "ratelimited"),
        (True, 200, attempts[1].detail),
    ]


async def test_a_message_claimed_by_a_deliverer_that_died_comes_back_after_its_lease(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await bot.runtime.outbox.stop()
    message_id = await notify(relais, f"channel:{LEADS}", "repris")
    claimed_at = time.monotonic()  # the lease runs from the claim's start, not its answer
    (claimed,) = await relais.outbox.claim_lane("slack", lease=0.5)  # …and never settled
    assert claimed.id == message_id
    bot.runtime.outbox.start()
    await fake.wait_for("chat.postMessage", 1, seconds=10)
    assert time.monotonic() - claimed_at >= 0.4  # not before the lease ran out
    delivered = await message_when(relais, message_id, "delivered")
    assert texts(fake, LEADS) == ["repris"] and delivered.attempts == 1


async def run_cli(database: str | Path, *argv: str) -> tuple[int, str, str]:
    """``run.py argv`` in process, on the running service's database."""
    settings = load_settings({"RELAIS_DATABASE": str(database)}, env_file=None)
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(settings, out=out, err=err)
    args = build_parser().parse_args(list(argv))
    try:
        code: int = await args.handler(args, ctx)
    finally:
        await ctx.close()
    return code, out.getvalue(), err.getvalue()


async def test_a_dead_letter_is_listed_shown_and_retried_from_the_command_line(
    fake: FakeSlack, bot: SlackBot, relais: Engine, tmp_path: Path
) -> None:
    refusal = Failure(200, {"ok": False, "error": "channel_not_found"})
    fake.failures.setdefault("chat.postMessage", deque()).append(refusal)
    message_id = await notify(relais, "channel:C_GONE", "perdu")
    bot.runtime.outbox.kick()
    dead = await message_when(relais, message_id, "failed")
    assert dead.last_error == "channel_not_found"
    database = relais.db.url or relais.db.path  # the service's: a file, or PostgreSQL
    code, out, err = await run_cli(database, "outbox", "list", "--status", "dead", "--lang", "en")
    assert (code, err) == (0, "")
    assert out.startswith(f"#{message_id} slack:notification to channel:C_GONE: failed after 1")
    assert out.splitlines()[1] == "    reason: channel_not_found"
    code, out, _ = await run_cli(database, "outbox", "retry", str(message_id), "--lang", "fr")
    assert (code, out) == (
        0,
        f"Message #{message_id} remis en file : il repart maintenant (slack).\n",
    )
    bot.runtime.outbox.kick()  # the service's tick would; the CLI is another process
    await message_when(relais, message_id, "delivered")
    assert texts(fake, "C_GONE") == ["perdu"]
    code, out, _ = await run_cli(database, "outbox", "show", str(message_id), "--lang", "en")
    assert code == 0 and "delivered after 1 attempt," in out.splitlines()[0]
    failed, ok = out.splitlines()[2:]
    assert " failed 200 (" in failed and failed.endswith(" channel_not_found")
    assert " ok 200 (" in ok and " C_GONE " in ok
    none = await run_cli(database, "outbox", "list", "--lane", "slack", "--status", "dead",
                         "--lang", "en")  # fmt: skip
    assert none == (0, "No message.\n", "")
