"""Modal submissions: validated by the engine *before* the ack.

Slack shows field errors only when they come back in the ack itself
(``response_action: errors``, keyed by input block ids), so a submission
runs its engine call first (a few milliseconds), then acks: errors, a
result view (a refusal, or a conflict with the fresh card), or closing the
modal and journaling the follow-up message, which runs as a job.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot import moves, screens
from bot.blocks import modals
from bot.blocks.common import Block, Message, section
from bot.blocks.forms import NOTE, field_values, submitted
from bot.blocks.values import read_metadata
from bot.errors import error_message, input_ids, modal_errors
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.people import Who
from bot.runtime import Runtime, runtime_of
from bot.when import from_picker
from engine.activities import ActivityDraft
from engine.contacts import ContactDraft
from engine.core import Engine
from engine.deals import DealDraft
from engine.errors import Conflict, RelaisError, ValidationFailed
from engine.leads import LeadDraft

log = logging.getLogger("relais.slack")

Values = dict[str, Any]
# (engine, who, values by block id, metadata) → what the follow-up job needs
Submit = Callable[[Engine, Who, Values, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Form:
    submit: Submit
    blocks: Mapping[str, str]  # engine field → input block id, for the errors
    followup: str


def _text(values: Values, block: str) -> str | None:
    value = values.get(block)
    return None if value in (None, "") else str(value).strip()


def _contact(values: Values) -> ContactDraft | None:
    """The prospect of a "new deal" or "new lead" form, if it names one."""
    email, name = _text(values, "contact_email"), _text(values, "contact_name") or ""
    return ContactDraft(name, email) if (email or name) else None


async def new_deal(
    engine: Engine, who: Who, values: Values, meta: dict[str, Any]
) -> dict[str, Any]:
    contact = _contact(values)
    draft = DealDraft(
        _text(values, "title") or "", contact=contact, organisation=_text(values, "organisation"),
        expected_revenue=_text(values, "amount"), expected_close=_text(values, "close"),
    )  # fmt: skip
    deal = await engine.create_deal(draft, who.actor)
    return {"deal": deal.id}


async def new_lead(
    engine: Engine, who: Who, values: Values, meta: dict[str, Any]
) -> dict[str, Any]:
    contact = _contact(values)
    draft = LeadDraft(
        _text(values, "title") or "", contact=contact, organisation=_text(values, "organisation"),
        note=_text(values, "note") or "",
    )  # fmt: skip
    lead = await engine.create_lead(draft, who.actor)
    return {"lead": lead.id}


async def disqualify(
    engine: Engine, who: Who, values: Values, meta: dict[str, Any]
) -> dict[str, Any]:
    lead = await engine.set_lead_status(
        int(meta["lead"]), "disqualified", who.actor, reason=_text(values, "reason"),
        expected_version=meta.get("version"),
    )  # fmt: skip
    return {"lead": lead.id}


async def log_activity(
    engine: Engine, who: Who, values: Values, meta: dict[str, Any]
) -> dict[str, Any]:
    due = from_picker(_text(values, "due"), who.tz)
    draft = ActivityDraft(
        _text(values, "kind") or "note", _text(values, "subject") or "",
        note=_text(values, "note") or "", due_at=due, done=due is None, deal_id=int(meta["deal"]),
    )  # fmt: skip
    activity = await engine.create_activity(draft, who.actor)
    return {"deal": meta["deal"], "subject": activity.subject}


async def move(engine: Engine, who: Who, values: Values, meta: dict[str, Any]) -> dict[str, Any]:
    deal = await engine.deal(int(meta["deal"]))
    form = await moves.form(engine, who, deal, str(meta["key"]))
    given = field_values(form.fields, values, form.checklist)
    if form.note != "none":
        given[NOTE] = values.get(NOTE)
    moved = await moves.perform(engine, who, deal.id, str(meta["key"]), given, meta.get("version"))
    return {"deal": moved.id}


async def _move_blocks(engine: Engine, who: Who, meta: dict[str, Any]) -> dict[str, str]:
    deal = await engine.deal(int(meta["deal"]))
    return moves.error_blocks(await moves.form(engine, who, deal, str(meta["key"])))


FORMS: dict[str, Form] = {
    "deal_new": Form(new_deal, modals.DEAL_INPUTS, "after_deal_new"),
    "lead_new": Form(new_lead, modals.LEAD_INPUTS, "after_lead_new"),
    "lead_disqualify": Form(disqualify, {"reason": "reason", "status": "reason"}, "after_lead"),
    "deal_log": Form(log_activity, modals.LOG_INPUTS, "after_log"),
    "deal_move": Form(move, {}, "after_move"),
}


def register(app: AsyncApp, engine: Engine) -> None:
    runtime = runtime_of(app)
    for callback_id, form in FORMS.items():
        app.view(callback_id)(_listener(runtime, form))


def _listener(runtime: Runtime, form: Form) -> Callable[..., Awaitable[None]]:
    async def validate_then_ack(ack: AsyncAck, body: dict[str, Any]) -> None:
        who = await runtime.people.who(body["user"]["id"])
        view = body["view"]
        meta = read_metadata(view.get("private_metadata"))
        try:
            result = await form.submit(runtime.engine, who, submitted(view), meta)
        except ValidationFailed as exc:
            blocks = await _error_blocks(form, runtime.engine, who, meta)
            errors = modal_errors(exc, blocks, input_ids(view.get("blocks") or []), who.locale)
            await ack(response_action="errors", errors=errors)
            return
        except RelaisError as exc:
            await ack(response_action="update", view=await _refusal(runtime.engine, who, exc))
            return
        job = await runtime.journal.record(form.followup, {**body, "result": result})
        await ack()
        if job is not None:
            runtime.journal.start(job)

    return validate_then_ack


async def _error_blocks(
    form: Form, engine: Engine, who: Who, meta: dict[str, Any]
) -> Mapping[str, str]:
    return await _move_blocks(engine, who, meta) if form.submit is move else form.blocks


async def _refusal(engine: Engine, who: Who, exc: RelaisError) -> Block:
    message = error_message(exc, who.locale)
    blocks = list(message.blocks)
    if isinstance(exc, Conflict) and exc.entity == "deal":
        fresh = await screens.deal_card(engine, who, exc.entity_id)
        blocks += [b for b in fresh.blocks if b.get("type") != "actions"]
    return modals.result(t(who.locale, "move_title"), blocks, who.locale)


# -- follow-ups (jobs) ----------------------------------------------------------


async def after_deal_new(ctx: JobContext) -> None:
    who = await ctx.who()
    deal_id = int(ctx.body["result"]["deal"])
    card = await screens.deal_card(ctx.engine, who, deal_id)
    intro = section(f"✅ {t(who.locale, 'deal_created', id=deal_id)}")
    await ctx.say(Message(card.text, [intro, *card.blocks]))


async def after_lead_new(ctx: JobContext) -> None:
    who = await ctx.who()
    await ctx.say(Message(t(who.locale, "lead_created", id=ctx.body["result"]["lead"])))


async def after_lead(ctx: JobContext) -> None:
    if ctx.meta.get("where") == "l":
        who = await ctx.who()
        await ctx.say(await screens.lead_list(ctx.engine, who), replace=True)


async def after_log(ctx: JobContext) -> None:
    who = await ctx.who()
    result = ctx.body["result"]
    await ctx.say(
        Message(t(who.locale, "activity_logged", id=result["deal"], subject=result["subject"]))
    )


async def after_move(ctx: JobContext) -> None:
    """The card the move started from is replaced by the fresh one."""
    who = await ctx.who()
    card = await screens.deal_card(ctx.engine, who, int(ctx.body["result"]["deal"]))
    await ctx.say(card, replace=True)


JOBS: dict[str, JobSpec] = {
    "after_deal_new": JobSpec(after_deal_new), "after_lead_new": JobSpec(after_lead_new),
    "after_lead": JobSpec(after_lead), "after_log": JobSpec(after_log),
    "after_move": JobSpec(after_move),
}  # fmt: skip
