"""``run.py deal new|list|show|update|transitions|move`` and ``run.py board``.

``deal list`` and ``board`` read; the other commands work a deal through its blueprint.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from cli.context import Context
from engine.api import (
    LEAD_STATUS_NAMES,
    LOCALES,
    Actor,
    Engine,
    NotFound,
    TransitionRefused,
    ValidationFailed,
    clock,
    translate,
)
from engine.api.blueprints import InputsRejected, Option, TransitionUnavailable, Version
from engine.api.cpq import date_text, money_text
from engine.api.crm import (
    CUSTOM,
    Amounts,
    ContactDraft,
    DealDraft,
    DealFilters,
    DealListing,
    ListedDeal,
    Named,
    Pipeline,
    StageSummary,
)

T = TypeVar("T")


def register(sub: Any) -> None:
    parser = sub.add_parser("deal", help="create, show and move deals (through their blueprint)")
    commands = parser.add_subparsers(dest="deal_command", metavar="ACTION", required=True)
    new = _command(commands, "new", "open a deal", new_deal)
    new.add_argument("title")
    new.add_argument("--contact", metavar="EMAIL", help="the prospect's e-mail")
    new.add_argument("--name", metavar="NAME", default="", help="the prospect's name")
    new.add_argument("--pipeline", metavar="KEY", help="pipeline (default: the default one)")
    _register_list(commands)
    show = _command(commands, "show", "a deal, its transition history and outbox", show_deal)
    show.add_argument("deal_id", type=int, metavar="ID")
    update = _command(commands, "update", "edit a deal's fields (not its stage)", update_deal)
    update.add_argument("deal_id", type=int, metavar="ID")
    _values(update)
    _transition_commands(commands, "deal", transitions, move_deal)
    board = read_command(sub, "board", "open deals per stage: count, amount, weighted", show_board)
    board.add_argument("--pipeline", metavar="KEY", help="pipeline (default: the default one)")


def _register_list(commands: Any) -> None:
    parser = read_command(
        commands, "list", "open deals, latest changed first, and totals", list_deals
    )
    parser.add_argument("--stage", metavar="KEY", help="in this stage (key or name)")
    parser.add_argument("--pipeline", metavar="KEY", help="in this pipeline (default: all)")
    parser.add_argument(
        "--owner", metavar="USER", help="owned by this user (e-mail, Slack id; 'none': nobody)"
    )
    parser.add_argument("--search", metavar="TEXT", help="in the title, contact or organisation")
    parser.add_argument(
        "--all", dest="include_closed", action="store_true",
        help="won, lost and archived deals too",
    )  # fmt: skip
    limit(parser)


def read_command(commands: Any, name: str, text: str, handler: Any) -> argparse.ArgumentParser:
    """A read-only command: ``--lang`` and ``--json``, no ``--as``."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=text)
    parser.add_argument("--lang", choices=LOCALES, help="language (default: RELAIS_LOCALE)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=handler)
    return parser


def limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--limit", type=int, default=50, metavar="N",
        help="show at most N (default 50); the count covers every match",
    )  # fmt: skip


def _command(commands: Any, name: str, text: str, handler: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=text)
    parser.add_argument("--as", dest="as_user", metavar="USER", help="e-mail or Slack id")
    parser.add_argument("--lang", choices=LOCALES, help="language of messages")
    parser.set_defaults(handler=handler)
    return parser


def _transition_commands(commands: Any, record: str, listing: Any, move: Any) -> None:
    """``transitions ID`` and ``move ID TRANSITION`` of a ``record`` (deal or lead)."""
    parser = _command(commands, "transitions", "the transitions you may take now", listing)
    parser.add_argument(f"{record}_id", type=int, metavar="ID")
    parser = _command(commands, "move", "perform a transition with its values", move)
    parser.add_argument(f"{record}_id", type=int, metavar="ID")
    parser.add_argument("transition", metavar="TRANSITION", help="its key (or name)")
    _values(parser)
    parser.add_argument(
        "--tick", action="append", default=[], metavar="ITEM",
        help="a checklist item ticked (repeat; 'all' ticks every item)",
    )  # fmt: skip
    parser.add_argument("--note", metavar="TEXT", help="the transition's note")
    parser.add_argument(
        "--version", type=int, metavar="N", help=f"refuse if the {record} moved past N"
    )


def _values(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set", dest="values", action="append", default=[], metavar="FIELD=VALUE",
        help="a value (repeat for several)",
    )  # fmt: skip


def parse_values(pairs: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"--set expects FIELD=VALUE, not {pair!r}")
        values[name.strip()] = value.strip()
    return values


async def _who(args: argparse.Namespace, ctx: Context) -> tuple[Engine, Actor, str]:
    engine = await ctx.engine()
    actor = await ctx.actor(args.as_user)
    locale = args.lang or ctx.settings.locale
    if args.as_user and not args.lang:
        locale = (await engine.user(args.as_user)).locale
    return engine, actor, locale


async def new_deal(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, _ = await _who(args, ctx)
    contact = ContactDraft(args.name, args.contact) if args.contact else None
    deal = await engine.create_deal(DealDraft(args.title, contact, pipeline=args.pipeline), actor)
    pipeline = await engine.pipeline(deal.pipeline_id)
    stage = next(s.name for s in pipeline.stages if s.id == deal.stage_id)
    ctx.print(f"deal #{deal.id} created: {deal.title} ({pipeline.name} / {stage})")
    return 0


async def show_deal(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    deal = await engine.deal(args.deal_id)
    pipeline = await engine.pipeline(deal.pipeline_id)
    stage = next(s.name for s in pipeline.stages if s.id == deal.stage_id)
    governing = await engine.deal_blueprint(deal.id)
    ctx.print(f"deal #{deal.id}: {deal.title}")
    rows = [
        ("pipeline / stage", f"{pipeline.name} / {stage}"),
        ("status", deal.status + (f" ({deal.lost_reason})" if deal.lost_reason else "")),
        ("expected revenue", f"{deal.expected_revenue or '—'} {deal.currency}"),
        ("budget", f"{deal.budget or '—'} {deal.currency}"),
        ("probability", f"{deal.probability} %"),
        ("version", str(deal.version)),
        ("blueprint", _governing(governing)),
    ]
    rows += [(f"{CUSTOM}{k}", str(v)) for k, v in deal.custom.items()]
    for label, value in rows:
        ctx.print(f"  {label:<18} {value}")
    await _show_history(engine, deal.id, ctx)
    return 0


def _governing(version: Version | None) -> str:
    if version is None:
        return "none: the stage moves freely"
    return f"{version.blueprint.name} (version {version.version})"


async def _show_history(engine: Engine, deal_id: int, ctx: Context) -> None:
    history = await engine.transition_history(deal_id)
    if history:
        ctx.print("transitions:")
    for entry in history:
        values = ", ".join(f"{k}={v}" for k, v in entry.values.items())
        who = "automatic" if entry.automatic else entry.actor_label or entry.actor_kind
        line = f"  {entry.at:%Y-%m-%d %H:%M} {entry.name}: {entry.from_stage} → {entry.to_stage}"
        ctx.print(f"{line} by {who}" + (f" [{values}]" if values else ""))
        if entry.note:
            ctx.print(f"      note: {entry.note}")
    messages = await engine.outbox_messages(deal_id)
    if messages:
        ctx.print("outbox:")
    for message in messages:
        why = message.waiting_for or message.last_error or ""
        line = f"  #{message.id} {message.kind} to {message.recipient}: {message.status}"
        line += f" after {message.attempts} attempt(s)" + (f" ({why})" if why else "")
        ctx.print(line)


async def update_deal(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, _ = await _who(args, ctx)
    values = parse_values(args.values)
    custom = {k.removeprefix(CUSTOM): v for k, v in values.items() if k.startswith(CUSTOM)}
    plain: dict[str, Any] = {k: v for k, v in values.items() if not k.startswith(CUSTOM)}
    if custom:
        plain["custom"] = custom
    deal = await engine.update_deal(args.deal_id, plain, actor)
    ctx.print(f"deal #{deal.id} updated (version {deal.version})")
    return 0


async def transitions(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    options = await engine.deal_transitions(args.deal_id, actor)
    free = f"deal #{args.deal_id} follows no blueprint: its stage moves freely"
    return _print_options(ctx, options, locale, free)


def _print_options(ctx: Context, options: list[Option], locale: str, free: str) -> int:
    """One line per transition, or ``free`` when the record follows no blueprint."""
    if not options:
        ctx.print(free)
        return 0
    for option in options:
        ctx.print(_option_line(option, locale))
    return 0


def _option_line(option: Option, locale: str) -> str:
    mark = "✓" if option.available else "✗"
    target = option.target_name or translate("any_stage", locale)
    line = f"{mark} {option.key:<20} {option.name} → {target}"
    if option.reasons:
        line += "  (" + "; ".join(r.text(locale) for r in option.reasons) + ")"
    return line


def supplied(args: argparse.Namespace) -> dict[str, Any]:
    """The During values of ``--set``, ``--tick`` and ``--note``."""
    values = parse_values(args.values)
    if args.tick:
        values["checklist"] = args.tick
    if args.note:
        values["note"] = args.note
    return values


async def attempt(ctx: Context, locale: str, transition: str, work: Awaitable[T]) -> T | None:
    """Await a transition; print its refusal field by field and return None if refused."""
    try:
        return await work
    except InputsRejected as exc:
        ctx.fail(f"error: {transition}: nothing was saved")
        for name, reason in exc.text(locale).items():
            ctx.fail(f"  {name}: {reason}")
    except TransitionUnavailable as exc:
        ctx.fail(f"error: {exc.text(locale)}")
    except TransitionRefused as exc:
        ctx.fail(f"error: {exc.message}")
    return None


async def move_deal(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    work = engine.perform_transition(
        args.deal_id, args.transition, supplied(args), actor, args.version
    )
    done = await attempt(ctx, locale, args.transition, work)
    if done is None:
        return 1
    ctx.print(
        f"deal #{done.deal_id}: {done.name}: {done.from_stage} → {done.to_stage}"
        f" (version {done.version}, {done.queued} message(s) queued)"
    )
    return 0


# -- lists: deal list, board (lead list reuses these) ----------------------------------

TEXTS: dict[str, dict[str, str]] = {
    "no_open_deal": {"fr": "Aucune affaire ouverte ne correspond.", "en": "No open deal matches."},
    "no_deal": {"fr": "Aucune affaire ne correspond.", "en": "No deal matches."},
    "deals_one": {"fr": "1 affaire", "en": "1 deal"},
    "deals_many": {"fr": "{count} affaires", "en": "{count} deals"},
    "deals_shown": {
        "fr": "{count} affaires, {shown} affichées",
        "en": "{count} deals, {shown} shown",
    },
    "deals_shown_one": {"fr": "{count} affaires, 1 affichée", "en": "{count} deals, 1 shown"},
    "total": {"fr": "total {amount}", "en": "total {amount}"},
    "weighted": {"fr": "pondéré {amount}", "en": "weighted {amount}"},
    "archived": {"fr": "archivée", "en": "archived"},
    "unassigned": {"fr": "non attribué", "en": "unassigned"},
    "head_title": {"fr": "titre", "en": "title"},
    "head_stage": {"fr": "étape", "en": "stage"},
    "head_amount": {"fr": "montant", "en": "amount"},
    "head_owner": {"fr": "propriétaire", "en": "owner"},
    "head_contact": {"fr": "contact", "en": "contact"},
    "head_changed": {"fr": "modifiée le", "en": "changed"},
    "head_deals": {"fr": "affaires", "en": "deals"},
    "head_weighted": {"fr": "pondéré", "en": "weighted"},
    "board": {"fr": "{pipeline} : affaires ouvertes", "en": "{pipeline}: open deals"},
    # run.py lead list
    "no_lead": {"fr": "Aucun prospect ne correspond.", "en": "No lead matches."},
    "leads_one": {"fr": "1 prospect", "en": "1 lead"},
    "leads_many": {"fr": "{count} prospects", "en": "{count} leads"},
    "leads_shown": {
        "fr": "{count} prospects, {shown} affichés",
        "en": "{count} leads, {shown} shown",
    },
    "leads_shown_one": {"fr": "{count} prospects, 1 affiché", "en": "{count} leads, 1 shown"},
    # the lead statuses, in lower case in a list
    **{
        status: {locale: name.lower() for locale, name in names.items()}
        for status, names in LEAD_STATUS_NAMES.items()
    },
    "head_status": {"fr": "statut", "en": "status"},
    "head_source": {"fr": "source", "en": "source"},
    "head_created": {"fr": "créé le", "en": "created"},
}


def say(code: str, locale: str, **params: object) -> str:
    """A list's text in ``locale`` (French or English)."""
    texts = TEXTS[code]
    return (texts.get(locale) or texts["en"]).format(**params)


def counted(kind: str, count: int, shown: int, locale: str) -> str:
    """``3 affaires`` / ``1 deal``, with how many are shown when the limit cut the list."""
    if shown < count:
        code = f"{kind}_shown_one" if shown == 1 else f"{kind}_shown"
        return say(code, locale, count=count, shown=shown)
    return say(f"{kind}_one" if count == 1 else f"{kind}_many", locale, count=count)


def table(rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """Rows as aligned columns two spaces apart; the columns in ``right`` aligned right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def person(who: Named | None) -> str:
    """``Name <e-mail>``, or whichever of the two is known."""
    if who is None:
        return "—"
    if who.name and who.email:
        return f"{who.name} <{who.email}>"
    return who.name or who.email or "—"


def day(moment: datetime, ctx: Context, locale: str) -> str:
    """The date of ``moment`` in the configured time zone (RELAIS_TIMEZONE)."""
    return date_text(moment.astimezone(clock.zone(ctx.settings.timezone)).date(), locale)


def named_json(who: Named | None) -> dict[str, str | None] | None:
    return None if who is None else {"name": who.name, "email": who.email}


def print_json(ctx: Context, data: object) -> None:
    ctx.print(json.dumps(data, indent=2, ensure_ascii=False))


def option_errors(ctx: Context, exc: ValidationFailed) -> int:
    """A refused filter, named as the option the user typed."""
    for name, reason in exc.errors.items():
        ctx.fail(f"error: --{name}: {reason}")
    return 1


async def list_deals(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    locale = args.lang or ctx.settings.locale
    filters = DealFilters(
        args.pipeline, args.stage, args.owner, args.search, args.include_closed, args.limit
    )
    try:
        found = await engine.deal_listing(filters)
    except ValidationFailed as exc:
        return option_errors(ctx, exc)
    if args.json:
        print_json(ctx, _listing_json(found))
    elif not found.deals:
        ctx.print(say("no_deal" if args.include_closed else "no_open_deal", locale))
    else:
        for line in _deal_lines(found, ctx, locale):
            ctx.print(line)
    return 0


def _deal_lines(found: DealListing, ctx: Context, locale: str) -> list[str]:
    head = ("#", *(say(f"head_{c}", locale) for c in ("title", "stage", "amount", "owner")))
    rows = [(*head, say("head_contact", locale), say("head_changed", locale))]
    rows += [_deal_row(item, ctx, locale) for item in found.deals]
    lines = table(rows, right=frozenset({3}))
    amounts, weighted = _sums(found.totals, locale)
    count = counted("deals", found.count, len(found.deals), locale)
    total, part = say("total", locale, amount=amounts), say("weighted", locale, amount=weighted)
    return [*lines, f"{count} · {total} · {part}"]


def _deal_row(item: ListedDeal, ctx: Context, locale: str) -> tuple[str, ...]:
    deal = item.deal
    stage = item.stage + (f" ({say('archived', locale)})" if deal.archived else "")
    amount = deal.expected_revenue
    return (
        f"#{deal.id}",
        clip(deal.title),
        stage,
        "—" if amount is None else money_text(amount, deal.currency, locale),
        item.owner.name if item.owner else say("unassigned", locale),
        clip(person(item.contact), 48),
        day(deal.updated_at, ctx, locale),
    )


def _sums(totals: Sequence[Amounts], locale: str) -> tuple[str, str]:
    """Amounts and weighted amounts, one per currency (``1 000,00 € + $200.00``)."""
    amounts = " + ".join(money_text(t.amount, t.currency, locale) for t in totals)
    weighted = " + ".join(money_text(t.weighted, t.currency, locale) for t in totals)
    return amounts, weighted


def _decimal(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _listing_json(found: DealListing) -> dict[str, Any]:
    return {
        "deals": [_deal_json(item) for item in found.deals],
        "count": found.count,
        "shown": len(found.deals),
        "totals": [
            {"currency": t.currency, "count": t.count, "amount": str(t.amount),
             "weighted": str(t.weighted)}
            for t in found.totals
        ],
    }  # fmt: skip


def _deal_json(item: ListedDeal) -> dict[str, Any]:
    deal = item.deal
    return {
        "id": deal.id, "title": deal.title, "pipeline": item.pipeline,
        "stage": item.stage_key, "stage_name": item.stage, "status": deal.status,
        "archived": deal.archived, "amount": _decimal(deal.expected_revenue),
        "currency": deal.currency, "probability": deal.probability,
        "weighted": _decimal(deal.weighted_revenue),
        "owner": named_json(item.owner), "contact": named_json(item.contact),
        "updated_at": deal.updated_at.isoformat(),
    }  # fmt: skip


async def show_board(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    locale = args.lang or ctx.settings.locale
    try:
        pipeline = await engine.pipeline(args.pipeline)
    except NotFound as exc:
        ctx.fail(f"error: --pipeline: {exc.message}")
        return 1
    summaries = await engine.board(pipeline.key)
    if args.json:
        print_json(ctx, _board_json(pipeline, summaries))
        return 0
    ctx.print(say("board", locale, pipeline=f"{pipeline.name} ({pipeline.key})"))
    for line in _board_lines(pipeline, summaries, locale):
        ctx.print(line)
    return 0


def _board_lines(pipeline: Pipeline, summaries: list[StageSummary], locale: str) -> list[str]:
    def money(amount: Decimal) -> str:
        return money_text(amount, pipeline.currency, locale)

    head = [say(f"head_{c}", locale) for c in ("stage", "deals", "amount", "weighted")]
    rows = [head]
    rows += [[s.stage, str(s.count), money(s.revenue), money(s.weighted)] for s in summaries]
    count, revenue, weighted = _board_total(summaries)
    rows.append(["total", str(count), money(revenue), money(weighted)])
    return table(rows, right=frozenset({1, 2, 3}))


def _board_total(summaries: list[StageSummary]) -> tuple[int, Decimal, Decimal]:
    """The columns' sums: what the rows shown add up to."""
    return (
        sum(s.count for s in summaries),
        sum((s.revenue for s in summaries), Decimal(0)),
        sum((s.weighted for s in summaries), Decimal(0)),
    )


def _board_json(pipeline: Pipeline, summaries: list[StageSummary]) -> dict[str, Any]:
    keys = {stage.id: stage.key for stage in pipeline.stages}
    count, revenue, weighted = _board_total(summaries)
    return {
        "pipeline": pipeline.key, "name": pipeline.name, "currency": pipeline.currency,
        "stages": [
            {"stage": keys.get(s.stage_id), "name": s.stage, "folded": s.folded,
             "count": s.count, "amount": str(s.revenue), "weighted": str(s.weighted)}
            for s in summaries
        ],
        "totals": {"count": count, "amount": str(revenue), "weighted": str(weighted)},
    }  # fmt: skip
