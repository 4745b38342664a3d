"""The quote builder: ``/crm quote``, its modal's buttons and options, submit, the PDF.

* ``/crm quote 42`` opens the builder (a loading modal at once, then the
  form); ``/crm quote 42 CODE=QTY …`` prices and saves in one go.
* Products come from an ``external_select``: Slack asks for options as the
  rep types (``block_suggestion``), answered from ``engine.products.search``
  in the ack itself, so a large catalogue is searched, never sent whole.
* *Add line* and *Price* are buttons inside the modal: they only read (pricing
  saves nothing; *Save* is the submission), so they are acked without a
  journal row, then the job redraws the modal with ``views.update``.
* Submitting validates and saves *before* the ack (field errors must come
  back in the ack, keyed by block id); the result message is a job.
* *PDF* uploads the quote document to the rep's direct messages
  (``files_upload_v2``: ``files.getUploadURLExternal`` then
  ``files.completeUploadExternal``). It reads the saved quote and writes
  nothing, as ``/crm forecast`` does: no journal row, a copy sends it again.
* *Send to client* e-mails it (:mod:`bot.listeners.quote_send`, registered
  from here).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.blocks import modals
from bot.blocks.common import Message, option
from bot.blocks.quote import (
    ADD_LINE,
    CALLBACK,
    PDF,
    PRICE,
    PRODUCT_ACTION,
    Row,
    builder,
    product_block,
)
from bot.blocks.values import metadata, read_metadata, unpack
from bot.errors import describe, error_message
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred, quote_send
from bot.people import Who
from bot.quotes import (
    collect,
    engine_errors,
    opens_builder,
    quick_draft,
    quick_line,
    result_message,
    rows_from,
    rows_of,
    ticked,
)
from bot.runtime import Runtime, runtime_of
from engine.api import Engine, RelaisError, ValidationFailed, formats
from engine.api.cpq import PricedQuote, Saved, StageOutcome

log = logging.getLogger("relais.slack")

OPTIONS_LIMIT = 50  # Slack shows at most 100 options


def register(app: AsyncApp, engine: Engine) -> None:
    runtime = runtime_of(app)
    app.options(PRODUCT_ACTION)(_product_options(runtime))
    for action_id in (ADD_LINE, PRICE, PDF):  # they only read: see the docstring
        app.action(action_id)(deferred(runtime, action_id, reads=True))
    app.view(CALLBACK)(_submit(runtime))
    quote_send.register(app, engine)


# -- /crm quote ---------------------------------------------------------------------


def _meta(ctx: JobContext, deal_id: int, rev: int, rows: int) -> str:
    return metadata(ch=ctx.channel, ru=ctx.response_url, deal=deal_id, rev=rev, rows=rows)


async def command(ctx: JobContext, who: Who, rest: str) -> None:
    line = quick_line(rest)
    if line.deal_id is None:
        await ctx.say(Message(t(who.locale, "usage_quote")))
        return
    deal = await ctx.engine.deals.get(line.deal_id)
    if opens_builder(rest):
        meta = _meta(ctx, deal.id, 0, 1)
        await ctx.show_view(builder(f"#{deal.id} {deal.title}", [Row()], 0, who.locale, meta))
        return
    draft = await quick_draft(ctx.engine, line, who.locale)
    saved = await ctx.engine.quotes.save(deal.id, draft, who.actor)
    await ctx.say(await result_message(ctx.engine, who, saved, traces=True))


# -- the builder's options and buttons ---------------------------------------------


def _product_options(runtime: Runtime) -> Callable[..., Awaitable[None]]:
    async def search(ack: AsyncAck, body: dict[str, Any]) -> None:
        locale = runtime.settings.locale
        try:
            found = await runtime.engine.products.search(
                str(body.get("value") or ""), OPTIONS_LIMIT
            )
        except RelaisError as exc:
            log.warning("event=slack_options_failed error=%r", exc)
            found = []
        choices = [
            option(
                f"{p.code} — {p.name} · {formats.money(p.unit_price, p.currency, locale)}", p.code
            )
            for p in found
        ]
        await ack(options=choices)

    return search


async def _redraw(ctx: JobContext, *, add_row: bool, price: bool) -> None:
    """Read the modal's rows, add one or price them, and show it again (``views.update``)."""
    who = await ctx.who()
    view = ctx.body.get("view") or {}
    meta = ctx.meta
    rev, count, deal_id = int(meta.get("rev", 0)), int(meta.get("rows", 1)), int(meta["deal"])
    rows = rows_of(view, rev, count)
    deal = await ctx.engine.deals.get(deal_id)
    priced: PricedQuote | None = None
    problem: str | None = None
    if add_row:
        rows.append(Row())
    if price:
        collected = await collect(ctx.engine, rows, rev, who.locale)
        if collected.errors:
            problem = "\n".join(collected.errors.values())
        else:
            try:
                codes = ticked(view, rev)
                if codes:
                    priced = await ctx.engine.quotes.add_suggestions(
                        collected.draft(), codes, deal_id
                    )
                    rows = rows_from(priced)
                else:
                    priced = await ctx.engine.quotes.price(collected.draft(), deal_id)
            except ValidationFailed as exc:
                problem = describe(exc, who.locale)
    rows = rows or [Row()]
    fresh = metadata(
        ch=meta.get("ch"), ru=meta.get("ru"), deal=deal_id, rev=rev + 1, rows=len(rows)
    )
    heading = f"#{deal.id} {deal.title}"
    ctx.view_id = str(view.get("id"))
    await ctx.show_view(
        builder(heading, rows, rev + 1, who.locale, fresh, priced=priced, problem=problem)
    )


async def add_line(ctx: JobContext) -> None:
    await _redraw(ctx, add_row=True, price=False)


async def price(ctx: JobContext) -> None:
    await _redraw(ctx, add_row=False, price=True)


async def pdf(ctx: JobContext) -> None:
    """The quote document, in the rep's language, uploaded to their direct messages."""
    who = await ctx.who()
    (ref,) = unpack(ctx.action_value, 1)
    quote = await ctx.engine.quotes.get(int(ref) if ref.isdigit() else ref)
    document = await ctx.engine.quotes.pdf(quote.id, who.locale)
    opened = await ctx.rt.client.conversations_open(users=ctx.slack_user)
    dm = str((opened.get("channel") or {}).get("id"))
    await ctx.rt.client.files_upload_v2(
        channel=dm, file=document, filename=f"{quote.number}.pdf",
        title=t(who.locale, "quote_heading", number=quote.number),
        initial_comment=t(who.locale, "quote_pdf_comment", number=quote.number),
    )  # fmt: skip
    await ctx.say(Message(t(who.locale, "quote_pdf_sent", number=quote.number)))


# -- submit ------------------------------------------------------------------------


def _submit(runtime: Runtime) -> Callable[..., Awaitable[None]]:
    async def validate_then_ack(ack: AsyncAck, body: dict[str, Any]) -> None:
        who = await runtime.people.who(body["user"]["id"])
        view = body["view"]
        meta = read_metadata(view.get("private_metadata"))
        rev, count = int(meta.get("rev", 0)), int(meta.get("rows", 1))
        engine = runtime.engine
        collected = await collect(engine, rows_of(view, rev, count), rev, who.locale)
        if collected.errors:
            await ack(response_action="errors", errors=collected.errors)
            return
        deal_id, draft = int(meta["deal"]), collected.draft()
        try:
            codes = ticked(view, rev)
            if codes:
                draft = (await engine.quotes.add_suggestions(draft, codes, deal_id)).draft()
            saved = await engine.quotes.save(deal_id, draft, who.actor)
        except ValidationFailed as exc:
            errors = engine_errors(exc, collected, product_block(rev, 0))
            await ack(response_action="errors", errors=errors)
            return
        except RelaisError as exc:
            blocks = error_message(exc, who.locale).blocks
            await ack(
                response_action="update",
                view=modals.result(t(who.locale, "quote_title"), blocks, who.locale),
            )
            return
        stage = saved.stage
        result = {
            "quote": saved.quote.id, "status": stage.status, "stage": stage.stage,
            "transitions": list(stage.transitions), "message": stage.message,
        }  # fmt: skip
        job = await runtime.journal.record("after_quote", {**body, "result": result})
        await ack()
        if job is not None:
            runtime.journal.start(job)

    return validate_then_ack


async def after_quote(ctx: JobContext) -> None:
    who = await ctx.who()
    result = ctx.body["result"]
    quote = await ctx.engine.quotes.get(int(result["quote"]))
    stage = StageOutcome(
        str(result["status"]), result.get("stage"), tuple(result.get("transitions") or ()),
        str(result.get("message") or ""),
    )  # fmt: skip
    saved = Saved(quote, True, True, stage)
    await ctx.say(await result_message(ctx.engine, who, saved, traces=False))


JOBS: dict[str, JobSpec] = {
    ADD_LINE: JobSpec(add_line), PRICE: JobSpec(price), PDF: JobSpec(pdf),
    "after_quote": JobSpec(after_quote), **quote_send.JOBS,
}  # fmt: skip
