"""``run.py outbox``: the messages Relais sends out, and why one did not leave.

E-mails, webhooks and notifications wait in the outbox until delivered. One
refused for good (an address that cannot be used, a 5xx from the relay, a
4xx from a webhook) stays there as a dead letter with its reason:
``run.py outbox --status failed`` lists them, deals' and leads' alike
(``run.py deal show`` shows one deal's).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from cli.context import Context
from engine.api.outbox import Message

STATUSES = ("pending", "sending", "delivered", "failed", "skipped")
TEXTS: dict[str, dict[str, str]] = {
    "none": {"fr": "Aucun message.", "en": "No message."},
    "line": {
        "fr": "#{id} {kind} à {to} : {status} après {attempts} tentative(s), créé le {at}",
        "en": "#{id} {kind} to {to}: {status} after {attempts} attempt(s), created {at}",
    },
    "why": {"fr": "    motif : {why}", "en": "    reason: {why}"},
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "outbox",
        help="list outgoing messages (e-mails, webhooks, notifications) and their reasons",
        description="List the outbox, oldest first. A message refused for good is 'failed' "
        "and keeps its reason; --status failed lists those dead letters.",
    )
    parser.add_argument("--status", choices=STATUSES, help="only messages in this status")
    parser.add_argument("--deal", type=int, metavar="ID", help="only this deal's messages")
    parser.add_argument("--lang", choices=("fr", "en"), help="language (default: RELAIS_LOCALE)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=list_outbox)


async def list_outbox(args: argparse.Namespace, ctx: Context) -> int:
    """Print the outbox's messages with their status, attempts and last error."""
    engine = await ctx.engine()
    messages = await engine.outbox_messages(args.deal, args.status)
    if args.json:
        ctx.print(json.dumps([_json(m) for m in messages], indent=2, ensure_ascii=False))
        return 0
    locale = str(args.lang or ctx.settings.locale)
    if not messages:
        ctx.print(_say("none", locale))
    for message in messages:
        for line in _lines(message, locale):
            ctx.print(line)
    return 0


def _say(code: str, locale: str, **params: object) -> str:
    texts = TEXTS[code]
    return (texts.get(locale) or texts["en"]).format(**params)


def _lines(message: Message, locale: str) -> list[str]:
    at = message.created_at.strftime("%Y-%m-%d %H:%M UTC")
    values = {"id": message.id, "kind": message.kind, "to": message.recipient}
    values |= {"status": message.status, "attempts": message.attempts, "at": at}
    lines = [_say("line", locale, **values)]
    why = message.waiting_for or message.last_error
    if why:
        lines.append(_say("why", locale, why=why))
    return lines


def _json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id, "kind": message.kind, "recipient": message.recipient,
        "deal_id": message.deal_id, "status": message.status, "attempts": message.attempts,
        "last_error": message.last_error, "created_at": message.created_at.isoformat(),
        "delivered_at": None if message.delivered_at is None else message.delivered_at.isoformat(),
    }  # fmt: skip
