"""Shortcuts: a lead from any message, and a new deal from anywhere in Slack.

* **Create a lead from this message** (message shortcut ``lead_from_message``):
  the lead is titled by the message's first line, its contact is the author
  (name and e-mail, when ``users.info`` gives the e-mail), its note is the
  text, and its timeline gets a note with the text and the message's
  permalink (``chat.getPermalink``). The person who clicked gets the lead's
  card privately (``response_url``), with **Share in channel**. Creating is a
  ``once`` job: after a crash it is not done twice, the person is asked to check.
* **New deal** (global shortcut ``new_deal``): the new-deal form of ``/crm deal
  new``, opened at once (the trigger lives three seconds); the card comes back
  in a direct message, as there is no channel to answer in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot import cards
from bot.blocks import modals
from bot.blocks.common import Message, clip, escape, section
from bot.blocks.compact import with_share
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred
from bot.listeners.commands import modal_metadata
from bot.runtime import runtime_of
from engine.api import Engine
from engine.api.crm import ActivityDraft, ContactDraft, LeadDraft

log = logging.getLogger("relais.slack")

LEAD_FROM_MESSAGE = "lead_from_message"
NEW_DEAL = "new_deal"
TITLE_LENGTH = 80


def register(app: AsyncApp, engine: Engine) -> None:
    runtime = runtime_of(app)
    app.shortcut(LEAD_FROM_MESSAGE)(deferred(runtime, LEAD_FROM_MESSAGE))
    app.shortcut(NEW_DEAL)(deferred(runtime, "new_deal_shortcut", reads=True))  # a form


def always(body: Mapping[str, Any]) -> bool:
    return True


async def _author(ctx: JobContext, message: Mapping[str, Any]) -> tuple[str, str | None]:
    """The message author's name and e-mail (None when Slack does not give it)."""
    user_id = str(message.get("user") or "")
    fallback = str(message.get("username") or user_id or "Slack")
    if not user_id:
        return fallback, None
    try:
        response = await ctx.rt.client.users_info(user=user_id)
    except SlackApiError as exc:
        log.info("event=slack_author_unknown user=%s error=%s", user_id, exc.response.get("error"))
        return fallback, None
    found: dict[str, Any] = response.get("user") or {}
    profile = found.get("profile") or {}
    name = found.get("real_name") or profile.get("real_name") or found.get("name") or fallback
    return str(name), (str(profile["email"]) if profile.get("email") else None)


async def _permalink(ctx: JobContext, channel: str | None, ts: str | None) -> str | None:
    if not channel or not ts:
        return None
    try:
        response = await ctx.rt.client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as exc:
        log.info("event=slack_permalink_refused error=%s", exc.response.get("error"))
        return None
    link = response.get("permalink")
    return str(link) if link else None


def lead_title(text: str, fallback: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return clip(first, TITLE_LENGTH) if first else fallback


async def lead_from_message(ctx: JobContext) -> None:
    who = await ctx.who()
    message: dict[str, Any] = ctx.body.get("message") or {}
    text = str(message.get("text") or "").strip()
    name, email = await _author(ctx, message)
    link = await _permalink(ctx, ctx.channel, message.get("ts"))
    subject = t(who.locale, "lead_from_message_title", author=name)
    contact = ContactDraft(name, email) if email else None
    draft = LeadDraft(lead_title(text, subject), contact=contact, note=text, origin="slack")
    lead = await ctx.engine.leads.create(draft, who.actor)
    note = "\n\n".join(part for part in (text, link or "") if part)
    await ctx.engine.activities.create(
        ActivityDraft("note", subject, note=note, done=True, lead_id=lead.id), who.actor
    )
    done = t(who.locale, "lead_from_message_done", id=lead.id, author=name)
    card = await cards.blocks_of(
        ctx.engine, "lead", lead.id, who.locale, ctx.rt.settings.public_url
    )
    answer = Message(done, [section(f"✅ {escape(done)}"), *(card or [])])
    await ctx.say(with_share(answer, "lead", lead.id, who.locale))


async def new_deal_shortcut(ctx: JobContext) -> None:
    who = await ctx.who()
    await ctx.show_view(modals.new_deal(who.locale, modal_metadata(ctx)))


JOBS: dict[str, JobSpec] = {
    LEAD_FROM_MESSAGE: JobSpec(lead_from_message, once=always),
    "new_deal_shortcut": JobSpec(new_deal_shortcut, modal=always),
}
