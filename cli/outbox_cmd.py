"""``run.py outbox``: the messages Relais sends out, why one did not leave, and a retry.

One outbox, three lanes: ``slack`` (the engine's notifications and the bot's
notices and cards), ``email`` and ``webhook``. A message refused for good (an
address that cannot be used, a 4xx from a webhook, a channel Slack does not
know) stays as a dead letter with its reason: ``outbox list --status dead``
lists them, ``outbox show ID`` shows every attempt, ``outbox retry ID`` sends
one again. ``run.py outbox`` alone (with the same options) is ``outbox list``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from cli import admin_lang
from cli import outbox_view as view
from cli.context import Context
from engine.api import NotFound
from engine.api.outbox import LANES, Message

# What a user may ask for, and the stored status each means ("dead" is "failed").
STATUSES = {
    "pending": "pending", "sending": "sending", "sent": "delivered", "delivered": "delivered",
    "dead": "failed", "failed": "failed", "skipped": "skipped",
}  # fmt: skip


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "outbox",
        help="outgoing messages (Slack, e-mail, webhooks): list, show, retry a dead letter",
        description="The one outbox, oldest first. A message refused for good is a dead "
        "letter ('dead', stored as 'failed') and keeps its reason until retried.",
    )
    _list_options(parser)
    parser.set_defaults(handler=list_outbox)
    actions = parser.add_subparsers(dest="outbox_command", metavar="ACTION")
    listing = actions.add_parser("list", help="list messages, by lane and status")
    _list_options(listing)
    listing.set_defaults(handler=list_outbox)
    show = actions.add_parser("show", help="one message and each of its attempts")
    show.add_argument("message_id", type=int, metavar="ID")
    _common(show)
    show.set_defaults(handler=show_message)
    retry = actions.add_parser("retry", help="send a dead letter again, now")
    retry.add_argument("message_id", type=int, metavar="ID")
    retry.add_argument("--as", dest="as_user", metavar="USER", help="e-mail or Slack id")
    _common(retry)
    retry.set_defaults(handler=retry_message)


def _list_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lane", choices=LANES, help="only this lane")
    parser.add_argument("--status", choices=tuple(STATUSES), help="only messages in this status")
    parser.add_argument("--deal", type=int, metavar="ID", help="only this deal's messages")
    _common(parser)


def _common(parser: argparse.ArgumentParser) -> None:
    admin_lang.option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")


def _locale(args: argparse.Namespace, ctx: Context) -> str:
    return admin_lang.of(args, ctx.settings.locale)


async def list_outbox(args: argparse.Namespace, ctx: Context) -> int:
    """Print the outbox's messages with their lane, status, attempts and last error."""
    engine = await ctx.engine()
    status = None if args.status is None else STATUSES[args.status]
    messages = await engine.outbox.messages(args.deal, status, args.lane)
    if args.json:
        ctx.print(json.dumps([view.as_json(m) for m in messages], indent=2, ensure_ascii=False))
        return 0
    locale = _locale(args, ctx)
    if not messages:
        ctx.print(view.words("none", locale))
    for message in messages:
        for line in view.lines(message, locale, ctx.settings.timezone):
            ctx.print(line)
    return 0


async def show_message(args: argparse.Namespace, ctx: Context) -> int:
    """One message and its attempts, so a dead letter's story can be read."""
    message = await _message(args, ctx)
    if message is None:
        return 1
    attempts = await (await ctx.engine()).outbox.attempts(message.id)
    if args.json:
        found = view.as_json(message) | {"attempts": [view.attempt_json(a) for a in attempts]}
        ctx.print(json.dumps(found, indent=2, ensure_ascii=False))
        return 0
    for line in view.detail_lines(message, attempts, _locale(args, ctx), ctx.settings.timezone):
        ctx.print(line)
    return 0


async def retry_message(args: argparse.Namespace, ctx: Context) -> int:
    """A dead letter is due again now; its deliverer (service or Slack bot) sends it."""
    message = await _message(args, ctx)
    if message is None:
        return 1
    locale = _locale(args, ctx)
    if message.status != "failed":
        status = view.status_text(message.status, locale)
        ctx.fail(view.words("not_dead", locale, id=message.id, status=status))
        return 1
    actor = await ctx.actor(args.as_user)
    retried = await (await ctx.engine()).outbox.retry(message.id, actor)
    if args.json:
        ctx.print(json.dumps(view.as_json(retried), indent=2, ensure_ascii=False))
    else:
        ctx.print(view.words("retried", locale, id=retried.id, lane=retried.lane))
    return 0


async def _message(args: argparse.Namespace, ctx: Context) -> Message | None:
    """The message asked for, or None once the error is said in the user's language."""
    try:
        return await (await ctx.engine()).outbox.message(args.message_id)
    except NotFound:
        ctx.fail(view.words("not_found", _locale(args, ctx), id=args.message_id))
        return None
