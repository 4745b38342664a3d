"""Relais links and ``D-42`` written in Slack, answered with the record's compact card.

* A link to a deal or a lead (``<RELAIS_PUBLIC_URL>deals/42``) posted in a
  conversation: Slack sends ``link_shared`` (the manifest's ``unfurl_domains``
  holds that host) and the bot answers ``chat.unfurl`` with the compact card,
  shown under the message for everyone.
* ``D-42``, ``#D-42`` or ``L-7`` written in a message of a channel the bot is
  in: the compact card is posted **in the message's thread** (public, like the
  message: everyone reading the conversation gets the reference; an ephemeral
  would help only the writer, who knows the record). At most three records a
  message, each once; messages of bots (the bot's own cards included), edits
  and other subtypes are ignored, so a card never answers itself.

Both are Events API deliveries: acked at once, journaled under their
``event_id`` (a retried delivery does nothing), done by a job. The card is in
the language of the person who wrote the message. A record that does not
exist is passed over in silence.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import cards, refs
from bot.blocks.common import Block
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred_event
from bot.runtime import runtime_of
from engine.api import Engine

log = logging.getLogger("relais.slack")

REPLIED_SUBTYPES = (None, "thread_broadcast", "file_share")  # a person wrote it


def register(app: AsyncApp, engine: Engine) -> None:
    runtime = runtime_of(app)
    app.event("link_shared")(deferred_event(runtime, "unfurl_links"))
    journal = deferred_event(runtime, "ref_reply")

    async def names_records(body: dict[str, Any]) -> None:
        """Every message of the channel comes here: only one naming a record is journaled."""
        if wants_reply(body.get("event") or {}):
            await journal(body)

    app.event("message")(names_records)


def wants_reply(event: dict[str, Any]) -> bool:
    if event.get("bot_id") or event.get("subtype") not in REPLIED_SUBTYPES:
        return False
    return bool(refs.in_text(str(event.get("text") or "")))


async def unfurl_links(ctx: JobContext) -> None:
    event = ctx.body.get("event") or {}
    base = ctx.rt.settings.public_url
    locale = await ctx.rt.people.locale_of(str(event.get("user") or ""))
    unfurls: dict[str, dict[str, list[Block]]] = {}
    for link in event.get("links") or []:
        url = str(link.get("url") or "")
        ref = refs.from_link(base, url)
        if ref is None or url in unfurls:
            continue
        blocks = await cards.blocks_of(ctx.engine, ref.kind, ref.id, locale, base)
        if blocks is not None:
            unfurls[url] = {"blocks": blocks}
    if not unfurls:
        return
    where: dict[str, Any]
    if event.get("unfurl_id") and event.get("source"):
        where = {"unfurl_id": event["unfurl_id"], "source": event["source"]}
    else:
        where = {"channel": event.get("channel"), "ts": event.get("message_ts")}
    await ctx.rt.client.chat_unfurl(unfurls=unfurls, **where)
    log.info("event=slack_unfurled links=%d", len(unfurls))


async def ref_reply(ctx: JobContext) -> None:
    event = ctx.body.get("event") or {}
    channel = str(event.get("channel") or "")
    base = ctx.rt.settings.public_url
    locale = await ctx.rt.people.locale_of(str(event.get("user") or ""))
    found: list[Block] = []
    for ref in refs.in_text(str(event.get("text") or "")):
        blocks = await cards.blocks_of(ctx.engine, ref.kind, ref.id, locale, base)
        if blocks is not None:
            found.extend(blocks)
    if not found or not channel:
        return
    thread = event.get("thread_ts") or event.get("ts")
    await ctx.rt.client.chat_postMessage(
        channel=channel, thread_ts=thread, text=cards.plain_text(found), blocks=found,
        unfurl_links=False,
    )  # fmt: skip


JOBS: dict[str, JobSpec] = {"unfurl_links": JobSpec(unfurl_links), "ref_reply": JobSpec(ref_reply)}
