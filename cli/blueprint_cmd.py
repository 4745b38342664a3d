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
from cli import admin_lang
from cli.context import Context
from cli.listing import print_json
from config.blueprint_schema import (
    blueprint_files,
    load_blueprint_file,
    load_blueprints,
    problems_against,
)
from config.loader import ConfigError
from config.problems import line as problem_line
from engine.api import LOCALES, Engine, ValidationFailed, clock, formats, phrase_text, text
from engine.api.blueprints import Blueprint
from engine.api.blueprints import lead_model as lead_blueprints
from engine.api.blueprints import model as blueprint_model
from engine.api.blueprints import view as blueprint_view


def register(sub: Any) -> None:
    parser = sub.add_parser("blueprint", help="the governed transitions of pipelines and leads")
    commands = parser.add_subparsers(dest="blueprint_command", metavar="ACTION", required=True)
    apply = commands.add_parser("apply", help="load config/blueprints/*.yaml (new versions)")
    apply.add_argument("--check", action="store_true", help="validate only, change nothing")
    admin_lang.option(apply).set_defaults(handler=apply_blueprints)
    show = commands.add_parser("show", help="a blueprint as a transition table")
    show.add_argument("pipeline", nargs="?", metavar="PIPELINE", help="a pipeline key, or leads")
    show.add_argument("--mermaid", action="store_true", help="a Mermaid state diagram instead")
    show.add_argument("--json", action="store_true", help="print JSON")
    admin_lang.option(show).set_defaults(handler=show_blueprint)
    stuck = commands.add_parser("stuck", help="open deals that no transition can move on")
    stuck.add_argument("pipeline", nargs="?", metavar="PIPELINE")
    stuck.add_argument("--lang", choices=LOCALES, help="language (default: RELAIS_LOCALE)")
    stuck.add_argument("--json", action="store_true", help="print JSON")
    stuck.set_defaults(handler=stuck_deals)
    migrate = commands.add_parser("migrate", help="move in-flight deals to the latest version")
    migrate.add_argument("pipeline", nargs="?", metavar="PIPELINE")
    migrate.add_argument("--deal", type=int, metavar="ID", help="only this deal")
    admin_lang.option(migrate).set_defaults(handler=migrate_deals)
    disable = commands.add_parser("disable", help="stop governing a pipeline (free moves)")
    disable.add_argument("pipeline", metavar="PIPELINE", help="a pipeline key, or leads")
    admin_lang.option(disable).set_defaults(handler=disable_blueprint)
    timers = commands.add_parser(
        "timers", help="run the escalations and automatic transitions due (deals and leads)"
    )
    timers.add_argument("--at", metavar="ISO", help="as if it were this moment (UTC if naive)")
    admin_lang.option(timers).set_defaults(handler=run_timers)


def _problems(ctx: Context, lines: list[str] | tuple[str, ...], lang: str) -> int:
    for line in lines:
        ctx.fail(phrase_text(line, lang))
    ctx.fail(text(lang, "cli.blueprints_invalid", count=len(lines)))
    return 1


async def apply_blueprints(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    try:
        loaded = load_blueprints(ctx.settings.config_path)
    except ConfigError as exc:
        return _problems(ctx, exc.problems, lang)
    if not loaded:
        folder = ctx.settings.config_path / "blueprints"
        ctx.print(text(lang, "cli.no_blueprint_file", folder=folder))
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
            problems += [problem_line(path, where, why) for where, why in exc.errors.items()]
            continue
        state = (
            text(lang, "cli.blueprint_in_force", version=saved.version)
            if saved.created else text(lang, "cli.blueprint_unchanged")
        )  # fmt: skip
        kept = text(lang, "cli.blueprint_pinned", count=saved.pinned) if saved.pinned else ""
        ctx.print(f"{saved.pipeline}: {blueprint.name}: {state}{kept}")
    if problems:
        return _problems(ctx, problems, lang)
    if args.check:
        ctx.print(text(lang, "cli.blueprints_ok", count=len(loaded)))
    return 0


async def _check(engine: Engine, path: Path, blueprint: Blueprint) -> list[str]:
    """Every problem, the forms measured by the Slack bot's limits (:mod:`bot.forms_fit`)."""
    if blueprint.record == "lead":
        found = lead_blueprints.check(blueprint, forms_fit.fits)
        return [problem_line(path, p.path, p.message) for p in found]
    pipeline = await engine.pipelines.get(blueprint.pipeline)
    stages = await engine.blueprints.stage_refs(pipeline.id)
    return problems_against(blueprint, stages, str(path), forms_fit.fits)


def _unshowable(path: Path, blueprint: Blueprint) -> list[str]:
    """What of the blueprint's forms Slack could not show (refused before saving)."""
    return [
        problem_line(
            path, f"transitions[{index}].during{'.' + p.path if p.path else ''}", p.message
        )
        for index, t in enumerate(blueprint.transitions)
        for p in forms_fit.fits(t.during)
    ]


async def show_blueprint(args: argparse.Namespace, ctx: Context) -> int:
    if args.pipeline == lead_blueprints.LEADS:
        return await _show_leads(args, ctx)
    engine = await ctx.engine()
    pipeline = await engine.pipelines.get(args.pipeline)
    version = await engine.blueprints.current(pipeline.key)
    found = version.blueprint if version is not None else _from_files(ctx, pipeline.key)
    number = None if version is None else version.version
    if args.json:
        print_json(ctx, _blueprint_json(pipeline.key, found, number))
        return 0
    lang = admin_lang.of(args)
    if found is None:
        ctx.print(text(lang, "cli.pipeline_no_blueprint", pipeline=pipeline.key))
        return 0
    origin = _origin(number, lang)
    subject = text(lang, "cli.blueprint_subject_pipeline", pipeline=pipeline.key, origin=origin)
    names = {s.key: s.name for s in pipeline.stages}
    first = next((s.key for s in pipeline.stages if s.outcome is None), None)
    _show(ctx, found, names, first, subject, args.mermaid)
    return 0


async def _show_leads(args: argparse.Namespace, ctx: Context) -> int:
    version = await (await ctx.engine()).blueprints.lead_current()
    found = version.blueprint if version is not None else _from_files(ctx, lead_blueprints.LEADS)
    number = None if version is None else version.version
    if args.json:
        print_json(ctx, _blueprint_json(lead_blueprints.LEADS, found, number))
        return 0
    lang = admin_lang.of(args)
    if found is None:
        ctx.print(text(lang, "cli.leads_no_blueprint"))
        return 0
    names = {status: status for status in lead_blueprints.STATUSES}
    first = lead_blueprints.STATUSES[0]
    subject = text(lang, "cli.blueprint_subject_leads", origin=_origin(number, lang))
    _show(ctx, found, names, first, subject, args.mermaid)
    return 0


def _origin(version: int | None, lang: str) -> str:
    """``version 2, in force``, or ``from the YAML, not applied``."""
    if version is None:
        return text(lang, "cli.blueprint_origin_yaml")
    return text(lang, "cli.blueprint_origin_in_force", version=version)


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


def _blueprint_json(governed: str, found: Blueprint | None, version: int | None) -> Any:
    """``blueprint show --json``: the blueprint as its YAML reads, and whether it is in force."""
    return {
        "governs": governed, "version": version, "in_force": version is not None,
        "blueprint": None if found is None else blueprint_model.to_dict(found),
    }  # fmt: skip


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
    locale = str(args.lang or ctx.settings.locale)
    if args.pipeline == lead_blueprints.LEADS:
        ctx.fail(text(locale, "cli.error", message=text(locale, "cli.stuck_leads")))
        return 1
    engine = await ctx.engine()
    found = await engine.blueprints.stuck(args.pipeline)
    if args.json:
        print_json(ctx, [_stuck_json(deal, locale) for deal in found])
        return 0
    if not found:
        ctx.print(text(locale, "cli.stuck_none"))
        return 0
    for deal in found:
        since = formats.when(deal.since, ctx.settings.timezone, locale, zone=True)
        ctx.print(text(locale, "cli.stuck_deal", id=deal.deal_id, title=deal.title,
                       stage=deal.stage, since=since))  # fmt: skip
        if not deal.blockers:
            ctx.print("    " + text(locale, "cli.stuck_no_exit"))
        for name, reasons in deal.blockers:
            ctx.print(f"    {name}: " + "; ".join(r.text(locale) for r in reasons))
    return 0


def _stuck_json(deal: Any, locale: str) -> dict[str, Any]:
    """A stuck deal as ``blueprint stuck --json`` prints it, the reasons in ``locale``."""
    return {
        "deal_id": deal.deal_id, "title": deal.title, "stage": deal.stage,
        "since": deal.since.isoformat(),
        "blockers": [{"transition": name, "reasons": [r.text(locale) for r in reasons]}
                     for name, reasons in deal.blockers],
    }  # fmt: skip


async def migrate_deals(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    if args.pipeline == lead_blueprints.LEADS:
        ctx.print(text(lang, "cli.leads_nothing_to_migrate"))
        return 0
    engine = await ctx.engine()
    moved = await engine.blueprints.migrate(args.pipeline, await ctx.actor(None), args.deal)
    shown = ", ".join(f"#{deal_id}" for deal_id in moved) or text(lang, "cli.none")
    ctx.print(text(lang, "cli.deals_migrated", count=len(moved), deals=shown))
    return 0


async def disable_blueprint(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    if args.pipeline == lead_blueprints.LEADS:  # the lead blueprint
        changed = await engine.blueprints.disable_lead(await ctx.actor(None))
    else:
        changed = await engine.blueprints.disable(args.pipeline, await ctx.actor(None))
    key = "cli.blueprint_disabled" if changed else "cli.had_no_blueprint"
    ctx.print(f"{args.pipeline}: {text(admin_lang.of(args), key)}")
    return 0


async def run_timers(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    now = None
    if args.at:
        moment = datetime.fromisoformat(args.at)
        now = moment if moment.tzinfo else moment.replace(tzinfo=clock.utcnow().tzinfo)
    report = await engine.blueprints.run_timers(now)
    ctx.print(text(
        admin_lang.of(args), "cli.timers_done", escalated=report.escalated,
        transitioned=report.transitioned, skipped=report.skipped,
    ))  # fmt: skip
    return 0
