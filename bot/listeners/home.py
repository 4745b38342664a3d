"""App Home buttons of its own: **Claim** on a lead nobody owns yet.

The claim assigns the lead through the engine (``leads.assign``, with the
version the tab showed); the lead's event then redraws every open Home tab, the
claimer's included (see :mod:`bot.home`). Someone faster is no error: the person
is told, kindly, who has the lead now.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot import screens
from bot.blocks.common import Message
from bot.blocks.values import number, unpack
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred
from bot.people import Who
from bot.runtime import runtime_of
from engine.api import Conflict, Engine, NotFound
from engine.api.crm import Lead

OPEN = ("new", "contacted", "qualified")


def register(app: AsyncApp, engine: Engine) -> None:
    app.action("home_claim")(deferred(runtime_of(app), "home_claim"))


async def _taken(ctx: JobContext, who: Who, lead: Lead) -> bool:
    """Told and True when ``lead`` is no longer there to claim."""
    if lead.owner_id == who.user.id:
        return False
    if lead.owner_id is not None:
        owner = await screens.person(ctx.engine, lead.owner_id)
        name = owner.name if owner is not None else "?"
        await ctx.say(Message(t(who.locale, "home_claim_taken", name=name, id=lead.id)))
        return True
    if lead.status not in OPEN:
        await ctx.say(Message(t(who.locale, "home_claim_gone", id=lead.id)))
        return True
    return False


async def home_claim(ctx: JobContext) -> None:
    lead_ref, version = unpack(ctx.action_value, 2)
    who = await ctx.who()
    lead_id = number(lead_ref)
    try:
        lead = await ctx.engine.leads.get(lead_id if lead_id is not None else 0)
    except NotFound:
        await ctx.say(Message(t(who.locale, "home_claim_gone", id=lead_ref)))
        return
    if await _taken(ctx, who, lead):
        return
    try:
        await ctx.engine.leads.assign(lead.id, who.user.id, who.actor, number(version))
    except Conflict:  # changed since the tab was drawn: claimed by someone, or only edited
        fresh = await ctx.engine.leads.get(lead.id)
        if await _taken(ctx, who, fresh):
            return
        await ctx.engine.leads.assign(lead.id, who.user.id, who.actor, fresh.version)


JOBS: dict[str, JobSpec] = {"home_claim": JobSpec(home_claim)}
