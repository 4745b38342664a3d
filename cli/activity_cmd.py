"""``run.py activity add|list|done|snooze``: calls, visits and tasks, as in Slack.

A moment is typed as in Slack (``demain 9h``, ``lundi``, ``+2h``, ``2026-12-31 14:30``),
read in the zone of the person acting (``--as``), else RELAIS_TIMEZONE; a day without
a time means 09:00 there.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from cli import record_json
from cli.context import Context
from cli.deal_cmd import _command, _who
from cli.listing import moment, print_json, table
from engine.api import clock, text, typed
from engine.api.crm import KINDS, Activity, ActivityDraft

RECORDS = ("deal", "lead", "contact")


def register(sub: Any) -> None:
    parser = sub.add_parser("activity", help="calls, visits and tasks: add, list, done, snooze")
    commands = parser.add_subparsers(dest="activity_command", metavar="ACTION", required=True)
    add = _command(commands, "add", "plan an activity on a deal, a lead or a contact", add_activity)
    add.add_argument("kind", choices=KINDS, metavar="KIND", help=f"one of {', '.join(KINDS)}")
    add.add_argument("subject", metavar="SUBJECT")
    _record(add)
    add.add_argument("--due", metavar="WHEN", help="when it is due (demain 9h, +2h, 31/12…)")
    add.add_argument("--note", metavar="TEXT", default="", help="a note")
    add.add_argument("--owner", metavar="USER", help="whose it is (default: the one acting)")
    listed = _command(commands, "list", "a record's activities, or yours (--as)", list_activities)
    _record(listed)
    listed.add_argument("--overdue", action="store_true", help="only those past due")
    listed.add_argument("--all", dest="include_done", action="store_true", help="done ones too")
    listed.add_argument("--json", action="store_true", help="print JSON")
    done = _command(commands, "done", "mark an activity done", done_activity)
    done.add_argument("activity_id", type=int, metavar="ID")
    done.add_argument("--version", type=int, metavar="N", help="refuse if it changed past N")
    snooze = _command(commands, "snooze", "put an activity off", snooze_activity)
    snooze.add_argument("activity_id", type=int, metavar="ID")
    snooze.add_argument(
        "--until", metavar="WHEN", default="+1h",
        help="the new due moment (default +1h; demain 9h, lundi, +1w…)",
    )  # fmt: skip
    snooze.add_argument("--version", type=int, metavar="N", help="refuse if it changed past N")


def _record(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    for record in RECORDS:
        group.add_argument(f"--{record}", type=int, metavar="ID", help=f"on this {record}")


def _on(args: argparse.Namespace) -> tuple[str, int] | None:
    for record in RECORDS:
        if getattr(args, record) is not None:
            return record, int(getattr(args, record))
    return None


async def _zone(args: argparse.Namespace, ctx: Context) -> str:
    if args.as_user:
        engine = await ctx.engine()
        return (await engine.users.get(args.as_user)).timezone or ctx.settings.timezone
    return ctx.settings.timezone


def _when(typed_text: str, zone: str, locale: str, ctx: Context) -> datetime | None:
    """The typed moment in UTC; ``None`` (and why, on stderr) when it cannot be read."""
    try:
        return typed.moment(typed_text, zone, clock.utcnow(), locale).at
    except typed.Unreadable as exc:
        ctx.fail(text(locale, "cli.error", message=exc.text(locale)))
        return None


async def add_activity(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    on = _on(args)
    if on is None:
        ctx.fail(text(locale, "cli.activity_needs_record"))
        return 1
    due = None
    if args.due:
        due = _when(args.due, await _zone(args, ctx), locale, ctx)
        if due is None:
            return 1
    record, record_id = on
    draft = ActivityDraft(
        args.kind, args.subject, args.note, due, owner=args.owner,
        deal_id=record_id if record == "deal" else None,
        lead_id=record_id if record == "lead" else None,
        contact_id=record_id if record == "contact" else None,
    )  # fmt: skip
    created = await engine.activities.create(draft, actor)
    ctx.print(text(locale, "cli.activity_created", id=created.id, subject=created.subject))
    return 0


async def list_activities(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    on = _on(args)
    if on is not None:
        found = await engine.activities.on_record(*on)
    elif actor.user_id is not None:
        found = await engine.activities.mine(actor.user_id, include_done=args.include_done)
    elif args.overdue:
        found = await engine.activities.overdue()
    else:
        ctx.fail(text(locale, "cli.activity_list_needs"))
        return 1
    now = clock.utcnow()
    if args.overdue:
        found = [a for a in found if a.overdue(now)]
    if not args.include_done:
        found = [a for a in found if not a.done]
    if args.json:
        print_json(ctx, [record_json.activity(a) for a in found])
        return 0
    if not found:
        ctx.print(text(locale, "cli.no_activity"))
        return 0
    rows = [("#", *(text(locale, f"cli.activity_head_{c}") for c in ("kind", "subject", "due",
                                                                      "on")))]  # fmt: skip
    rows += [_row(a, ctx, locale, now) for a in found]
    for line in table(rows):
        ctx.print(line)
    return 0


def _row(item: Activity, ctx: Context, locale: str, now: datetime) -> tuple[str, ...]:
    due = "—" if item.due_at is None else moment(item.due_at, ctx, locale)
    if item.done:
        due = text(locale, "cli.activity_done_mark", due=due)
    elif item.overdue(now):
        due = text(locale, "cli.activity_overdue_mark", due=due)
    on = next(
        (text(locale, f"cli.activity_on.{r}", id=getattr(item, f"{r}_id"))
         for r in RECORDS if getattr(item, f"{r}_id")), "—",
    )  # fmt: skip
    return (f"#{item.id}", text(locale, f"cli.activity_kind.{item.kind}"), item.subject, due, on)


async def done_activity(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    item = await engine.activities.complete(args.activity_id, actor, args.version)
    ctx.print(text(locale, "cli.activity_completed", id=item.id, subject=item.subject))
    return 0


async def snooze_activity(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    due = _when(args.until, await _zone(args, ctx), locale, ctx)
    if due is None:
        return 1
    item = await engine.activities.reschedule(args.activity_id, due, actor, args.version)
    assert item.due_at is not None
    when = moment(item.due_at, ctx, locale)
    ctx.print(text(locale, "cli.activity_snoozed", id=item.id, subject=item.subject, when=when))
    return 0
