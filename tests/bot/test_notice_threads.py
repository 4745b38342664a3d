"""What the engine says about a record that has a notice answers in the notice's thread,
whatever order the two were queued in: a lead is announced once in its channel."""

from __future__ import annotations

from typing import Any

from bot.app import SlackBot
from engine.actors import Actor
from engine.chat import store
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.leads import LeadDraft
from tests.bot.conftest import LEADS
from tests.conftest import until
from tests.fakes.slack import Call, FakeSlack

CLI = Actor.cli("test")  # not from mail: the notifier announces nothing by itself


async def a_lead(relais: Engine) -> str:
    lead = await relais.leads.create(
        LeadDraft("Devis poêle", ContactDraft("Jean Dupont", "jean@dupont.fr")), CLI
    )
    return f"lead:{lead.id}"


async def queue(
    relais: Engine, lane: str, kind: str, ref: str | None = None, **extra: Any
) -> int | None:
    payload = {"text": "📨 Rappeler Jean Dupont", "blocks": [], **extra} if kind == "post" else None
    return await relais.db.write(lambda tx: store.enqueue(tx, lane, kind, payload, ref=ref), CLI)


async def deliver(bot: SlackBot) -> None:
    bot.runtime.outbox.kick()
    await bot.runtime.settle()


async def tried_once(relais: Engine, bot: SlackBot, message: int, within: float = 5.0) -> None:
    """``message`` has been tried and put back to wait for its notice."""

    async def tried() -> bool:
        return bool(await relais.outbox.attempts(message))

    bot.runtime.outbox.kick()
    await until(tried, within, "the reply's first try")


def posts(fake: FakeSlack) -> list[Call]:
    return fake.of("chat.postMessage")


async def notice_ts(relais: Engine, ref: str) -> str:
    where = await relais.db.read(lambda c: store.message_for(c, ref))
    assert where is not None and where[0] == LEADS
    return where[1]


async def test_a_reply_queued_before_its_notice_waits_for_it_and_threads_under_it(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    ref = await a_lead(relais)
    await queue(relais, LEADS, "post", thread_of=ref, notice_coming=True)
    await queue(relais, LEADS, "notice", ref=ref)
    await deliver(bot)
    notice, reply = posts(fake)
    assert notice.params.get("thread_ts") is None
    assert reply.params["thread_ts"] == await notice_ts(relais, ref)


async def test_a_reply_to_a_notice_not_queued_yet_waits_once_for_it(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    ref = await a_lead(relais)
    waiting = await queue(relais, LEADS, "post", thread_of=ref, notice_coming=True)
    assert waiting is not None
    await tried_once(relais, bot, waiting)
    assert posts(fake) == []  # the notice may be a moment behind: not announced twice
    await queue(relais, LEADS, "notice", ref=ref)
    notice, reply = await fake.wait_for("chat.postMessage", 2)
    assert notice.params.get("thread_ts") is None
    assert reply.params["thread_ts"] == await notice_ts(relais, ref)


async def test_without_a_notice_coming_the_message_stands_alone(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    ref = await a_lead(relais)
    await queue(relais, LEADS, "post", thread_of=ref, notice_coming=False)
    await deliver(bot)
    (alone,) = posts(fake)
    assert alone.params.get("thread_ts") is None


async def test_a_message_for_another_channel_is_not_put_in_the_notices_thread(
    fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    ref = await a_lead(relais)
    await queue(relais, LEADS, "notice", ref=ref)
    await deliver(bot)
    await queue(relais, "C_TEAM", "post", thread_of=ref, notice_coming=False)
    await deliver(bot)
    _, elsewhere = posts(fake)
    assert elsewhere.params["channel"] == "C_TEAM" and elsewhere.params.get("thread_ts") is None
