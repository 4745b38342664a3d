"""Edit a deal from Slack: the card's "Edit" button, its form, and the submission.

The button opens the form on the deal as it is now, in one ``views.open``
(a loading modal first only if the form is late: the trigger lives three
seconds); opening it only reads, so it is not journaled. The submission is
read as the person types (``7 500 €``, ``31/12/2026``, in their language), and only what they
changed goes to the engine's one gate, :meth:`engine.deals.edit`, with the
version the form was opened on, before the ack — Slack shows field errors
only in the ack:

* a field the deal's blueprint protects is refused on its input, naming the
  transition that records it;
* a version that moved on is a conflict: the form gives way to who changed
  which fields (their labels, in the reader's language; "you", from another
  window, when it was the same person) and the fresh card; nothing is saved;
* saved, the modal closes and the card the button sat on is replaced by the
  fresh one (``response_url``), with what changed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot import screens, stale
from bot.blocks import modals
from bot.blocks.common import Block, Message, context, escape, section
from bot.blocks.edit import (
    ACTION,
    BLOCKS,
    CALLBACK,
    CUSTOM,
    CUSTOM_BLOCK,
    EditForm,
    blocks_of,
    edit_modal,
    initial_values,
)
from bot.blocks.forms import submitted
from bot.blocks.values import number, read_metadata, unpack
from bot.errors import describe, error_message, input_ids, place_errors, with_notice
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred
from bot.listeners.commands import modal_metadata
from bot.people import People, Who
from bot.runtime import Runtime, runtime_of
from bot.shapes import Malformed
from bot.when import local_today
from engine.api import Conflict, Engine, NotFound, RelaisError, ValidationFailed, clock, typed
from engine.api.crm import Deal

log = logging.getLogger("relais.slack")

FIELDS = {block: name for name, block in BLOCKS.items()}  # input block id → engine field


def register(app: AsyncApp, engine: Engine) -> None:
    runtime = runtime_of(app)
    app.action(ACTION)(deferred(runtime, "deal_edit", reads=True))  # opens the form
    app.view(CALLBACK)(_listener(runtime))


# -- the button -------------------------------------------------------------------


async def form_of(engine: Engine, deal: Deal) -> EditForm:
    owner = await screens.person(engine, deal.owner_id)
    referral = ""
    if deal.referred_by_id is not None:
        contact = await engine.contacts.get(deal.referred_by_id)
        referral = (contact.email or str(contact.id)) if contact is not None else ""
    protected = await engine.deals.protected(deal.id)
    return EditForm(deal, owner.slack_id if owner else None, referral, protected)


async def deal_edit(ctx: JobContext) -> None:
    """Open the form, on the deal as it is now."""
    deal_id, seen = unpack(ctx.action_value, 2)
    who = await ctx.who()
    found = number(deal_id)
    if found is None:
        raise ValidationFailed({"record": f"not a record id: {deal_id!r}"})
    try:
        deal = await ctx.engine.deals.get(found)
    except NotFound as gone:  # the loading modal says so too, then the ephemeral answer
        text = t(who.locale, "stale_gone", entity=t(who.locale, "entity_deal"), ref=str(found))
        await ctx.show_view(modals.result(t(who.locale, "edit_title"), [section(text)], who.locale))
        raise gone
    view = edit_modal(
        await form_of(ctx.engine, deal), who.locale,
        modal_metadata(ctx, deal=deal.id, version=deal.version),
    )  # fmt: skip
    older = number(seen)
    if older is not None and older < deal.version:  # the card was out of date: say so
        view["blocks"].insert(0, context(f"🔄 {t(who.locale, 'edit_fresher')}"))
    await ctx.show_view(view)


# -- the submission ---------------------------------------------------------------


def _same(given: Any, initial: Any) -> bool:
    return (given in (None, "")) == (initial in (None, "")) and (
        given in (None, "") or str(given).strip() == str(initial).strip()
    )


def _owners(view: Mapping[str, Any]) -> dict[str, Any]:
    """A users_select's choice (``selected_user``), which the generic reader leaves out."""
    found: dict[str, Any] = {}
    for block, elements in ((view.get("state") or {}).get("values") or {}).items():
        for state in elements.values():
            if state.get("type") == "users_select":
                found[block] = state.get("selected_user")
    return found


async def changes_of(
    people: People, who: Who, deal: Deal, view: Mapping[str, Any]
) -> dict[str, Any]:
    """What the person changed, as the engine reads it; typed values they got wrong refused."""
    try:
        given = submitted(view) | _owners(view)
    except (AttributeError, TypeError, ValueError) as exc:
        raise Malformed(f"unreadable view state ({type(exc).__name__})") from exc
    initial = initial_values(view)
    changes: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for block, value in given.items():
        if _same(value, initial.get(block)):
            continue
        text = None if value in (None, "") else str(value).strip()
        if block.startswith(CUSTOM_BLOCK):
            custom[block.removeprefix(CUSTOM_BLOCK)] = text
            continue
        name = FIELDS.get(block)
        if name is None:
            continue
        try:
            changes[name] = await _read(people, who, deal, name, text)
        except typed.Unreadable as exc:
            errors[name] = exc.text(who.locale)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    if custom:
        changes["custom"] = custom
    return changes


async def _read(people: People, who: Who, deal: Deal, name: str, text: str | None) -> Any:
    if text is None:
        return 0 if name == "priority" else None
    if name == "expected_revenue":
        amount = typed.amount(text, who.locale)
        if amount.currency is not None and amount.currency != deal.currency:
            raise ValueError(t(who.locale, "edit_currency", currency=deal.currency))
        return amount.value
    if name == "expected_close":
        day: date = typed.day(text, local_today(clock.utcnow(), who.tz), who.locale)
        return day
    if name == "owner":
        return (await people.who(text)).user.id
    if name == "priority":
        return int(text) if text.isdigit() else 0
    return text


def _deal_id(view: Mapping[str, Any]) -> tuple[int, int | None]:
    meta = read_metadata(view.get("private_metadata"))
    deal, version = meta.get("deal"), meta.get("version")
    if not isinstance(deal, int) or isinstance(deal, bool):
        raise Malformed("private_metadata without a valid 'deal'")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise Malformed("private_metadata with a version that is not a number")
    return deal, version


def _listener(runtime: Runtime) -> Callable[..., Awaitable[None]]:
    async def validate_then_ack(ack: AsyncAck, body: dict[str, Any]) -> None:
        who = await runtime.people.who(body["user"]["id"])
        view = body["view"]
        deal_id, version = _deal_id(view)
        engine = runtime.engine
        try:
            deal = await engine.deals.get(deal_id)
            changes = await changes_of(runtime.people, who, deal, view)
            if changes:
                await engine.deals.edit(deal_id, changes, who.actor, expected_version=version)
        except ValidationFailed as exc:
            await ack(**_invalid(view, exc, deal, who))
            return
        except Conflict as exc:
            await ack(response_action="update", view=await conflict_view(engine, who, exc))
            return
        except RelaisError as exc:
            await ack(response_action="update", view=_refusal(who, exc, view))
            return
        custom = {CUSTOM + name for name in changes.get("custom", {})}
        fields = [name for name in changes if name != "custom"] + sorted(custom)
        result = {"deal": deal_id, "fields": fields}
        job = await runtime.journal.record("after_edit", {**body, "result": result})
        await ack()
        if job is not None:
            runtime.journal.start(job)

    return validate_then_ack


def _invalid(
    view: Mapping[str, Any], exc: ValidationFailed, deal: Deal, who: Who
) -> dict[str, Any]:
    """Errors on their inputs (a protected field names its transition); else a notice."""
    present = input_ids(view.get("blocks") or [])
    placed, stray = place_errors(exc, blocks_of(deal), present, who.locale)
    if placed and not stray:
        return {"response_action": "errors", "errors": placed}
    return {"response_action": "update", "view": with_notice(view, describe(exc, who.locale))}


async def conflict_view(engine: Engine, who: Who, exc: Conflict) -> Block:
    """Who changed what since the form opened, and the deal as it is now; nothing saved."""
    change = await stale.change_of(engine, who, exc)
    text = stale.changed_text(change, exc, who.locale, form=True)
    blocks: list[Block] = [section(f"🔄 {escape(text)}")]
    try:
        fresh = await screens.deal_card(engine, who, exc.entity_id)
        blocks += [b for b in fresh.blocks if b.get("type") != "actions"]
    except NotFound:
        pass
    return modals.result(t(who.locale, "edit_title"), blocks, who.locale)


def _refusal(who: Who, exc: RelaisError, view: Mapping[str, Any]) -> Block:
    message = error_message(exc, who.locale)
    return modals.result(t(who.locale, "edit_title"), list(message.blocks), who.locale)


# -- after the save (a job) -------------------------------------------------------


async def after_edit(ctx: JobContext) -> None:
    """The card the button sat on gives way to the fresh one, saying what changed."""
    who = await ctx.who()
    result = ctx.body["result"]
    deal_id, fields = int(result["deal"]), list(result.get("fields") or [])
    card = await screens.deal_card(ctx.engine, who, deal_id)
    if fields:
        note = t(who.locale, "edit_saved", id=deal_id, fields=stale.labels(fields, who.locale))
    else:
        note = t(who.locale, "edit_nothing")
    await ctx.say(Message(card.text, [section(f"✅ {escape(note)}"), *card.blocks]), replace=True)


JOBS: dict[str, JobSpec] = {
    "deal_edit": JobSpec(deal_edit, modal=lambda body: True),
    "after_edit": JobSpec(after_edit),
}
