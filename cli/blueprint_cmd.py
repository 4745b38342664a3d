"""``run.py blueprint apply|show|stuck|migrate|disable|timers``: governed pipelines and leads.

``show`` and ``disable`` take ``leads`` for the lead blueprint; ``stuck`` and
``migrate`` are for deals (leads have no pinned versions), and say so when
given ``leads``. ``timers`` runs the deals' and the leads' timers together.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import forms_fit
from cli.context import Context
from config.blueprint_schema import (
    blueprint_files,
    load_blueprint_file,
    load_blueprints,
    problems_against,
)
from config.loader import ConfigError
from engine.api import LOCALES, Engine, ValidationFailed, clock
from engine.api.blueprints import Blueprint
from engine.api.blueprints import lead_model as lead_blueprints
from engine.api.blueprints import view as blueprint_view


def register(sub: Any) -> None:
    parser = sub.add_parser("blueprint", help="the governed transitions of pipelines and leads")
    commands = parser.add_subparsers(dest="blueprint_command", metavar="ACTION", required=True)
    apply = commands.add_parser("apply", help="load config/blueprints/*.yaml (new versions)")
    apply.add_argument("--check", action="store_true", help="validate only, change nothing")
    apply.set_defaults(handler=apply_blueprints)
    show = commands.add_parser("show", help="a blueprint as a transition table")
    show.add_argument("pipeline", nargs="?", metavar="PIPELINE", help="a pipeline key, or leads")
    show.add_argument("--mermaid", action="store_true", help="a Mermaid state diagram instead")
    show.set_defaults(handler=show_blueprint)
    stuck = commands.add_parser("stuck", help="open deals that no transition can move on")
    stuck.add_argument("pipeline", nargs="?", metavar="PIPELINE")
    stuck.add_argument("--lang", choices=LOCALES, help="language of the reasons")
    stuck.set_defaults(handler=stuck_deals)
    migrate = commands.add_parser("migrate", help="move in-flight deals to the latest version")
    migrate.add_argument("pipeline", nargs="?", metavar="PIPELINE")
    migrate.add_argument("--deal", type=int, metavar="ID", help="only this deal")
    migrate.set_defaults(handler=migrate_deals)
    disable = commands.add_parser("disable", help="stop governing a pipeline (free moves)")
    disable.add_argument("pipeline", metavar="PIPELINE", help="a pipeline key, or leads")
    disable.set_defaults(handler=disable_blueprint)
    timers = commands.add_parser(
        "timers", help="run the escalations and automatic transitions due (deals and leads)"
    )
    timers.add_argument("--at", metavar="ISO", help="as if it were this moment (UTC if naive)")
    timers.set_defaults(handler=run_timers)


def _problems(ctx: Context, lines: list[str] | tuple[str, ...]) -> int:
    for line in lines:
        ctx.fail(line)
    ctx.fail(f"blueprints invalid: {len(lines)} problem(s)")
    return 1


async def apply_blueprints(args: argparse.Namespace, ctx: Context) -> int:
    try:
        loaded = load_blueprints(ctx.settings.config_path)
    except ConfigError as exc:
        return _problems(ctx, exc.problems)
    if not loaded:
        ctx.print(f"no blueprint in {ctx.settings.config_path / 'blueprints'}")
        return 0
    engine = await ctx.engine()
    actor = await ctx.actor(None)
    problems: list[str] = []
    for path, blueprint in loaded:
        if args.check:
            problems += await _check(engine, path, blueprint)
            continue
        unshowable = _unshowable(path, blueprint)
        if unshowable:  # the engine knows no renderer: the bot's limits are checked here
            problems += unshowable
            continue
        try:
            saved = await engine.blueprints.save(blueprint, actor)
        except ValidationFailed as exc:
            problems += [f"{path}: {where}: {reason}" for where, reason in exc.errors.items()]
            continue
        state = f"version {saved.version} in force" if saved.created else "unchanged"
        kept = (
            f"; {saved.pinned} deal(s) in flight keep the previous version" if saved.pinned else ""
        )
        ctx.print(f"{saved.pipeline}: {blueprint.name}: {state}{kept}")
    if problems:
        return _problems(ctx, problems)
    if args.check:
        ctx.print(f"blueprints OK: {len(loaded)} file(s)")
    return 0


async def _check(engine: Engine, path: Path, blueprint: Blueprint) -> list[str]:
    """Every problem, the forms measured by the Slack bot's limits (:mod:`bot.forms_fit`)."""
    if blueprint.record == "lead":
        found = lead_blueprints.check(blueprint, forms_fit.fits)
        return [f"{path}: {p.path}: {p.message}" for p in found]
    pipeline = await engine.pipelines.get(blueprint.pipeline)
    stages = await engine.blueprints.stage_refs(pipeline.id)
    return problems_against(blueprint, stages, str(path), forms_fit.fits)


def _unshowable(path: Path, blueprint: Blueprint) -> list[str]:
    """What of the blueprint's forms Slack could not show (refused before saving)."""
    return [
        f"{path}: transitions[{index}].during{'.' + p.path if p.path else ''}: {p.message}"
        for index, t in enumerate(blueprint.transitions)
        for p in forms_fit.fits(t.during)
    ]


async def show_blueprint(args: argparse.Namespace, ctx: Context) -> int:
    if args.pipeline == lead_blueprints.LEADS:
        return await _show_leads(args, ctx)
    engine = await ctx.engine()
    pipeline = await engine.pipelines.get(args.pipeline)
    version = await engine.blueprints.current(pipeline.key)
    if version is not None:
        blueprint, origin = version.blueprint, f"version {version.version}, in force"
    else:
        found = _from_files(ctx, pipeline.key)
        if found is None:
            ctx.print(f"pipeline {pipeline.key} has no blueprint: its stages move freely")
            return 0
        blueprint, origin = found, "from the YAML, not applied"
    names = {s.key: s.name for s in pipeline.stages}
    first = next((s.key for s in pipeline.stages if s.outcome is None), None)
    _show(ctx, blueprint, names, first, f"pipeline {pipeline.key} ({origin})", args.mermaid)
    return 0


async def _show_leads(args: argparse.Namespace, ctx: Context) -> int:
    version = await (await ctx.engine()).blueprints.lead_current()
    if version is not None:
        blueprint, origin = version.blueprint, f"version {version.version}, in force"
    else:
        found = _from_files(ctx, lead_blueprints.LEADS)
        if found is None:
            ctx.print("leads have no blueprint: their statuses change freely")
            return 0
        blueprint, origin = found, "from the YAML, not applied"
    names = {status: status for status in lead_blueprints.STATUSES}
    first = lead_blueprints.STATUSES[0]
    _show(ctx, blueprint, names, first, f"leads ({origin})", args.mermaid)
    return 0


def _show(
    ctx: Context,
    blueprint: Blueprint,
    names: dict[str, str],
    first: str | None,
    subject: str,
    mermaid: bool,
) -> None:
    """The table under a title naming ``subject``, or the diagram starting at ``first``."""
    if mermaid:
        ctx.print(blueprint_view.mermaid(blueprint, names, first))
        return
    ctx.print(f"{blueprint.name} — {subject}\n")
    ctx.print(blueprint_view.table(blueprint, names))


def _governs(blueprint: Blueprint) -> str:
    """What a blueprint governs: its pipeline's key, or ``leads``."""
    return lead_blueprints.LEADS if blueprint.record == "lead" else blueprint.pipeline


def _from_files(ctx: Context, governed: str) -> Blueprint | None:
    for path in blueprint_files(ctx.settings.config_path):
        try:
            blueprint = load_blueprint_file(path)
        except ConfigError:
            continue
        if _governs(blueprint) == governed:
            return blueprint
    return None


async def stuck_deals(args: argparse.Namespace, ctx: Context) -> int:
    if args.pipeline == lead_blueprints.LEADS:
        ctx.fail(
            "error: blueprint stuck is for deals; for a lead, `run.py lead transitions ID`"
            " says why each transition is not open"
        )
        return 1
    engine = await ctx.engine()
    locale = args.lang or ctx.settings.locale
    found = await engine.blueprints.stuck(args.pipeline)
    if not found:
        ctx.print("no stuck deal")
        return 0
    for deal in found:
        since = clock.show(deal.since, ctx.settings.timezone)
        ctx.print(f"#{deal.deal_id} {deal.title} — {deal.stage} since {since}")
        if not deal.blockers:
            ctx.print("    no transition leaves this stage")
        for name, reasons in deal.blockers:
            ctx.print(f"    {name}: " + "; ".join(r.text(locale) for r in reasons))
    return 0


async def migrate_deals(args: argparse.Namespace, ctx: Context) -> int:
    if args.pipeline == lead_blueprints.LEADS:
        ctx.print("leads: nothing to migrate, leads always follow the version in force")
        return 0
    engine = await ctx.engine()
    moved = await engine.blueprints.migrate(args.pipeline, await ctx.actor(None), args.deal)
    shown = ", ".join(f"#{deal_id}" for deal_id in moved) or "none"
    ctx.print(f"{len(moved)} deal(s) now follow the latest version: {shown}")
    return 0


async def disable_blueprint(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    if args.pipeline == lead_blueprints.LEADS:  # the lead blueprint
        changed = await engine.blueprints.disable_lead(await ctx.actor(None))
    else:
        changed = await engine.blueprints.disable(args.pipeline, await ctx.actor(None))
    ctx.print(f"{args.pipeline}: " + ("blueprint disabled" if changed else "had no blueprint"))
    return 0


async def run_timers(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    now = None
    if args.at:
        moment = datetime.fromisoformat(args.at)
        now = moment if moment.tzinfo else moment.replace(tzinfo=clock.utcnow().tzinfo)
    report = await engine.blueprints.run_timers(now)
    ctx.print(
        f"{report.escalated} escalation(s), {report.transitioned} automatic transition(s),"
        f" {report.skipped} skipped"
    )
    return 0
