"""``run.py mail show ID``: one received message, its outcome and every delivery of it.

A message can reach the listener several times: an MTA retrying, or splitting its
recipients over several transactions. Each delivery is listed with its envelope
(sender, recipients, client, time in UTC) and what it did — stored the message, stored
it again for a capture address it lacked, or only counted — so that an operator can
tell a redelivery from new mail. Field names are English unless ``--lang fr`` asks
for French: scripts read the default output.
"""

from __future__ import annotations

import argparse
import sys

from cli.context import Context
from engine.api import Engine
from engine.api.mail import Delivery, MailRecord, copies, deliveries

LABELS: dict[str, tuple[str, str]] = {
    "mail": ("mail", "mail"),
    "received": ("received", "reçu"),
    "from": ("from", "de"),
    "to": ("to", "à"),
    "client": ("client", "client"),
    "message-id": ("message-id", "message-id"),
    "size": ("size", "taille"),
    "status": ("status", "statut"),
    "outcome": ("outcome", "résultat"),
    "record": ("record", "fiche"),
    "deliveries": ("deliveries", "livraisons"),
    "subject": ("subject", "objet"),
    "error": ("error", "erreur"),
    "attachment": ("attachment", "pièce jointe"),
    "delivery": ("delivery", "livraison"),
    "copies": ("same message", "même message"),
}
WORDS: dict[str, tuple[str, str]] = {
    "bytes": ("bytes", "octets"),
    "deal": ("deal", "affaire"),
    "lead": ("lead", "prospect"),
    "new": ("stored as new mail", "enregistré comme nouveau message"),
    "added": (
        "stored again for capture addresses it lacked",
        "enregistré à nouveau pour des adresses de capture qu'il n'avait pas",
    ),
    "duplicate": ("a redelivery: only counted", "une nouvelle livraison : seulement comptée"),
}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``mail show`` to the ``mail`` sub-commands."""
    parser = commands.add_parser("show", help="one message: envelope, deliveries, outcome, text")
    parser.add_argument("id", type=int)
    parser.add_argument("--raw", action="store_true", help="print the message as received")
    parser.add_argument("--lang", choices=("en", "fr"), default="en", help="language of labels")
    parser.set_defaults(handler=show_mail)


def record_text(mail: MailRecord, lang: str = "en") -> str:
    """The record a message became or joined: ``deal 42``, ``lead 7``, or ``-``."""
    if mail.deal_id is not None:
        return f"{_word('deal', lang)} {mail.deal_id}"
    if mail.lead_id is not None:
        return f"{_word('lead', lang)} {mail.lead_id}"
    return "-"


async def show_mail(args: argparse.Namespace, ctx: Context) -> int:
    """Print one message: its fields, deliveries, attachments and text (or its raw bytes)."""
    engine = await ctx.engine()
    if args.raw:
        sys.stdout.buffer.write(await engine.mail_raw(args.id))
        return 0
    lang = str(args.lang)
    mail = await engine.mail(args.id)
    for label, value in [*_fields(mail, lang), *await _deliveries(engine, mail.id, lang)]:
        _field(ctx, label, value, lang)
    for item in await engine.mail_attachments(args.id):
        size = f"{item.size} {_word('bytes', lang)}"
        _field(ctx, "attachment", f"{item.filename} ({item.content_type}, {size})", lang)
    if mail.body_text:
        ctx.print("")
        ctx.print(mail.body_text.rstrip())
    return 0


def _field(ctx: Context, label: str, value: object, lang: str) -> None:
    ctx.print(f"{_label(label, lang) + ':':<14}{value}")


def _fields(mail: MailRecord, lang: str) -> list[tuple[str, object]]:
    fields: list[tuple[str, object]] = [
        ("mail", mail.id), ("received", mail.received_at.isoformat()),
        ("from", mail.mail_from or "<>"), ("to", ", ".join(mail.rcpt_tos)),
        ("client", mail.peer), ("message-id", mail.message_id or "-"),
        ("size", f"{mail.size} {_word('bytes', lang)}"), ("status", mail.status),
        ("outcome", mail.outcome or "-"), ("record", record_text(mail, lang)),
        ("deliveries", mail.deliveries), ("subject", mail.subject or "-"),
    ]  # fmt: skip
    if mail.error:
        fields.append(("error", mail.error))
    return fields


async def _deliveries(engine: Engine, mail_id: int, lang: str) -> list[tuple[str, object]]:
    found = await engine.read(lambda conn: deliveries(conn, mail_id))
    rows = await engine.read(lambda conn: copies(conn, mail_id))
    lines: list[tuple[str, object]] = [("delivery", _delivery(d, lang)) for d in found]
    others = [str(row) for row in rows if row != mail_id]
    if others:
        lines.append(("copies", f"{_label('mail', lang)} {', '.join(others)}"))
    return lines


def _delivery(delivery: Delivery, lang: str) -> str:
    """``2025-06-01T08:00:00+00:00 from a@b to leads@… client 192.0.2.1 → mail 5: …``."""
    return (
        f"{delivery.delivered_at.isoformat()} {_label('from', lang)} {delivery.mail_from or '<>'}"
        f" {_label('to', lang)} {', '.join(delivery.rcpt_tos)}"
        f" {_label('client', lang)} {delivery.peer or '-'}"
        f" → {_label('mail', lang)} {delivery.mail_id}: {_word(delivery.kind, lang)}"
    )


def _label(key: str, lang: str) -> str:
    english, french = LABELS[key]
    return french if lang == "fr" else english


def _word(key: str, lang: str) -> str:
    english, french = WORDS[key]
    return french if lang == "fr" else english
