"""``/crm`` and its sub-commands (see ``/crm help``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import parse, quotes, screens
from bot.blocks import modals
from bot.blocks.common import Message, section
from bot.blocks.help import help_message
from bot.blocks.values import metadata
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.listeners import automation, deferred, share
from bot.listeners import quotes as quote_flow
from bot.listeners import stages as stage_admin
from bot.listeners.pictures import forecast_command
from bot.people import Who
from bot.runtime import runtime_of
from engine.api import Engine, clock, formats, typed
from engine.api.crm import ActivityDraft, ContactDraft, DealDraft, LeadDraft

COMMAND = "/crm"
SubCommand = Callable[[JobContext, Who, str], Awaitable[None]]
CREATES = ("deal_new", "lead_new", "log", "todo", "stages", "quote")
# Sub-commands that only read: answered without a journal row (see bot.listeners).
READS = (
    "help", "unknown", "deal_show", "pipeline", "activities", "leads", "runs", "workflows",
    "search", "forecast",
)  # fmt: skip
PAST_GRACE = timedelta(minutes=1)  # "now" typed a few seconds ago is not the past


def register(app: AsyncApp, engine: Engine) -> None:
    app.command(COMMAND)(deferred(runtime_of(app), "crm", reads=reads))


def opens_form(body: Mapping[str, Any]) -> bool:
    """``deal new`` or ``lead new`` without text, ``quote <deal id>`` alone: a form."""
    command = parse.parse(str(body.get("text", "")))
    if command.name == "quote":
        return quotes.opens_builder(command.rest)
    return command.name in ("deal_new", "lead_new") and not command.rest


def reads(body: Mapping[str, Any]) -> bool:
    """A card, a list, a search, the stages alone, or a form to open: nothing written."""
    command = parse.parse(str(body.get("text", "")))
    if command.name == "stages":
        return not command.rest.strip()
    return command.name in READS or opens_form(body)


def creates(body: Mapping[str, Any]) -> bool:
    """A quick line that creates something must not run twice after a crash."""
    command = parse.parse(str(body.get("text", "")))
    if command.name == "quote" and quotes.opens_builder(command.rest):
        return False
    return command.name in CREATES and bool(command.rest)


async def run(ctx: JobContext) -> None:
    who = await ctx.who()
    command = parse.parse(str(ctx.body.get("text", "")))
    await SUBCOMMANDS[command.name](ctx, who, command.rest)


async def show_help(ctx: JobContext, who: Who, rest: str) -> None:
    await ctx.say(help_message(who.locale, who.actor.is_admin))


async def unknown(ctx: JobContext, who: Who, rest: str) -> None:
    await ctx.say(Message(t(who.locale, "unknown_command", text=rest)))


def modal_metadata(ctx: JobContext, **extra: Any) -> str:
    """Where to answer once the modal is submitted: the channel and the response_url."""
    return metadata(ch=ctx.channel, ru=ctx.response_url, **extra)


async def deal_new(ctx: JobContext, who: Who, rest: str) -> None:
    if not rest:
        await ctx.show_view(modals.new_deal(who.locale, modal_metadata(ctx)))
        return
    try:
        quick = parse.quick_record(rest, locale=who.locale)
    except typed.Unreadable as exc:  # "7,500" in French: 7,5 or 7 500? Ask, never guess.
        await ctx.say(Message(exc.text(who.locale)))
        return
    contact = ContactDraft(email=quick.email) if quick.email else None
    draft = DealDraft(quick.title, contact=contact, expected_revenue=quick.amount)
    deal = await ctx.engine.deals.create(draft, who.actor)
    card = await screens.deal_card(ctx.engine, who, deal.id)
    intro = section(f"✅ {t(who.locale, 'deal_created', id=deal.id)}")
    await ctx.say(Message(card.text, [intro, *card.blocks]))


async def deal_show(ctx: JobContext, who: Who, rest: str) -> None:
    if not rest:
        await ctx.say(Message(t(who.locale, "usage_deal")))
        return
    deal_id = parse.record_id(rest)
    if deal_id is not None:
        await ctx.say(await screens.deal_card(ctx.engine, who, deal_id))
        return
    await ctx.say(await screens.deal_search(ctx.engine, who, rest))


async def pipeline(ctx: JobContext, who: Who, rest: str) -> None:
    await ctx.say(await screens.my_pipeline(ctx.engine, who))


async def activities(ctx: JobContext, who: Who, rest: str) -> None:
    await ctx.say(await screens.my_activities(ctx.engine, who))


async def log_activity(ctx: JobContext, who: Who, rest: str) -> None:
    line = parse.log_line(rest)
    if line is None:
        await ctx.say(Message(t(who.locale, "usage_log")))
        return
    subject = line.text.splitlines()[0][:120]
    draft = ActivityDraft(line.kind, subject, note=line.text, done=True, deal_id=line.deal_id)
    await ctx.engine.activities.create(draft, who.actor)
    await ctx.say(Message(t(who.locale, "activity_logged", id=line.deal_id, subject=subject)))


async def todo(ctx: JobContext, who: Who, rest: str) -> None:
    now = clock.utcnow()
    try:
        line = parse.todo_line(rest, who.tz, now, who.locale)
    except typed.Unreadable as exc:  # ambiguous, or an hour the clocks skip
        await ctx.say(Message(exc.text(who.locale)))
        return
    if line is None:
        await ctx.say(Message(t(who.locale, "usage_todo")))
        return
    if line.due < now - PAST_GRACE:  # a to-do in the past: refused, in so many words
        shown = formats.when(line.due, who.tz, who.locale)
        await ctx.say(Message(typed.said("date.past", who.locale, when=shown)))
        return
    draft = ActivityDraft("task", line.subject, due_at=line.due, deal_id=line.deal_id)
    activity = await ctx.engine.activities.create(draft, who.actor)
    shown = formats.when(activity.due_at or line.due, who.tz, who.locale)
    text = t(who.locale, "todo_created", id=line.deal_id, when=shown, subject=line.subject)
    await ctx.say(Message(text))


async def leads(ctx: JobContext, who: Who, rest: str) -> None:
    await ctx.say(await screens.lead_list(ctx.engine, who))


async def lead_new(ctx: JobContext, who: Who, rest: str) -> None:
    if not rest:
        await ctx.show_view(modals.new_lead(who.locale, modal_metadata(ctx)))
        return
    quick = parse.quick_record(rest, with_amount=False)
    contact = ContactDraft(email=quick.email) if quick.email else None
    lead = await ctx.engine.leads.create(LeadDraft(quick.title, contact=contact), who.actor)
    await ctx.say(Message(t(who.locale, "lead_created", id=lead.id)))


SUBCOMMANDS: dict[str, SubCommand] = {
    "help": show_help, "unknown": unknown, "deal_new": deal_new, "deal_show": deal_show,
    "pipeline": pipeline, "activities": activities, "log": log_activity, "todo": todo,
    "leads": leads, "lead_new": lead_new, "stages": stage_admin.command,
    "runs": automation.runs, "workflows": automation.workflows, "quote": quote_flow.command,
    "forecast": forecast_command, "search": share.command,
}  # fmt: skip

JOBS: dict[str, JobSpec] = {"crm": JobSpec(run, once=creates, modal=opens_form)}
