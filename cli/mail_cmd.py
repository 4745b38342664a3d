"""``run.py smtp`` and ``run.py mail …``: the mail listener alone, and its inbox.

* ``smtp`` runs the SMTP listener and its processor without the rest of the service.
* ``mail list`` shows recent messages with their outcome; ``mail show ID`` one of them
  (:mod:`cli.mail_show`), with every delivery of it.
* ``mail retry [ID]`` re-processes a failed message (all failed ones without ID).
* ``mail release ID`` processes a held message past the sender cap and spam checks.
* ``mail send-test`` delivers a sample message to the running listener.
* ``mail hash-password LOGIN`` prints a line for the SMTP AUTH users file.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import signal
import smtplib
import sys
import time
import uuid
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from cli import admin_lang, listing, mail_show
from cli.context import Context
from config.routing import RoutingError, load_routing
from engine.api import text, utcnow
from engine.api.mail import IntakePolicy, MailRecord
from ingest.auth import hash_password
from ingest.listener import MailListener
from ingest.processor import MailProcessor
from service import wiring

POLL_SECONDS = 10.0


def register(sub: Any) -> None:
    smtp = sub.add_parser(
        "smtp",
        help="run the SMTP listener alone (serve runs it too)",
        description="Accept mail for the capture addresses of config/routing.yaml on "
        "RELAIS_SMTP_HOST:RELAIS_SMTP_PORT and turn it into leads and deals, until "
        "SIGINT/SIGTERM. Messages left unprocessed by a crash are processed at start.",
    )
    admin_lang.option(smtp).set_defaults(handler=run_smtp)
    mail = sub.add_parser("mail", help="received mail: list, show, retry, release, send-test")
    commands = mail.add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    _register_list(commands)
    mail_show.register(commands)
    _register_retry(commands)
    _register_send_test(commands)
    password = commands.add_parser(
        "hash-password",
        help="print a users-file line for SMTP AUTH (reads the password from the terminal)",
    )
    password.add_argument("login")
    admin_lang.option(password).set_defaults(handler=hash_password_cmd)


def _register_list(commands: Any) -> None:
    parser = commands.add_parser("list", help="recent messages with their outcome")
    parser.add_argument("--status", choices=("received", "processed", "held", "ignored", "failed"))
    parser.add_argument("--limit", type=int, default=30)
    admin_lang.option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=list_mails)


def _register_retry(commands: Any) -> None:
    retry = commands.add_parser("retry", help="re-process a failed message (all without ID)")
    retry.add_argument("id", type=int, nargs="?")
    admin_lang.option(retry).set_defaults(handler=retry_mail)
    release = commands.add_parser(
        "release", help="process a held message past the sender cap and spam checks"
    )
    release.add_argument("id", type=int)
    admin_lang.option(release).set_defaults(handler=release_mail)


def _register_send_test(commands: Any) -> None:
    parser = commands.add_parser(
        "send-test", help="deliver a sample message to the running listener"
    )
    parser.add_argument("--host", help="listener address (default: RELAIS_SMTP_HOST)")
    parser.add_argument("--port", type=int, help="listener port (default: RELAIS_SMTP_PORT)")
    parser.add_argument("--to", help="recipient (default: the first lead capture address)")
    parser.add_argument("--sender", default="camille.martin@exemple-chauffage.fr")
    admin_lang.option(parser).set_defaults(handler=send_test)


# -- the listener -------------------------------------------------------------------


async def run_smtp(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    policy = _policy(ctx, lang)
    if policy is None:
        return 2
    engine = await ctx.engine()
    listener = MailListener(engine, ctx.settings, policy=policy)
    wiring.apply(engine.bus, wiring.mail_listeners(listener.processor))  # as in the service
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await listener.start()
        ctx.print(text(lang, "cli.smtp_listening", host=ctx.settings.smtp_host, port=listener.port))
        ctx.out.flush()
        await stop.wait()
    finally:
        await listener.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return 0


def _policy(ctx: Context, lang: str) -> IntakePolicy | None:
    try:
        return load_routing(ctx.settings.config_path)
    except RoutingError as exc:
        ctx.fail(text(lang, "cli.error", message=text(lang, "cli.mail.bad_routing")))
        for problem in exc.problems:
            ctx.fail(f"  {problem}")
        return None


# -- the inbox -----------------------------------------------------------------------


async def list_mails(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    mails = await engine.mail.records(args.status, args.limit)
    if args.json:
        listing.print_json(ctx, [mail_show.mail_json(mail) for mail in mails])
        return 0
    lang = admin_lang.of(args, ctx.settings.locale)
    if not mails:
        ctx.print(text(lang, "cli.mail.none"))
        return 0
    for mail in mails:
        ctx.print(_line(mail, ctx, lang))
    return 0


def _line(mail: MailRecord, ctx: Context, locale: str) -> str:
    """One message: id, time (the zone named), status/outcome, record, sender, subject.

    The status is a word of ``locale`` (``traité``, ``processed``); the outcome stays a
    code. Scripts read ``mail list --json``, whose status is the code whatever the language.
    """
    when = listing.moment(mail.received_at, ctx, locale)  # the zone, named
    status = mail_show.status_text(mail, locale)
    outcome = f"{status}/{mail.outcome}" if mail.outcome else status
    sender = mail.mail_from or "<>"
    subject = (mail.subject or "").replace("\n", " ")[:50]
    record = mail_show.record_text(mail, locale)
    return f"{mail.id:>6}  {when}  {outcome:<18} {record:<10} {sender:<32} {subject}"


async def retry_mail(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    lang = admin_lang.of(args)
    ids = [args.id] if args.id is not None else await engine.mail.failed()
    if not ids:
        ctx.print(text(lang, "cli.mail.no_failed"))
        return 0
    actor = await ctx.actor(None)
    for mail_id in ids:
        await engine.mail.retry(mail_id, actor)
    return await _process_now(ctx, ids, lang)


async def release_mail(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    await engine.mail.release(args.id, await ctx.actor(None))
    return await _process_now(ctx, [args.id], admin_lang.of(args))


async def _process_now(ctx: Context, ids: list[int], lang: str) -> int:
    """Process here and now (the running service would also pick them up on its next scan)."""
    policy = _policy(ctx, lang)
    if policy is None:
        return 2
    processor = MailProcessor(await ctx.engine(), policy, workers=0)
    failed = 0
    for mail_id in ids:
        outcome = await processor.process(mail_id)
        mail = await processor.engine.mail.get(mail_id)
        failed += outcome is None
        why = "\n        " + text(lang, "cli.error", message=mail.error) if mail.error else ""
        ctx.print(_line(mail, ctx, lang) + why)
    return 1 if failed else 0


# -- a test message --------------------------------------------------------------------


async def send_test(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    policy = _policy(ctx, lang)
    if policy is None:
        return 2
    host = args.host or ctx.settings.smtp_host
    port = args.port or ctx.settings.smtp_port
    recipient = args.to or _test_recipient(policy)
    message = sample_message(args.sender, recipient).as_bytes()
    try:
        reply = await asyncio.to_thread(_deliver, host, port, args.sender, recipient, message)
    except (OSError, smtplib.SMTPException) as exc:
        message_ = text(lang, "cli.mail.not_delivered", host=host, port=port, reason=exc)
        ctx.fail(text(lang, "cli.error", message=message_))
        ctx.fail(text(lang, "cli.mail.listener_running"))
        return 1
    ctx.print(f"{recipient} ← {args.sender}: {reply}")
    return await _await_outcome(ctx, reply, lang)


def _test_recipient(policy: IntakePolicy) -> str:
    routes = sorted(policy.routes, key=lambda r: r.creates != "lead")
    return routes[0].address.replace("*@", "test@")


def sample_message(sender: str, recipient: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Camille Martin <{sender}>"
    message["To"] = recipient
    message["Subject"] = "Demande de devis : poêle à granulés (test Relais)"
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = f"<test-{uuid.uuid4().hex}@relais.invalid>"
    message.set_content(
        "Bonjour,\n\nJe souhaiterais un devis pour l'installation d'un poêle à granulés "
        "dans une maison de 120 m².\nPouvez-vous me rappeler au 06 12 34 56 78 ?\n\n"
        "Merci,\nCamille Martin\n"
    )
    return message


def _deliver(host: str, port: int, sender: str, recipient: str, message: bytes) -> str:
    """One SMTP transaction; returns the server's answer to the message ("250 … queued as N")."""
    with smtplib.SMTP(host, port, timeout=30) as client:
        client.ehlo()
        code, text = client.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, text, sender)
        code, text = client.rcpt(recipient)
        if code != 250:
            raise smtplib.SMTPRecipientsRefused({recipient: (code, text)})
        code, text = client.data(message)
        if code != 250:
            raise smtplib.SMTPDataError(code, text)
        return f"{code} {text.decode('utf-8', 'replace')}"


async def _await_outcome(ctx: Context, reply: str, lang: str) -> int:
    mail_id = int(reply.rsplit(" ", 1)[-1]) if reply.rsplit(" ", 1)[-1].isdigit() else None
    if mail_id is None:
        return 0
    engine = await ctx.engine()
    deadline = time.monotonic() + POLL_SECONDS
    mail = await engine.mail.get(mail_id)
    while mail.status == "received" and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        mail = await engine.mail.get(mail_id)
    ctx.print(_line(mail, ctx, lang))
    if mail.status == "received":
        ctx.print(text(lang, "cli.mail.still_waiting", id=mail_id))
    return 0


async def hash_password_cmd(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    if sys.stdin.isatty():
        password = getpass.getpass(text(lang, "cli.mail.password_for", login=args.login))
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        ctx.fail(text(lang, "cli.error", message=text(lang, "cli.mail.empty_password")))
        return 1
    ctx.print(f"{args.login}:{hash_password(password)}")
    return 0
