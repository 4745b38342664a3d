"""``run.py mail show ID``: one received message, its outcome and every delivery of it.

A message can reach the listener several times: an MTA retrying, or splitting its
recipients over several transactions. Each delivery is listed with its envelope
(sender, recipients, client, time in RELAIS_TIMEZONE, named) and what it did — stored
the message, stored it again for a capture address it lacked, or only counted — so
that an operator can tell a redelivery from new mail. Labels follow the command line's
one rule (:mod:`cli.admin_lang`); scripts read ``--json``, which has no language.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cli import admin_lang
from cli.context import Context
from engine.api import Engine, formats, has_text, text
from engine.api.mail import Delivery, MailRecord


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mail show`` to the ``mail`` sub-commands."""
    parser = commands.add_parser("show", help="one message: envelope, deliveries, outcome, text")
    parser.add_argument("id", type=int)
    parser.add_argument("--raw", action="store_true", help="print the message as received")
    admin_lang.option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=show_mail)


def mail_json(mail: MailRecord) -> dict[str, Any]:
    """A message's fields as ``mail list --json`` and ``mail show --json`` print them."""
    processed = None if mail.processed_at is None else mail.processed_at.isoformat()
    return {
        "id": mail.id, "received_at": mail.received_at.isoformat(), "from": mail.mail_from,
        "to": list(mail.rcpt_tos), "client": mail.peer, "message_id": mail.message_id,
        "size": mail.size, "status": mail.status, "outcome": mail.outcome,
        "error": mail.error, "attempts": mail.attempts, "deliveries": mail.deliveries,
        "released": mail.released, "subject": mail.subject, "lead_id": mail.lead_id,
        "deal_id": mail.deal_id, "contact_id": mail.contact_id,
        "activity_id": mail.activity_id, "processed_at": processed,
    }  # fmt: skip


def record_text(mail: MailRecord, lang: str = "en") -> str:
    """The record a message became or joined: ``deal 42``, ``lead 7``, or ``-``."""
    if mail.deal_id is not None:
        return f"{_word('deal', lang)} {mail.deal_id}"
    if mail.lead_id is not None:
        return f"{_word('lead', lang)} {mail.lead_id}"
    return "-"


def status_text(mail: MailRecord, lang: str) -> str:
    """A message's status in ``lang`` (``cli.mail.status.<status>``), an unknown one as it is."""
    key = f"cli.mail.status.{mail.status}"
    return text(lang, key) if has_text(key) else mail.status


async def show_mail(args: argparse.Namespace, ctx: Context) -> int:
    """Print one message: its fields, deliveries, attachments and text (or its raw bytes)."""
    engine = await ctx.engine()
    if args.raw:
        sys.stdout.buffer.write(await engine.mail.raw(args.id))
        return 0
    lang = admin_lang.of(args, ctx.settings.locale)
    mail = await engine.mail.get(args.id)
    if args.json:
        attachments = await engine.mail.attachments(args.id)
        shown = [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in attachments
        ]
        data = {**mail_json(mail), "body_text": mail.body_text, "attachments": shown}
        ctx.print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    zone = ctx.settings.timezone
    fields = [*_fields(mail, lang, zone), *await _deliveries(engine, mail.id, lang, zone)]
    for label, value in fields:
        _field(ctx, label, value, lang)
    for item in await engine.mail.attachments(args.id):
        size = f"{item.size} {_word('bytes', lang)}"
        _field(ctx, "attachment", f"{item.filename} ({item.content_type}, {size})", lang)
    if mail.body_text:
        ctx.print("")
        ctx.print(mail.body_text.rstrip())
    return 0


def _field(ctx: Context, label: str, value: object, lang: str) -> None:
    ctx.print(f"{_label(label, lang) + ':':<14}{value}")


def _fields(mail: MailRecord, lang: str, zone: str) -> list[tuple[str, object]]:
    fields: list[tuple[str, object]] = [
        ("mail", mail.id), ("received", formats.when(mail.received_at, zone, lang, zone=True)),
        ("from", mail.mail_from or "<>"), ("to", ", ".join(mail.rcpt_tos)),
        ("client", mail.peer), ("message-id", mail.message_id or "-"),
        ("size", f"{mail.size} {_word('bytes', lang)}"), ("status", status_text(mail, lang)),
        ("outcome", mail.outcome or "-"), ("record", record_text(mail, lang)),
        ("deliveries", mail.deliveries), ("subject", mail.subject or "-"),
    ]  # fmt: skip
    if mail.error:
        fields.append(("error", mail.error))
    return fields


async def _deliveries(
    engine: Engine, mail_id: int, lang: str, zone: str
) -> list[tuple[str, object]]:
    found = await engine.mail.deliveries(mail_id)
    rows = await engine.mail.copies(mail_id)
    lines: list[tuple[str, object]] = [("delivery", _delivery(d, lang, zone)) for d in found]
    others = [str(row) for row in rows if row != mail_id]
    if others:
        lines.append(("copies", f"{_label('mail', lang)} {', '.join(others)}"))
    return lines


def _delivery(delivery: Delivery, lang: str, zone: str) -> str:
    """``Jun 1, 2025, 10:00 AM CEST from a@b to leads@… client 192.0.2.1 → mail 5: …``."""
    at = formats.when(delivery.delivered_at, zone, lang, zone=True)
    return (
        f"{at} {_label('from', lang)} {delivery.mail_from or '<>'}"
        f" {_label('to', lang)} {', '.join(delivery.rcpt_tos)}"
        f" {_label('client', lang)} {delivery.peer or '-'}"
        f" → {_label('mail', lang)} {delivery.mail_id}: {_word(delivery.kind, lang)}"
    )


def _label(key: str, lang: str) -> str:
    """A field's label (the catalogue's ``cli.mail.label.<key>``)."""
    return text(lang, f"cli.mail.label.{key}")


def _word(key: str, lang: str) -> str:
    """A word of a value (the catalogue's ``cli.mail.word.<key>``)."""
    return text(lang, f"cli.mail.word.{key}")
