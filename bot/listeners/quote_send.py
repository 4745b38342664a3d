"""*Send to client*: the quote's PDF e-mailed from Slack (registered by :mod:`.quotes`).

* The button only opens a form (a read: acked without a journal row); its
  job shows the recipient (the deal's contact, pre-filled) and an optional note.
* Submitting calls ``engine.quotes.send`` *before* the ack, as every modal
  does: an invalid address must come back in the ack itself
  (``response_action: errors`` on the recipient's block). Rendering the PDF
  takes a few milliseconds, in a thread.
* The answer is a job: the e-mail is on its way, or it waits in the outbox
  because no SMTP relay is configured — said, never pretended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.blocks import modals
from bot.blocks.common import Block, Message, section
from bot.blocks.forms import submitted
from bot.blocks.quote_send import CALLBACK, NOTE_BLOCK, SEND, TO_BLOCK, send_modal
from bot.blocks.values import metadata, read_metadata, unpack
from bot.errors import error_message, input_ids, modal_errors
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred
from bot.people import Who
from bot.runtime import Runtime, runtime_of
from engine.api import Engine, RelaisError, ValidationFailed
from engine.api.cpq import Queued

FOLLOWUP = "after_quote_send"


def register(app: AsyncApp, engine: Engine) -> None:
    runtime = runtime_of(app)
    app.action(SEND)(deferred(runtime, SEND, reads=True))  # opens the form: a read
    app.view(CALLBACK)(_submit(runtime))


async def open_form(ctx: JobContext) -> None:
    """The loading modal is already open: fill it with the form (or say why not)."""
    who = await ctx.who()
    (ref,) = unpack(ctx.action_value, 1)
    quote = await ctx.engine.quotes.get(int(ref) if ref.isdigit() else ref)
    if quote.status == "rejected":
        text = t(who.locale, "quote_send_rejected", number=quote.number)
        await ctx.show_view(_result([section(f"⚠️ {text}")], who.locale))
        return
    # as commands.modal_metadata does (importing it here would be circular)
    meta = metadata(ch=ctx.channel, ru=ctx.response_url, quote=quote.id)
    await ctx.show_view(send_modal(quote, who.locale, meta))


def _result(blocks: list[Block], locale: str) -> Block:
    return modals.result(t(locale, "quote_send_title"), blocks, locale)


# -- submit ---------------------------------------------------------------------------


def _submit(runtime: Runtime) -> Callable[..., Awaitable[None]]:
    async def send_then_ack(ack: AsyncAck, body: dict[str, Any]) -> None:
        who = await runtime.people.who(body["user"]["id"])
        view = body["view"]
        values, meta = submitted(view), read_metadata(view.get("private_metadata"))
        try:
            queued = await _send(runtime.engine, who, values, meta)
        except RelaisError as exc:
            await _refuse(ack, exc, view, values, who.locale)
            return
        job = await runtime.journal.record(FOLLOWUP, {**body, "result": _result_of(queued)})
        await ack()
        if job is not None:
            runtime.journal.start(job)

    return send_then_ack


async def _send(engine: Engine, who: Who, values: dict[str, Any], meta: dict[str, Any]) -> Queued:
    note = str(values.get(NOTE_BLOCK) or "").strip() or None
    return await engine.quotes.send(
        int(meta["quote"]), who.actor, to=str(values.get(TO_BLOCK) or ""), note=note,
        default_locale=who.locale,
    )  # fmt: skip


async def _refuse(
    ack: AsyncAck, exc: RelaisError, view: dict[str, Any], values: dict[str, Any], locale: str
) -> None:
    """A refused address on its field; any other refusal in place of the form."""
    if isinstance(exc, ValidationFailed) and "to" in exc.errors:
        await ack(response_action="errors", errors=_errors(exc, view, values, locale))
        return
    await ack(response_action="update", view=_result(error_message(exc, locale).blocks, locale))


def _errors(
    exc: ValidationFailed, view: dict[str, Any], values: dict[str, Any], locale: str
) -> dict[str, str]:
    """The address's error in the reader's language, on the recipient's block."""
    errors = modal_errors(exc, {"to": TO_BLOCK}, input_ids(view.get("blocks") or []), locale)
    typed = str(values.get(TO_BLOCK) or "").strip()
    if typed:
        errors[TO_BLOCK] = t(locale, "quote_send_bad_to", to=typed)
    return errors


def _result_of(queued: Queued) -> dict[str, Any]:
    mail = queued.mail
    return {
        "quote": queued.quote.number, "to": mail.to, "file": mail.attachment.filename,
        "outbox": queued.outbox_id, "marked": queued.marked_sent,
    }  # fmt: skip


# -- the answer (a job) ---------------------------------------------------------------


async def after_send(ctx: JobContext) -> None:
    """On its way, or waiting for a relay: the rep is told which."""
    who = await ctx.who()
    result = ctx.body["result"]
    key = "quote_send_queued" if ctx.rt.settings.smtp_relay_enabled else "quote_send_waiting"
    params = {"number": result["quote"], "to": result["to"], "file": result["file"]}
    text = t(who.locale, key, **params)
    if result.get("marked"):
        text += " " + t(who.locale, "quote_send_marked")
    await ctx.say(Message(text))


def _opens_modal(body: Mapping[str, Any]) -> bool:
    return True


JOBS: dict[str, JobSpec] = {
    SEND: JobSpec(open_form, modal=_opens_modal), FOLLOWUP: JobSpec(after_send),
}  # fmt: skip
