"""``run.py lead new|list|show|status|transitions|move``: list leads, work one through its
blueprint."""

from __future__ import annotations

import argparse
from typing import Any

from cli import record_json
from cli.context import Context
from cli.deal_cmd import (
    _command,
    _print_options,
    _transition_commands,
    _who,
    attempt,
    limit,
    read_command,
    supplied,
)
from cli.listing import (
    clip,
    counted,
    day,
    moment,
    named_json,
    option_errors,
    person,
    print_json,
    say,
    table,
)
from engine.api import ValidationFailed, plural, text, translate
from engine.api.blueprints import LeadStatusGoverned
from engine.api.crm import (
    LEAD_STATUS_CHOICES,
    ContactDraft,
    LeadDraft,
    LeadFilters,
    LeadListing,
    ListedLead,
)


def register(sub: Any) -> None:
    parser = sub.add_parser("lead", help="create, show and move leads (through their blueprint)")
    commands = parser.add_subparsers(dest="lead_command", metavar="ACTION", required=True)
    new = _command(commands, "new", "record a lead", new_lead)
    new.add_argument("title")
    new.add_argument("--contact", metavar="EMAIL", help="the prospect's e-mail")
    new.add_argument("--name", metavar="NAME", default="", help="the prospect's name")
    listed = read_command(commands, "list", "open leads, the newest first", list_leads)
    listed.add_argument(
        "--status", choices=LEAD_STATUS_CHOICES, default="open",
        help="one status, open (new, contacted, qualified: the default) or all",
    )  # fmt: skip
    listed.add_argument(
        "--owner", metavar="USER", help="owned by this user (e-mail, Slack id; 'none': nobody)"
    )
    limit(listed)
    show = _command(commands, "show", "a lead and its transition history", show_lead)
    show.add_argument("lead_id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    convert = _command(commands, "convert", "turn a lead into a deal (as in Slack)", convert_lead)
    convert.add_argument("lead_id", type=int, metavar="ID")
    convert.add_argument("--pipeline", metavar="KEY", help="the deal's pipeline (default one)")
    convert.add_argument("--title", help="the deal's title (default: the lead's)")
    convert.add_argument("--amount", metavar="AMOUNT", help="the deal's expected revenue")
    convert.add_argument("--version", type=int, metavar="N", help="refuse if the lead changed")
    status = _command(commands, "status", "set the status (leads without a blueprint)", status_lead)
    status.add_argument("lead_id", type=int, metavar="ID")
    status.add_argument("status", choices=("new", "contacted", "qualified", "disqualified"))
    status.add_argument("--reason", help="why the lead is disqualified")
    _transition_commands(commands, "lead", transitions, move_lead)


async def new_lead(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    contact = ContactDraft(args.name or args.contact or "", args.contact) if args.contact else None
    lead = await engine.leads.create(LeadDraft(args.title, contact=contact), actor)
    shown = say(lead.status, locale)
    ctx.print(text(locale, "cli.lead_created", id=lead.id, title=lead.title, status=shown))
    return 0


async def show_lead(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    lead = await engine.leads.get(args.lead_id)
    locale = getattr(args, "lang", None) or ctx.settings.locale
    version = await engine.blueprints.lead_current()
    if args.json:
        history = await engine.blueprints.lead_history(args.lead_id)
        print_json(ctx, record_json.lead(lead, version, history))
        return 0
    status = say(lead.status, locale)
    ctx.print(text(locale, "cli.lead_heading", id=lead.id, title=lead.title, status=status,
                   version=lead.version))  # fmt: skip
    shown = text(locale, "cli.lead_no_blueprint") if version is None else version.blueprint.name
    ctx.print(text(locale, "cli.lead_blueprint", name=shown))
    for entry in await engine.blueprints.lead_history(args.lead_id):
        ctx.print(_history_line(entry, ctx, locale))
    return 0


def _history_line(entry: Any, ctx: Context, locale: str) -> str:
    """``  03/12/2026 14:30 CET Qualifier: nouveau → qualifié par Alice → affaire n° 1``."""
    deal = "" if entry.deal_id is None else text(locale, "cli.lead_history_deal", id=entry.deal_id)
    who = text(locale, "cli.automatic") if entry.automatic else entry.actor_label
    return text(
        locale, "cli.lead_history", at=moment(entry.at, ctx, locale), name=entry.name,
        source=say(entry.from_status, locale), target=say(entry.to_status, locale), who=who,
        deal=deal,
    )  # fmt: skip


async def convert_lead(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    deal = await engine.leads.convert(
        args.lead_id, actor, pipeline=args.pipeline, title=args.title,
        expected_revenue=args.amount, expected_version=args.version,
    )  # fmt: skip
    ctx.print(
        text(locale, "cli.lead_converted_deal", lead=args.lead_id, id=deal.id, title=deal.title)
    )
    return 0


async def status_lead(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    try:
        lead = await engine.leads.set_status(args.lead_id, args.status, actor, reason=args.reason)
    except LeadStatusGoverned as exc:
        ctx.fail(text(locale, "cli.error", message=translate(exc.code, locale, **exc.params)))
        return 1
    ctx.print(text(locale, "cli.lead_status_set", id=lead.id, status=say(lead.status, locale)))
    return 0


async def transitions(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    options = await engine.blueprints.lead_transitions(args.lead_id, actor)
    free = text(locale, "cli.lead_free", id=args.lead_id)
    return _print_options(ctx, options, locale, free, args.json)


async def move_lead(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    work = engine.blueprints.perform_lead(
        args.lead_id, args.transition, supplied(args), actor, args.version
    )
    done = await attempt(ctx, locale, args.transition, work)
    if done is None:
        return 1
    deal = "" if done.deal_id is None else text(locale, "cli.lead_moved_deal", id=done.deal_id)
    queued = plural(locale, "cli.messages_queued", done.queued, count=done.queued)
    ctx.print(text(
        locale, "cli.lead_moved", id=done.lead_id, name=done.name, version=done.version,
        source=say(done.from_status, locale), target=say(done.to_status, locale),
        queued=queued, deal=deal,
    ))  # fmt: skip
    return 0


async def list_leads(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    locale = args.lang or ctx.settings.locale
    try:
        found = await engine.leads.listing(LeadFilters(args.status, args.owner, args.limit))
    except ValidationFailed as exc:
        return option_errors(ctx, exc, locale)
    if args.json:
        print_json(ctx, _listing_json(found))
    elif not found.leads:
        ctx.print(say("no_lead", locale))
    else:
        for line in _lead_lines(found, ctx, locale):
            ctx.print(line)
    return 0


def _lead_lines(found: LeadListing, ctx: Context, locale: str) -> list[str]:
    columns = ("title", "status", "contact", "owner", "source", "created")
    rows = [("#", *(say(f"head_{c}", locale) for c in columns))]
    rows += [_lead_row(item, ctx, locale) for item in found.leads]
    count = counted("leads", found.count, len(found.leads), locale)
    return [*table(rows), count]


def _lead_row(item: ListedLead, ctx: Context, locale: str) -> tuple[str, ...]:
    lead = item.lead
    return (
        f"#{lead.id}",
        clip(lead.title),
        say(lead.status, locale),
        clip(person(item.contact), 48),
        item.owner.name if item.owner else say("unassigned", locale),
        item.source or lead.origin or "—",
        day(lead.created_at, ctx, locale),
    )


def _listing_json(found: LeadListing) -> dict[str, Any]:
    return {"leads": [_lead_json(item) for item in found.leads], "count": found.count,
            "shown": len(found.leads)}  # fmt: skip


def _lead_json(item: ListedLead) -> dict[str, Any]:
    lead = item.lead
    return {
        "id": lead.id, "title": lead.title, "status": lead.status,
        "contact": named_json(item.contact), "owner": named_json(item.owner),
        "source": item.source, "origin": lead.origin, "campaign": lead.campaign,
        "deal_id": lead.deal_id, "created_at": lead.created_at.isoformat(),
    }  # fmt: skip
