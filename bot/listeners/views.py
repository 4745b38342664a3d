"""Modal submissions: validated by the engine *before* the ack.

Slack shows field errors only when they come back in the ack itself
(``response_action: errors``, keyed by input block ids), so a submission
runs its engine call first (a few milliseconds), then acks: errors, a
result view (a refusal, or a conflict with the fresh card), or closing the
modal and journaling the follow-up message, which runs as a job.

Errors Slack could not show on an input of the open form (a field it does
not have) come back as the same form with a notice at its top listing them
all. A move form whose blueprint changed while it was open (other fields,
another checklist) is not submitted: it comes back as the blueprint asks
now, with a notice, and what was typed stays where the inputs did not
change. Metadata or values a form cannot carry are a malformed request
(400, :class:`~bot.shapes.Malformed`), never a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot import moves, screens, stale
from bot.blocks import modals
from bot.blocks.common import Block, Message, section
from bot.blocks.forms import NOTE, MoveForm, field_values, submitted
from bot.blocks.values import read_metadata
from bot.errors import describe, error_message, input_ids, place_errors, with_notice
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.people import Who
from bot.runtime import Runtime, runtime_of
from bot.shapes import Malformed
from bot.when import from_picker
from engine.api import Conflict, Engine, Phrase, RelaisError, ValidationFailed
from engine.api.crm import ActivityDraft, ContactDraft, DealDraft, LeadDraft

NOT_A_DAY = Phrase("value.not_a_day")

log = logging.getLogger("relais.slack")

Values = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Submitted:
    """One submission: values by input block id, the form's metadata, the view as open."""

    values: Values
    meta: dict[str, Any]
    view: dict[str, Any]

    @classmethod
    def of(cls, view: dict[str, Any]) -> Submitted:
        try:
            values = submitted(view)
        except (AttributeError, TypeError, ValueError) as exc:
            raise Malformed(f"unreadable view state ({type(exc).__name__})") from exc
        return cls(values, read_metadata(view.get("private_metadata")), view)

    def number(self, key: str) -> int:
        """A record id the form's metadata must carry."""
        value = self.meta.get(key)
        if isinstance(value, bool) or not str(value).isdigit():
            raise Malformed(f"private_metadata without a valid {key!r}")
        return int(str(value))

    def text(self, key: str) -> str:
        value = self.meta.get(key)
        if not isinstance(value, str) or not value:
            raise Malformed(f"private_metadata without a valid {key!r}")
        return value

    @property
    def version(self) -> int | None:
        value = self.meta.get("version")
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise Malformed("private_metadata with a version that is not a number")


class FormChanged(Exception):
    """The form changed while it was open: show ``view``, as it is now, instead."""

    def __init__(self, view: Block) -> None:
        super().__init__("the form changed while it was open")
        self.view = view


# (engine, who, the submission) → what the follow-up job needs
Submit = Callable[[Engine, Who, Submitted], Awaitable[dict[str, Any]]]


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


async def new_deal(engine: Engine, who: Who, form: Submitted) -> dict[str, Any]:
    values = form.values
    contact = _contact(values)
    draft = DealDraft(
        _text(values, "title") or "", contact=contact, organisation=_text(values, "organisation"),
        expected_revenue=_text(values, "amount"), expected_close=_text(values, "close"),
    )  # fmt: skip
    deal = await engine.deals.create(draft, who.actor)
    return {"deal": deal.id}


async def new_lead(engine: Engine, who: Who, form: Submitted) -> dict[str, Any]:
    values = form.values
    contact = _contact(values)
    draft = LeadDraft(
        _text(values, "title") or "", contact=contact, organisation=_text(values, "organisation"),
        note=_text(values, "note") or "",
    )  # fmt: skip
    lead = await engine.leads.create(draft, who.actor)
    return {"lead": lead.id}


async def disqualify(engine: Engine, who: Who, form: Submitted) -> dict[str, Any]:
    lead = await engine.leads.set_status(
        form.number("lead"), "disqualified", who.actor, reason=_text(form.values, "reason"),
        expected_version=form.version,
    )  # fmt: skip
    return {"lead": lead.id}


async def log_activity(engine: Engine, who: Who, form: Submitted) -> dict[str, Any]:
    values, deal_id = form.values, form.number("deal")
    due = _due(_text(values, "due"), who.tz)
    draft = ActivityDraft(
        _text(values, "kind") or "note", _text(values, "subject") or "",
        note=_text(values, "note") or "", due_at=due, done=due is None, deal_id=deal_id,
    )  # fmt: skip
    activity = await engine.activities.create(draft, who.actor)
    return {"deal": deal_id, "subject": activity.subject}


def _due(day: str | None, tz: str) -> datetime | None:
    try:
        return from_picker(day, tz)
    except ValueError as exc:
        raise ValidationFailed({"due_at": NOT_A_DAY}) from exc


async def move(engine: Engine, who: Who, form: Submitted) -> dict[str, Any]:
    deal = await engine.deals.get(form.number("deal"))
    key = form.text("key")
    now = await moves.form(engine, who, deal, key)
    if now.available:  # else the move's refusal says why
        _same_form(form, now, who.locale)
    try:
        given = field_values(now.fields, form.values, now.checklist)
    except (ValueError, OverflowError, OSError) as exc:  # a timestamp past year 9999…
        raise Malformed(f"a value no form input can carry ({type(exc).__name__})") from exc
    if now.note != "none":
        given[NOTE] = form.values.get(NOTE)
    moved = await moves.perform(engine, who, deal.id, key, given, form.version)
    return {"deal": moved.id}


def _same_form(form: Submitted, now: MoveForm, locale: str) -> None:
    """Refuse a submission of a form the blueprint has changed since it was opened."""
    fresh = modals.move(now, locale, str(form.view.get("private_metadata") or ""))
    if _inputs(fresh.get("blocks") or []) != _inputs(form.view.get("blocks") or []):
        raise FormChanged(with_notice(fresh, t(locale, "form_changed")))


def _inputs(blocks: list[Block]) -> list[tuple[Any, ...]]:
    """What identifies a form's inputs: block id, element type and options' texts."""
    found = []
    for block in blocks:
        element = block.get("element") if block.get("type") == "input" else None
        if isinstance(element, dict):
            options = tuple(
                str((o.get("text") or {}).get("text")) for o in element.get("options") or []
            )
            found.append((block.get("block_id"), element.get("type"), options))
    return found


async def _move_blocks(engine: Engine, who: Who, form: Submitted) -> dict[str, str]:
    deal = await engine.deals.get(form.number("deal"))
    return moves.error_blocks(await moves.form(engine, who, deal, form.text("key")))


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
        given = Submitted.of(body["view"])
        try:
            result = await form.submit(runtime.engine, who, given)
        except FormChanged as changed:
            await ack(response_action="update", view=changed.view)
            return
        except ValidationFailed as exc:
            await ack(**await _invalid(form, runtime.engine, who, given, exc))
            return
        except RelaisError as exc:
            refusal = await _refusal(runtime.engine, who, exc, given.view)
            await ack(response_action="update", view=refusal)
            return
        job = await runtime.journal.record(form.followup, {**body, "result": result})
        await ack()
        if job is not None:
            runtime.journal.start(job)

    return validate_then_ack


async def _invalid(
    form: Form, engine: Engine, who: Who, given: Submitted, exc: ValidationFailed
) -> dict[str, Any]:
    """Errors on the inputs they belong to; the form again with a notice when one has none."""
    present = input_ids(given.view.get("blocks") or [])
    blocks = await _error_blocks(form, engine, who, given)
    placed, stray = place_errors(exc, blocks, present, who.locale)
    if placed and not stray:
        return {"response_action": "errors", "errors": placed}
    return {"response_action": "update", "view": with_notice(given.view, describe(exc, who.locale))}


async def _error_blocks(
    form: Form, engine: Engine, who: Who, given: Submitted
) -> Mapping[str, str]:
    if form.submit is not move:
        return form.blocks
    try:
        return await _move_blocks(engine, who, given)
    except RelaisError:  # the deal or its transition is gone: no input is known
        return {}


async def _refusal(engine: Engine, who: Who, exc: RelaisError, view: Mapping[str, Any]) -> Block:
    """The refusal in place of the form, under the form's own title (it names its action)."""
    message = error_message(exc, who.locale)
    blocks = list(message.blocks)
    if isinstance(exc, Conflict) and exc.entity in stale.KINDS:
        blocks += await _fresh_card(engine, who, exc)
    title = view.get("title")
    shown = title.get("text") if isinstance(title, dict) else None
    return modals.result(shown or t(who.locale, "move_title"), blocks, who.locale)


async def _fresh_card(engine: Engine, who: Who, exc: Conflict) -> list[Block]:
    """The refused record as it is now (a deal's, a lead's or a quote's card), no buttons.

    The conflict's sentence promises the fresh card, whatever the record; a form's
    result is read, not clicked, so the card's buttons are left out.
    """
    try:
        fresh = await stale.current_blocks(engine, who, exc.entity, exc.entity_id)
    except RelaisError:  # gone meanwhile: the sentence alone
        return []
    return [_inert(b) for b in fresh if b.get("type") != "actions"]


def _inert(block: Block) -> Block:
    """A card's block without its button: a form's result shows, it is not clicked."""
    return {k: v for k, v in block.items() if k != "accessory"}


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
