"""What is left over: buttons, forms and searches this version no longer knows.

A message or a modal sent by an older version of Relais can carry an
``action_id`` or a ``callback_id`` no listener matches any more; Bolt then
answered 404 and Slack showed an error icon with no word of why. Registered
after every other listener, these match anything that is left: a click is
answered 200 and the person told, privately and in their language, that the
button is out of date; a submission gets a view saying the form is; a
search of an unknown select gets no options.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.blocks import modals
from bot.blocks.common import Message, section
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred
from bot.runtime import Runtime, runtime_of
from engine.api import Engine

log = logging.getLogger("relais.slack")

ANYTHING = re.compile(r"")  # every id matches


def register(app: AsyncApp, engine: Engine) -> None:
    """Register last: Bolt runs the first listener that matches."""
    runtime = runtime_of(app)
    app.action(ANYTHING)(deferred(runtime, "stale_action", reads=True))  # says, writes nothing
    app.view(ANYTHING)(_stale_form(runtime))
    app.options(ANYTHING)(_no_options)


async def stale_action(ctx: JobContext) -> None:
    """Tell the person who clicked, privately, that the button is out of date."""
    log.info("event=slack_stale_action action_id=%s", ctx.action.get("action_id"))
    who = await ctx.who()
    await ctx.say(Message(t(who.locale, "stale_button")))


def _stale_form(runtime: Runtime) -> Any:
    async def out_of_date(ack: AsyncAck, body: dict[str, Any]) -> None:
        log.info("event=slack_stale_form callback_id=%s", body["view"].get("callback_id"))
        locale = (await runtime.people.who(body["user"]["id"])).locale
        text = t(locale, "stale_form")
        view = modals.result(t(locale, "stale_title"), [section(f"⚠️ {text}")], locale)
        await ack(response_action="update", view=view)

    return out_of_date


async def _no_options(ack: AsyncAck, body: dict[str, Any]) -> None:
    log.info("event=slack_stale_options action_id=%s", body.get("action_id"))
    await ack(options=[])


JOBS: dict[str, JobSpec] = {"stale_action": JobSpec(stale_action)}
