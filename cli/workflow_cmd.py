"""``run.py workflows list|show|activate|deactivate|delete|runs|run|apply|tick``."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from typing import Any

from cli import admin_lang
from cli.context import Context
from config.loader import ConfigError
from config.workflow_schema import FILE, load_workflows
from engine.api import Phrase, clock, formats, phrase_text, plural
from engine.api import text as catalogue_text
from engine.api.workflows import RunRecord, Stored, Summary, codec
from engine.api.workflows import model as workflows
from service.automation import reminder_settings, workflow_runner


def register(sub: Any) -> None:
    parser = sub.add_parser("workflows", help="workflow automations and their runs")
    commands = parser.add_subparsers(dest="workflows_command", metavar="ACTION", required=True)
    listed = commands.add_parser("list", help="every workflow, active or not")
    listed.add_argument("--json", action="store_true", help="print JSON")
    admin_lang.option(listed).set_defaults(handler=list_workflows)
    for name, handler, text in (
        ("show", show_workflow, "a workflow's trigger and steps"),
        ("activate", activate, "switch a workflow on"),
        ("deactivate", deactivate, "switch a workflow off (waiting runs stop)"),
        ("delete", delete, "delete a workflow and its history"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("name", metavar="NAME")
        if name == "show":
            command.add_argument("--json", action="store_true", help="print JSON")
        admin_lang.option(command).set_defaults(handler=handler)
    runs = commands.add_parser("runs", help="the latest runs, newest first")
    runs.add_argument("name", nargs="?", metavar="NAME")
    runs.add_argument("--failed", action="store_true", help="failed and stopped runs only")
    runs.add_argument("--limit", type=int, default=30, metavar="N")
    runs.add_argument("--json", action="store_true", help="print JSON")
    admin_lang.option(runs).set_defaults(handler=list_runs)
    run = commands.add_parser("run", help="one run, step by step")
    run.add_argument("run_id", type=int, metavar="ID")
    run.add_argument("--json", action="store_true", help="print JSON")
    admin_lang.option(run).set_defaults(handler=show_run)
    apply = commands.add_parser("apply", help=f"load config/{FILE} (create or update by name)")
    apply.add_argument("--check", action="store_true", help="validate only, change nothing")
    admin_lang.option(apply).set_defaults(handler=apply_workflows)
    tick = commands.add_parser("tick", help="run due delays, date triggers and reminders now")
    tick.add_argument("--at", metavar="ISO", help="as if it were this moment (UTC if naive)")
    admin_lang.option(tick).set_defaults(handler=run_tick)


# -- workflows ------------------------------------------------------------------------


async def list_workflows(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    found = await engine.workflows.all()
    summaries = await engine.workflows.summaries()
    if args.json:
        _json(ctx, [_stored_json(item, summaries.get(item.id)) for item in found])
        return 0
    lang = admin_lang.of(args)
    if not found:
        ctx.print(catalogue_text(lang, "cli.workflow_none"))
        return 0
    for item in found:
        ctx.print(_line(item, summaries.get(item.id), lang, ctx.settings.timezone))
    return 0


def _line(item: Stored, summary: Summary | None, lang: str, zone: str) -> str:
    """``active   Name — deal created — 2 runs: 1 ok, …``, the state padded to a column."""
    state = catalogue_text(lang, "cli.workflow_active" if item.active else "cli.workflow_inactive")
    runs = catalogue_text(lang, "cli.workflow_no_run")
    if summary is not None:
        last = "—" if summary.last_run is None else formats.when(summary.last_run, zone, lang, True)
        runs = catalogue_text(
            lang, "cli.workflow_summary", runs=plural(lang, "cli.workflow_runs", summary.runs,
            count=summary.runs), ok=summary.succeeded, failed=summary.failed,
            not_met=summary.not_met, waiting=summary.waiting, last=last,
        )  # fmt: skip
    trigger = _trigger(item.workflow.trigger, lang)
    return f"{state:<8} {item.name} — {trigger} — {runs}"


def _trigger(trigger: workflows.Trigger, lang: str) -> str:
    """``deal stage_changed (stage)`` in English, ``affaire : étape changée (stage)`` in French."""
    entity = catalogue_text(lang, f"cli.workflow_entity.{trigger.entity}")
    if isinstance(trigger, workflows.EventTrigger):
        watched = f" ({', '.join(trigger.fields)})" if trigger.fields else ""
        event = catalogue_text(lang, f"cli.workflow_event.{trigger.event}")
        return catalogue_text(lang, "cli.workflow_trigger_event", entity=entity, event=event,
                              fields=watched)  # fmt: skip
    shift = ""
    if trigger.offset:
        span = formats.duration(timedelta(seconds=abs(trigger.offset)), lang)
        shift = f" {'-' if trigger.offset < 0 else '+'}{span}"
    return catalogue_text(lang, "cli.workflow_trigger_date", entity=entity, field=trigger.field,
                          shift=shift, at=trigger.at)  # fmt: skip


async def show_workflow(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    item = await engine.workflows.get(args.name)
    if args.json:
        _json(ctx, {**_stored_json(item, None), "definition": codec.to_dict(item.workflow)})
        return 0
    flow, lang = item.workflow, admin_lang.of(args)
    state = catalogue_text(lang, "cli.workflow_active" if item.active else "cli.workflow_inactive")
    ctx.print(catalogue_text(lang, "cli.workflow_heading", name=flow.name, state=state,
                             version=item.version))  # fmt: skip
    if flow.description:
        ctx.print(f"  {flow.description}")
    ctx.print(catalogue_text(lang, "cli.workflow_owner", owner=flow.owner or "—",
                             by=flow.triggered_by))  # fmt: skip
    ctx.print(catalogue_text(lang, "cli.workflow_trigger", trigger=_trigger(flow.trigger, lang)))
    for line in _steps(flow.steps, "  ", lang):
        ctx.print(line)
    return 0


def _steps(steps: tuple[workflows.Step, ...], indent: str, lang: str) -> list[str]:
    """The steps numbered, a branch's two ways indented under it (the steps' own words are
    the engine's, as the YAML names them)."""
    lines: list[str] = []
    for index, step in enumerate(steps, start=1):
        lines.append(f"{indent}{index}. {workflows.describe_step(step)}")
        if isinstance(step, workflows.Branch):
            lines.append(f"{indent}   {catalogue_text(lang, 'cli.workflow_then')}")
            lines += _steps(step.then, indent + "     ", lang)
            if step.otherwise:
                lines.append(f"{indent}   {catalogue_text(lang, 'cli.workflow_else')}")
                lines += _steps(step.otherwise, indent + "     ", lang)
    return lines


async def activate(args: argparse.Namespace, ctx: Context) -> int:
    return await _switch(args.name, True, ctx, admin_lang.of(args))


async def deactivate(args: argparse.Namespace, ctx: Context) -> int:
    return await _switch(args.name, False, ctx, admin_lang.of(args))


async def _switch(name: str, active: bool, ctx: Context, lang: str) -> int:
    engine = await ctx.engine()
    changed = await engine.workflows.set_active(name, active, await ctx.actor(None))
    state = catalogue_text(lang, "cli.workflow_active" if active else "cli.workflow_inactive")
    key = "cli.workflow_switched" if changed else "cli.workflow_already"
    ctx.print(catalogue_text(lang, key, name=name, state=state))
    return 0


async def delete(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    await engine.workflows.delete(args.name, await ctx.actor(None))
    ctx.print(catalogue_text(admin_lang.of(args), "cli.workflow_deleted", name=args.name))
    return 0


async def apply_workflows(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    try:
        found = load_workflows(ctx.settings.config_path)
    except ConfigError as exc:
        for line in exc.problems:
            ctx.fail(line)
        ctx.fail(catalogue_text(lang, "cli.workflows_invalid", count=len(exc.problems)))
        return 1
    if args.check:
        ctx.print(catalogue_text(lang, "cli.workflows_ok", count=len(found)))
        return 0
    if not found:
        path = ctx.settings.config_path / FILE
        ctx.print(catalogue_text(lang, "cli.no_workflow_file", path=path))
        return 0
    engine = await ctx.engine()
    unchanged = catalogue_text(lang, "cli.workflow_unchanged")
    for saved in await engine.workflows.apply(found, await ctx.actor(None)):
        change = ", ".join(saved.changed) if saved.changed else unchanged
        ctx.print(f"{saved.name}: {change}")
    return 0


# -- runs ----------------------------------------------------------------------------------


async def list_runs(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    found = await engine.workflows.runs(args.name, failed=args.failed, limit=args.limit)
    if args.json:
        _json(ctx, [_run_json(run) for run in found])
        return 0
    lang = admin_lang.of(args)
    if not found:
        ctx.print(catalogue_text(lang, "cli.workflow_no_runs"))
        return 0
    for run in found:
        ctx.print(_run_line(run, lang, ctx.settings.timezone))
    return 0


def _run_line(run: RunRecord, lang: str, zone: str) -> str:
    """``#3 Mar 1, 2026, 10:00 AM CET Name: deal.created deal 7 → waiting until …`` (the
    event, record and status as stored)."""
    reason = f" — {phrase_text(run.reason, lang)}" if run.reason else ""
    waiting = ""
    if run.status == "waiting":
        until = _when(run.resume_at, lang, zone)
        waiting = " " + catalogue_text(lang, "cli.workflow_until", when=until)
    depth = " " + catalogue_text(lang, "cli.workflow_depth", depth=run.depth) if run.depth else ""
    started = _when(run.started_at, lang, zone)
    return (
        f"#{run.id} {started} {run.workflow}: {run.event} {run.record}{depth}"
        f" → {catalogue_text(lang, f'slack.run_{run.status}')}{waiting}{reason}"
    )


async def show_run(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    run = await engine.workflows.run_record(args.run_id)
    if args.json:
        _json(ctx, _run_json(run))
        return 0
    lang = admin_lang.of(args)
    ctx.print(_run_line(run, lang, ctx.settings.timezone))
    cause = run.cause
    who = cause.get("actor_label") or cause.get("actor_kind")
    changes = json.dumps(cause.get("changes", {}), ensure_ascii=False)
    ctx.print(catalogue_text(lang, "cli.workflow_cause", who=who, channel=cause.get("channel"),
                             changes=changes))  # fmt: skip
    for step in run.steps:
        took = "" if step.duration_ms is None else f" {step.duration_ms:.1f} ms"
        detail = json.dumps(_said(step.detail, lang), ensure_ascii=False)
        ctx.print(f"  {step.path} {step.kind}: {phrase_text(step.said(), lang)}{took} {detail}")
    return 0


def _said(detail: dict[str, Any], lang: str) -> dict[str, Any]:
    """A step's detail with its phrases (an action's error) in the reader's language."""
    return {k: phrase_text(v, lang) if isinstance(v, Phrase) else v for k, v in detail.items()}


async def run_tick(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    now = _moment(args.at) if args.at else None
    runner = workflow_runner(engine, ctx.settings)
    report = await runner.tick(now)
    sent = await engine.reminders.run(reminder_settings(ctx.settings), now)
    ctx.print(catalogue_text(
        admin_lang.of(args), "cli.workflow_tick", started=report.started, resumed=report.resumed,
        dated=report.dated, reminders=sent.reminders, digests=sent.digests,
    ))  # fmt: skip
    return 0


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.utcnow().tzinfo)


def _when(moment: datetime | None, lang: str, zone: str) -> str:
    """A moment in the reader's format and RELAIS_TIMEZONE, the zone named."""
    return "—" if moment is None else formats.when(moment, zone, lang, zone=True)


# -- JSON ---------------------------------------------------------------------------------


def _json(ctx: Context, data: object) -> None:
    ctx.print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _stored_json(item: Stored, summary: Summary | None) -> dict[str, Any]:
    flow = item.workflow
    runs = None if summary is None else {
        "runs": summary.runs, "succeeded": summary.succeeded, "failed": summary.failed,
        "not_met": summary.not_met, "waiting": summary.waiting,
        "last_run": None if summary.last_run is None else summary.last_run.isoformat(),
    }  # fmt: skip
    return {
        "id": item.id, "name": flow.name, "active": item.active, "version": item.version,
        "trigger": workflows.describe_trigger(flow.trigger), "runs": runs,
        "updated_at": item.updated_at.isoformat(),
    }  # fmt: skip


def _run_json(run: RunRecord) -> dict[str, Any]:
    def at(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat()

    return {
        "id": run.id, "workflow": run.workflow, "entity": run.entity,
        "entity_id": run.entity_id, "event": run.event, "depth": run.depth,
        "status": run.status, "reason": run.reason, "started_at": at(run.started_at),
        "finished_at": at(run.finished_at), "resume_at": at(run.resume_at),
        "cause": run.cause,
        "steps": [
            {"path": s.path, "kind": s.kind, "outcome": s.outcome, "detail": s.detail,
             "at": at(s.at), "duration_ms": s.duration_ms}
            for s in run.steps
        ],
    }  # fmt: skip
