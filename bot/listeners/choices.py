"""Searched choices of a move form: the options Slack asks for as the rep types.

A choice field of more than 100 options is an ``external_select`` (a static
select holds 100 at most). Slack then sends a ``block_suggestion`` with what
was typed, and the ack itself (within three seconds) lists the matching
options, each by its position. The field is found again from the modal's
metadata (deal and transition) and the input's block id; anything amiss
answers no options and logs one line, never an error to the rep.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot import moves
from bot.blocks.common import Block
from bot.blocks.forms import CHOICE_ACTION, FIELD_PREFIX, choice_options
from bot.blocks.values import read_metadata
from bot.runtime import Runtime, runtime_of
from engine.api import Engine, RelaisError

log = logging.getLogger("relais.slack")


def register(app: AsyncApp, engine: Engine) -> None:
    app.options(CHOICE_ACTION)(_choices(runtime_of(app)))


def _choices(runtime: Runtime) -> Callable[..., Awaitable[None]]:
    async def search(ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            options = await matching(runtime, body)
        except (RelaisError, LookupError, ValueError, TypeError, AttributeError) as exc:
            log.warning("event=slack_choices_failed error=%r", exc)
            options = []
        await ack(options=options)

    return search


async def matching(runtime: Runtime, body: dict[str, Any]) -> list[Block]:
    """The options of the field the suggestion is for, filtered by what was typed."""
    meta = read_metadata((body.get("view") or {}).get("private_metadata"))
    who = await runtime.people.who(str(body["user"]["id"]))
    deal = await runtime.engine.deals.get(int(meta["deal"]))
    form = await moves.form(runtime.engine, who, deal, str(meta["key"]))
    key = str(body.get("block_id") or "").removeprefix(FIELD_PREFIX)
    spec = next((f for f in form.fields if f.key == key), None)
    return [] if spec is None else choice_options(spec, str(body.get("value") or ""))
