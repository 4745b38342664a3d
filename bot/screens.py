"""What the bot shows: engine reads gathered, then rendered by ``bot.blocks``.

Each function reads what one screen needs through the engine facade and
hands plain records to a pure Block Kit function.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot import moves
from bot.blocks import activities as activity_blocks
from bot.blocks import automation as automation_blocks
from bot.blocks import deal as deal_blocks
from bot.blocks import home as home_blocks
from bot.blocks import leads as lead_blocks
from bot.blocks import pipeline as pipeline_blocks
from bot.blocks import stages as stage_blocks
from bot.blocks.common import Block, Message
from bot.blocks.deal import DealCard, Person
from bot.blocks.leads import LastChange, LeadView
from bot.people import Who
from bot.when import local_today
from engine.api import Engine, NotFound, clock
from engine.api.crm import Activity, Lead, LeadFilters

MAX_FOUND = 20
OPEN_LEADS = ("new", "contacted", "qualified")
UNCLAIMED = "none"  # a lead listing's owner: nobody's


async def person(engine: Engine, user_id: int | None) -> Person | None:
    if user_id is None:
        return None
    try:
        user = await engine.users.get(user_id)
    except NotFound:
        return None
    return Person(user.name, user.slack_id)


def _split(items: list[Activity]) -> tuple[list[Activity], list[Activity]]:
    upcoming = [a for a in items if not a.done and a.kind != "email"]
    mails = sorted((a for a in items if a.kind == "email"), key=lambda a: a.id, reverse=True)
    return upcoming, mails


async def deal_card_data(engine: Engine, who: Who | None, deal_id: int) -> DealCard:
    view = await engine.deals.view(deal_id, None if who is None else who.actor)
    deal = view.deal
    stage = next((s.name for s in view.pipeline.stages if s.id == deal.stage_id), "?")
    owner = None if view.owner is None else Person(view.owner.name, view.owner.slack_id)
    options = moves.options_in(view, who) if who is not None else []
    upcoming, mails = _split(view.activities)
    return DealCard(deal, stage, owner, view.contact, upcoming, mails, options)


async def _none() -> None:
    return None


async def deal_card(engine: Engine, who: Who, deal_id: int) -> Message:
    card = await deal_card_data(engine, who, deal_id)
    return deal_blocks.deal_card(card, who.locale, who.tz, clock.utcnow())


async def deal_search(engine: Engine, who: Who, text: str) -> Message:
    found = await engine.deals.search(text)
    if len(found) == 1:
        return await deal_card(engine, who, found[0].id)
    stages = {}
    for pipeline in await engine.pipelines.all():
        stages.update({s.id: s.name for s in pipeline.stages})
    return deal_blocks.search_results(found[:MAX_FOUND], text, stages, who.locale)


async def my_pipeline(engine: Engine, who: Who) -> Message:
    summaries, deals, pipeline = await asyncio.gather(
        engine.deals.my_pipeline(who.user.id),
        engine.deals.my_open(who.user.id),
        engine.pipelines.get(),
    )
    return pipeline_blocks.my_pipeline(summaries, deals, pipeline.currency, who.locale)


async def my_activities(engine: Engine, who: Who) -> Message:
    items = await engine.activities.mine(who.user.id)
    return activity_blocks.my_activities(items, who.locale, who.tz, clock.utcnow())


async def lead_view(engine: Engine, lead: Lead) -> LeadView:
    contact, owner, items, history = await asyncio.gather(
        engine.contacts.get(lead.contact_id) if lead.contact_id else _none(),
        person(engine, lead.owner_id),
        engine.activities.on_record("lead", lead.id),
        engine.timeline.of("lead", lead.id),
    )
    mail = next((a for a in items if a.kind == "email"), None)
    last = None
    if history and len(history) > 1:
        entry = history[-1]
        who = await person(engine, entry.actor_user_id) or Person(entry.actor_label)
        last = LastChange(who, entry.at)
    return LeadView(lead, contact, owner, mail, last)


async def lead_list(engine: Engine, who: Who) -> Message:
    found = await asyncio.gather(*(engine.leads.by_status(status) for status in OPEN_LEADS))
    leads = sorted((lead for group in found for lead in group), key=lambda x: -x.id)
    views = [await lead_view(engine, lead) for lead in leads[:15]]
    return lead_blocks.lead_list(views, who.locale, who.tz)


async def notice(engine: Engine, ref: str, locale: str, tz: str) -> Message | None:
    """The channel notice for ``lead:12`` or ``deal:7``, from the record as it is now."""
    kind, _, number = ref.partition(":")
    try:
        if kind == "lead":
            view = await lead_view(engine, await engine.leads.get(int(number)))
            return lead_blocks.lead_notice(view, locale, tz)
        if kind == "deal":
            card = await deal_card_data(engine, None, int(number))
            return deal_blocks.deal_notice(card, next(iter(card.mails), None), locale)
    except NotFound:
        return None
    return None


async def home(engine: Engine, who: Who) -> Block:
    """My day, my open deals by stage, the leads nobody has claimed yet."""
    summaries, deals, items, pipeline, unclaimed = await asyncio.gather(
        engine.deals.my_pipeline(who.user.id),
        engine.deals.my_open(who.user.id),
        engine.activities.mine(who.user.id),
        engine.pipelines.get(),
        engine.leads.listing(LeadFilters("open", UNCLAIMED, limit=home_blocks.MAX_LEADS)),
    )
    now = clock.utcnow()
    due = [a for a in items if _due_by_today(a, now, who.tz)]
    data = home_blocks.HomeData(
        who.user.name, summaries, deals, pipeline.currency, due, list(unclaimed.leads),
        unclaimed.count,
    )  # fmt: skip
    return home_blocks.home_view(data, who.locale, who.tz, now)


def _due_by_today(activity: Activity, now: datetime, tz: str) -> bool:
    """Overdue, or due before the end of the user's today."""
    return activity.due_at is not None and local_today(activity.due_at, tz) <= local_today(now, tz)


async def workflow_list(engine: Engine, who: Who) -> Message:
    stored, summaries = await asyncio.gather(engine.workflows.all(), engine.workflows.summaries())
    return automation_blocks.workflow_list(stored, summaries, who.locale, who.tz)


async def stage_list(
    engine: Engine, who: Who, pipeline: str | None = None, page: int = 0, near: str | None = None
) -> Message:
    """A page of the stages: page ``page``, or the one holding stage ``near`` when given."""
    found = await engine.pipelines.get(pipeline)
    if near is not None:
        page = stage_blocks.page_of(found, near)
    return stage_blocks.stage_list(found, who.locale, page)
