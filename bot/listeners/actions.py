"""Buttons: on deal cards, activity lists, leads and notices, and the home tab.

Each button's value carries the record and the version the person saw
(``42|3``), so a click on a stale card is a conflict, answered with the
fresh card, never an overwrite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import moves, screens
from bot.blocks import modals
from bot.blocks.common import Message, section
from bot.blocks.values import number, unpack
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred
from bot.listeners.commands import modal_metadata
from bot.people import Who
from bot.runtime import runtime_of
from bot.when import snoozed
from engine.api import Engine, ValidationFailed, clock, formats

MOVE = re.compile(r"^deal_move_\d+$")
SIMPLE = (
    "deal_show", "deal_log", "deal_claim", "activity_done", "activity_snooze",
    "activity_snooze_menu", "lead_claim", "lead_qualify", "lead_convert", "lead_disqualify",
    "home_new_deal", "home_refresh",
)  # fmt: skip
# Buttons that only read or open a form: run without a journal row (see bot.listeners).
# ``home_refresh`` reads the tab and publishes it again: a copy publishes it once more.
READS = ("deal_show", "deal_log", "lead_disqualify", "home_new_deal", "home_refresh")


def register(app: AsyncApp, engine: Engine) -> None:
    runtime = runtime_of(app)
    app.action(MOVE)(deferred(runtime, "deal_move", reads=asks_fields))  # a form: a read
    for action_id in SIMPLE:
        app.action(action_id)(deferred(runtime, action_id, reads=action_id in READS))


def _ids(ctx: JobContext, count: int) -> list[str]:
    return unpack(ctx.action_value, count)


def _record(text: str) -> int:
    found = number(text)
    if found is None:
        raise ValidationFailed({"record": f"not a record id: {text!r}"})
    return found


# -- deals -------------------------------------------------------------------------


async def deal_show(ctx: JobContext) -> None:
    who = await ctx.who()
    (deal_id,) = _ids(ctx, 1)
    await ctx.say(await screens.deal_card(ctx.engine, who, _record(deal_id)))


async def deal_move(ctx: JobContext) -> None:
    """A transition button: open the form at once if it asks for anything, else move."""
    deal_id, key, version, asks = _ids(ctx, 4)
    if asks:
        await _move_with_form(ctx, _record(deal_id), key, number(version))
        return
    who = await ctx.who()
    deal = await moves.perform(ctx.engine, who, _record(deal_id), key, {}, number(version))
    card = await screens.deal_card(ctx.engine, who, deal.id)
    await ctx.say(card, replace=True)


async def _move_with_form(ctx: JobContext, deal_id: int, key: str, version: int | None) -> None:
    """Open the form (in one views.open when it is ready in time: see ``bot.jobs``)."""
    who = await ctx.who()
    deal = await ctx.engine.deals.get(deal_id)
    form = await moves.form(ctx.engine, who, deal, key)
    meta = modal_metadata(ctx, deal=deal_id, key=key, version=version)
    await ctx.show_view(modals.move(form, who.locale, meta))


def asks_fields(body: Mapping[str, Any]) -> bool:
    """A transition button flagged ``f`` shows a form."""
    actions = body.get("actions") or [{}]
    return unpack(str(actions[0].get("value", "")), 4)[3] == "f"


def always(body: Mapping[str, Any]) -> bool:
    return True


async def deal_log(ctx: JobContext) -> None:
    (deal_id,) = _ids(ctx, 1)
    who = await ctx.who()
    deal = await ctx.engine.deals.get(_record(deal_id))
    meta = modal_metadata(ctx, deal=deal.id)
    await ctx.show_view(modals.log_activity(f"#{deal.id} {deal.title}", who.locale, meta))


async def deal_claim(ctx: JobContext) -> None:
    deal_id, version = _ids(ctx, 2)
    who = await ctx.who()
    await ctx.engine.deals.update(
        _record(deal_id), {"owner": who.user.id}, who.actor, expected_version=number(version)
    )


# -- activities --------------------------------------------------------------------


async def _after_activity(ctx: JobContext, who: Who, note: str) -> None:
    if ctx.from_home:
        await ctx.rt.home.publish(who)
        return
    listing = await screens.my_activities(ctx.engine, who)
    await ctx.say(Message(listing.text, [section(note), *listing.blocks]), replace=True)


async def activity_done(ctx: JobContext) -> None:
    activity_id, version = _ids(ctx, 2)
    who = await ctx.who()
    done = await ctx.engine.activities.complete(_record(activity_id), who.actor, number(version))
    await _after_activity(
        ctx, who, "✅ " + t(who.locale, "activity_marked_done", subject=done.subject)
    )


async def activity_snooze(ctx: JobContext) -> None:
    activity_id, version, choice = _ids(ctx, 3)
    who = await ctx.who()
    due = snoozed(choice, clock.utcnow(), who.tz)
    moved = await ctx.engine.activities.reschedule(
        _record(activity_id), due, who.actor, number(version)
    )
    shown = formats.when(due, who.tz, who.locale)
    note = "⏰ " + t(who.locale, "activity_snoozed", subject=moved.subject, when=shown)
    await _after_activity(ctx, who, note)


# -- leads -------------------------------------------------------------------------


async def _after_lead(ctx: JobContext, who: Who, where: str, extra: Message | None = None) -> None:
    """A list shown to one person is redrawn; a channel notice redraws itself."""
    if where == "l":
        listing = await screens.lead_list(ctx.engine, who)
        await ctx.say(listing, replace=True)
    if extra is not None:
        await ctx.say(extra)


async def lead_claim(ctx: JobContext) -> None:
    lead_id, version, where = _ids(ctx, 3)
    who = await ctx.who()
    await ctx.engine.leads.assign(_record(lead_id), who.user.id, who.actor, number(version))
    await _after_lead(ctx, who, where)


async def lead_qualify(ctx: JobContext) -> None:
    lead_id, version, where = _ids(ctx, 3)
    who = await ctx.who()
    await ctx.engine.leads.set_status(
        _record(lead_id), "qualified", who.actor, expected_version=number(version)
    )
    await _after_lead(ctx, who, where)


async def lead_convert(ctx: JobContext) -> None:
    lead_id, version, where = _ids(ctx, 3)
    who = await ctx.who()
    deal = await ctx.engine.leads.convert(
        _record(lead_id), who.actor, expected_version=number(version)
    )
    card = await screens.deal_card(ctx.engine, who, deal.id)
    await _after_lead(ctx, who, where, card)


async def lead_disqualify(ctx: JobContext) -> None:
    lead_id, version, where = _ids(ctx, 3)
    who = await ctx.who()
    lead = await ctx.engine.leads.get(_record(lead_id))
    meta = modal_metadata(ctx, lead=lead.id, version=number(version), where=where)
    await ctx.show_view(modals.disqualify(f"#{lead.id} {lead.title}", who.locale, meta))


# -- home --------------------------------------------------------------------------


async def home_new_deal(ctx: JobContext) -> None:
    who = await ctx.who()
    await ctx.show_view(modals.new_deal(who.locale, modal_metadata(ctx)))


async def home_refresh(ctx: JobContext) -> None:
    await ctx.rt.home.publish(await ctx.who())


JOBS: dict[str, JobSpec] = {
    "deal_show": JobSpec(deal_show), "deal_move": JobSpec(deal_move, modal=asks_fields),
    "deal_log": JobSpec(deal_log, modal=always), "deal_claim": JobSpec(deal_claim),
    "activity_done": JobSpec(activity_done), "activity_snooze": JobSpec(activity_snooze),
    "activity_snooze_menu": JobSpec(activity_snooze), "lead_claim": JobSpec(lead_claim),
    "lead_qualify": JobSpec(lead_qualify), "lead_convert": JobSpec(lead_convert),
    "lead_disqualify": JobSpec(lead_disqualify, modal=always),
    "home_new_deal": JobSpec(home_new_deal, modal=always),
    "home_refresh": JobSpec(home_refresh),
}  # fmt: skip
