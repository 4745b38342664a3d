"""``run.py deal new|list|show|update|transitions|move`` and ``run.py board``.

``deal list`` and ``board`` read (:mod:`cli.deal_list`); the other commands work
a deal through its blueprint. ``lead`` reuses the command builders and the
transition helpers defined here.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from cli import listing, outbox_view, record_json
from cli.context import Context
from cli.deal_list import list_deals, show_board
from engine.api import (
    LOCALES,
    Actor,
    Engine,
    Phrase,
    RelaisError,
    TransitionRefused,
    formats,
    label,
    phrase_text,
    plural,
    text,
    translate,
)
from engine.api.blueprints import InputsRejected, TransitionUnavailable
from engine.api.crm import (
    CUSTOM,
    ContactDraft,
    DealDraft,
)

if TYPE_CHECKING:  # annotations only: transitions load when a command moves a deal
    from engine.api.blueprints import Option, Version

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
    show.add_argument("--json", action="store_true", help="print JSON")
    update = _command(commands, "update", "edit a deal's fields (not its stage)", update_deal)
    update.add_argument("deal_id", type=int, metavar="ID")
    _values(update)
    move = _transition_commands(commands, "deal", transitions, move_deal, free=True)
    move.add_argument(
        "--to", metavar="STAGE",
        help="a free stage change (a pipeline without a blueprint), instead of a transition",
    )  # fmt: skip
    move.add_argument("--reason", metavar="TEXT", help="with --to a lost stage: why it was lost")
    board = read_command(sub, "board", "open deals per stage: count, amount, weighted", show_board)
    board.add_argument("--pipeline", metavar="KEY", help="pipeline (default: the default one)")
    board.add_argument(
        "--folded", action="store_true", help="show the folded stages too, marked (as Slack hides)"
    )


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


def _transition_commands(
    commands: Any, record: str, listing: Any, move: Any, *, free: bool = False
) -> argparse.ArgumentParser:
    """``transitions ID`` and ``move ID TRANSITION`` of a ``record`` (deal or lead); ``free``:
    the transition may be left out (for ``--to``). Returns the ``move`` parser."""
    parser = _command(commands, "transitions", "the transitions you may take now", listing)
    parser.add_argument(f"{record}_id", type=int, metavar="ID")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser = _command(commands, "move", "perform a transition with its values", move)
    parser.add_argument(f"{record}_id", type=int, metavar="ID")
    parser.add_argument(
        "transition", metavar="TRANSITION", nargs="?" if free else None,
        help="its key (or name)",
    )  # fmt: skip
    _values(parser)
    parser.add_argument(
        "--tick", action="append", default=[], metavar="ITEM",
        help="a checklist item ticked (repeat; 'all' ticks every item)",
    )  # fmt: skip
    parser.add_argument("--note", metavar="TEXT", help="the transition's note")
    parser.add_argument(
        "--version", type=int, metavar="N", help=f"refuse if the {record} moved past N"
    )
    return parser


def _values(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set", dest="values", action="append", default=[], metavar="FIELD=VALUE",
        help="a value (repeat for several)",
    )  # fmt: skip


# The names ``run.py import`` also reads as columns (``close_date=31/12/2026``).
UPDATE_ALIASES = {"close_date": "expected_close", "amount": "expected_revenue"}


class PairExpected(RelaisError):
    """A ``--set`` that is not FIELD=VALUE: said in the reader's language by the command
    line's one error handler (``stored.set_expects_pair``)."""

    code = "stored.set_expects_pair"

    def __init__(self, pair: str) -> None:
        super().__init__(Phrase(self.code, pair=repr(pair)), pair=repr(pair))


def parse_values(pairs: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise PairExpected(pair)
        values[name.strip()] = value.strip()
    return values


async def _who(args: argparse.Namespace, ctx: Context) -> tuple[Engine, Actor, str]:
    engine = await ctx.engine()
    actor = await ctx.actor(args.as_user)
    locale = args.lang or ctx.settings.locale
    if args.as_user and not args.lang:
        locale = (await engine.users.get(args.as_user)).locale
    return engine, actor, locale


async def new_deal(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    contact = ContactDraft(args.name, args.contact) if args.contact else None
    deal = await engine.deals.create(DealDraft(args.title, contact, pipeline=args.pipeline), actor)
    pipeline = await engine.pipelines.get(deal.pipeline_id)
    stage = next(s.name for s in pipeline.stages if s.id == deal.stage_id)
    shown = {"id": deal.id, "title": deal.title, "pipeline": pipeline.name, "stage": stage}
    ctx.print(text(locale, "cli.deal_created", **shown))
    return 0


async def show_deal(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    deal = await engine.deals.get(args.deal_id)
    pipeline = await engine.pipelines.get(deal.pipeline_id)
    stage = next(s.name for s in pipeline.stages if s.id == deal.stage_id)
    governing = await engine.blueprints.of_deal(deal.id)
    locale = args.lang or ctx.settings.locale
    if args.json:
        listing.print_json(ctx, await record_json.deal(engine, deal, pipeline, governing))
        return 0
    ctx.print(text(locale, "cli.deal_heading", id=deal.id, title=deal.title))
    status = text(locale, f"cli.deal_status_{deal.status}")
    rows = [
        (text(locale, "cli.show_pipeline_stage"), f"{pipeline.name} / {stage}"),
        (
            text(locale, "cli.show_status"),
            status + (f" ({deal.lost_reason})" if deal.lost_reason else ""),
        ),
        (
            text(locale, "cli.show_expected_revenue"),
            formats.money(deal.expected_revenue, deal.currency, locale),
        ),
        (text(locale, "cli.show_budget"), formats.money(deal.budget, deal.currency, locale)),
        (text(locale, "cli.show_probability"), formats.percent(deal.probability, locale)),
        (text(locale, "cli.show_version"), str(deal.version)),
        (text(locale, "cli.show_blueprint"), _governing(governing, locale)),
    ]
    rows += [(f"{CUSTOM}{k}", str(v)) for k, v in deal.custom.items()]
    for name, value in rows:
        ctx.print(f"  {name:<18} {value}")
    await _show_history(engine, deal.id, ctx, locale)
    return 0


def _governing(version: Version | None, locale: str) -> str:
    if version is None:
        return text(locale, "cli.no_blueprint")
    return text(
        locale, "cli.blueprint_version", name=version.blueprint.name, version=version.version
    )


async def _show_history(engine: Engine, deal_id: int, ctx: Context, locale: str) -> None:
    history = await engine.blueprints.history(deal_id)
    if history:
        ctx.print(text(locale, "cli.transitions"))
    for entry in history:
        values = ", ".join(f"{k}={v}" for k, v in entry.values.items())
        who = (
            text(locale, "cli.automatic")
            if entry.automatic
            else entry.actor_label or entry.actor_kind
        )
        at = listing.moment(entry.at, ctx, locale)  # the reader's zone, named
        line = f"  {at} {entry.name}: {entry.from_stage} → {entry.to_stage}"
        ctx.print(
            text(locale, "cli.transition_by", line=line, who=who)
            + (f" [{values}]" if values else "")
        )
        if entry.note:
            ctx.print(text(locale, "cli.note", note=entry.note))
    messages = await engine.outbox.messages(deal_id)
    if messages:
        ctx.print(text(locale, "cli.outbox"))
    for message in messages:
        why = phrase_text(outbox_view.why(message) or "", locale)  # stored in any language
        attempts = plural(locale, "cli.attempts", message.attempts, count=message.attempts)
        ctx.print(text(
            locale, "cli.deal_outbox_line", id=message.id, kind=message.kind,
            to=message.recipient, status=message.status, attempts=attempts,
        ) + (f" ({why})" if why else ""))  # fmt: skip


async def update_deal(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    values = {UPDATE_ALIASES.get(k, k): v for k, v in parse_values(args.values).items()}
    custom = {k.removeprefix(CUSTOM): v for k, v in values.items() if k.startswith(CUSTOM)}
    plain: dict[str, Any] = {k: v for k, v in values.items() if not k.startswith(CUSTOM)}
    if custom:
        plain["custom"] = custom
    deal = await engine.deals.update(args.deal_id, plain, actor)
    ctx.print(text(locale, "cli.deal_updated", id=deal.id, version=deal.version))
    return 0


async def transitions(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    options = await engine.blueprints.transitions(args.deal_id, actor)
    free = text(locale, "cli.deal_free", id=args.deal_id)
    return _print_options(ctx, options, locale, free, args.json)


def _print_options(
    ctx: Context, options: list[Option], locale: str, free: str, as_json: bool = False
) -> int:
    """One line per transition, or ``free`` when the record follows no blueprint."""
    if as_json:
        listing.print_json(ctx, [
            {"key": o.key, "name": o.name, "to": o.target or None, "available": o.available,
             "reasons": [r.text(locale) for r in o.reasons], "automatic": o.automatic}
            for o in options
        ])  # fmt: skip
        return 0
    if not options:
        ctx.print(free)
        return 0
    for option in options:
        ctx.print(_option_line(option, locale))
    return 0


def governed(exc: TransitionRefused, source: str, options: list[Option], locale: str) -> str:
    """Why ``--to`` was refused, and the transitions open from ``source`` (or that none is)."""
    open_ = [f"{o.key} ({o.name} → {o.target_name or translate('any_stage', locale)})"
             for o in options if o.available]  # fmt: skip
    return text(
        locale, "cli.stage_governed", deal=exc.params.get("deal", "?"), source=source,
        blueprint=exc.params.get("blueprint", "?"), stage=exc.params.get("stage", "?"),
        transitions=", ".join(open_) or text(locale, "cli.stage_governed_none"),
    )  # fmt: skip


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
        ctx.fail(text(locale, "cli.nothing_saved", transition=transition))
        for name, reason in exc.text(locale).items():
            ctx.fail(text(locale, "cli.field_error", field=label(locale, name), reason=reason))
    except TransitionUnavailable as exc:
        ctx.fail(text(locale, "cli.error", message=exc.text(locale)))
    except TransitionRefused as exc:
        ctx.fail(text(locale, "cli.error", message=listing.explain(exc, locale)))
    return None


async def move_deal(args: argparse.Namespace, ctx: Context) -> int:
    engine, actor, locale = await _who(args, ctx)
    if (args.to is None) == (args.transition is None):
        ctx.fail(text(locale, "cli.move_transition_or_to"))
        return 1
    if args.to is not None:
        return await _move_freely(engine, actor, locale, args, ctx)
    work = engine.blueprints.perform(
        args.deal_id, args.transition, supplied(args), actor, args.version
    )
    done = await attempt(ctx, locale, args.transition, work)
    if done is None:
        return 1
    queued = plural(locale, "cli.messages_queued", done.queued, count=done.queued)
    ctx.print(text(
        locale, "cli.deal_transitioned", id=done.deal_id, name=done.name, source=done.from_stage,
        target=done.to_stage, version=done.version, queued=queued,
    ))  # fmt: skip
    return 0


async def _move_freely(
    engine: Engine, actor: Actor, locale: str, args: argparse.Namespace, ctx: Context
) -> int:
    """``deal move ID --to STAGE``: a stage change on a pipeline without a blueprint (a
    governed deal is refused, naming the transitions open from its current stage)."""
    before = await engine.deals.get(args.deal_id)
    pipeline = await engine.pipelines.get(before.pipeline_id)
    names = {s.id: s.name for s in pipeline.stages}
    try:
        deal = await engine.deals.move(
            args.deal_id, args.to, actor, args.version, lost_reason=args.reason
        )
    except TransitionRefused as exc:
        if exc.code != "stage_governed":
            raise
        source = names.get(before.stage_id, "?")
        options = await engine.blueprints.transitions(args.deal_id, actor)
        ctx.fail(text(locale, "cli.error", message=governed(exc, source, options, locale)))
        return 1
    ctx.print(text(
        locale, "cli.deal_moved", id=deal.id, source=names.get(before.stage_id, "?"),
        target=names.get(deal.stage_id, "?"), version=deal.version,
    ))  # fmt: skip
    return 0
