"""``run.py workflows list|show|activate|deactivate|delete|runs|run|apply|tick``."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from cli.context import Context
from config.loader import ConfigError
from config.workflow_schema import FILE, load_workflows
from engine.api import clock, plural
from engine.api import text as catalogue_text
from engine.api.workflows import RunRecord, Stored, Summary, codec
from engine.api.workflows import model as workflows
from service.automation import reminder_settings, workflow_runner


def register(sub: Any) -> None:
    parser = sub.add_parser("workflows", help="workflow automations and their runs")
    commands = parser.add_subparsers(dest="workflows_command", metavar="ACTION", required=True)
    listed = commands.add_parser("list", help="every workflow, active or not")
    listed.add_argument("--json", action="store_true", help="print JSON")
    listed.set_defaults(handler=list_workflows)
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
        command.set_defaults(handler=handler)
    runs = commands.add_parser("runs", help="the latest runs, newest first")
    runs.add_argument("name", nargs="?", metavar="NAME")
    runs.add_argument("--failed", action="store_true", help="failed and stopped runs only")
    runs.add_argument("--limit", type=int, default=30, metavar="N")
    runs.add_argument("--json", action="store_true", help="print JSON")
    runs.set_defaults(handler=list_runs)
    run = commands.add_parser("run", help="one run, step by step")
    run.add_argument("run_id", type=int, metavar="ID")
    run.add_argument("--json", action="store_true", help="print JSON")
    run.set_defaults(handler=show_run)
    apply = commands.add_parser("apply", help=f"load config/{FILE} (create or update by name)")
    apply.add_argument("--check", action="store_true", help="validate only, change nothing")
    apply.set_defaults(handler=apply_workflows)
    tick = commands.add_parser("tick", help="run due delays, date triggers and reminders now")
    tick.add_argument("--at", metavar="ISO", help="as if it were this moment (UTC if naive)")
    tick.set_defaults(handler=run_tick)


# -- workflows ------------------------------------------------------------------------


async def list_workflows(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    found = await engine.workflows.all()
    summaries = await engine.workflows.summaries()
    if args.json:
        _json(ctx, [_stored_json(item, summaries.get(item.id)) for item in found])
        return 0
    if not found:
        ctx.print("no workflow (see run.py workflows apply)")
        return 0
    for item in found:
        ctx.print(_line(item, summaries.get(item.id)))
    return 0


def _line(item: Stored, summary: Summary | None) -> str:
    state = "active  " if item.active else "inactive"
    runs = "no run yet"
    if summary is not None:
        last = _when(summary.last_run)
        # the administrators' commands speak English, with its plurals: "1 run", "2 runs"
        runs = catalogue_text(
            "en", "cli.workflow_summary", runs=plural("en", "cli.workflow_runs", summary.runs,
            count=summary.runs), ok=summary.succeeded, failed=summary.failed,
            not_met=summary.not_met, waiting=summary.waiting, last=last,
        )  # fmt: skip
    return f"{state} {item.name} — {item.trigger} — {runs}"


async def show_workflow(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    item = await engine.workflows.get(args.name)
    if args.json:
        _json(ctx, {**_stored_json(item, None), "definition": codec.to_dict(item.workflow)})
        return 0
    flow = item.workflow
    ctx.print(f"{flow.name} ({'active' if item.active else 'inactive'}, version {item.version})")
    if flow.description:
        ctx.print(f"  {flow.description}")
    ctx.print(f"  owner: {flow.owner or '—'}; triggered by: {flow.triggered_by}")
    ctx.print(f"  trigger: {workflows.describe_trigger(flow.trigger)}")
    for line in _steps(flow.steps, "  "):
        ctx.print(line)
    return 0


def _steps(steps: tuple[workflows.Step, ...], indent: str) -> list[str]:
    lines: list[str] = []
    for index, step in enumerate(steps, start=1):
        lines.append(f"{indent}{index}. {workflows.describe_step(step)}")
        if isinstance(step, workflows.Branch):
            lines.append(f"{indent}   then:")
            lines += _steps(step.then, indent + "     ")
            if step.otherwise:
                lines.append(f"{indent}   else:")
                lines += _steps(step.otherwise, indent + "     ")
    return lines


async def activate(args: argparse.Namespace, ctx: Context) -> int:
    return await _switch(args.name, True, ctx)


async def deactivate(args: argparse.Namespace, ctx: Context) -> int:
    return await _switch(args.name, False, ctx)


async def _switch(name: str, active: bool, ctx: Context) -> int:
    engine = await ctx.engine()
    changed = await engine.workflows.set_active(name, active, await ctx.actor(None))
    state = "active" if active else "inactive"
    ctx.print(f"{name}: {state}" if changed else f"{name}: already {state}")
    return 0


async def delete(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    await engine.workflows.delete(args.name, await ctx.actor(None))
    ctx.print(f"{args.name}: deleted")
    return 0


async def apply_workflows(args: argparse.Namespace, ctx: Context) -> int:
    try:
        found = load_workflows(ctx.settings.config_path)
    except ConfigError as exc:
        for line in exc.problems:
            ctx.fail(line)
        ctx.fail(f"workflows invalid: {len(exc.problems)} problem(s)")
        return 1
    if args.check:
        ctx.print(f"workflows OK: {len(found)} workflow(s)")
        return 0
    if not found:
        ctx.print(f"no workflow in {ctx.settings.config_path / FILE}")
        return 0
    engine = await ctx.engine()
    for saved in await engine.workflows.apply(found, await ctx.actor(None)):
        change = ", ".join(saved.changed) if saved.changed else "unchanged"
        ctx.print(f"{saved.name}: {change}")
    return 0


# -- runs ----------------------------------------------------------------------------------


async def list_runs(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    found = await engine.workflows.runs(args.name, failed=args.failed, limit=args.limit)
    if args.json:
        _json(ctx, [_run_json(run) for run in found])
        return 0
    if not found:
        ctx.print("no run")
        return 0
    for run in found:
        ctx.print(_run_line(run))
    return 0


def _run_line(run: RunRecord) -> str:
    reason = f" — {run.reason}" if run.reason else ""
    waiting = f" until {_when(run.resume_at)}" if run.status == "waiting" else ""
    depth = f" depth {run.depth}" if run.depth else ""
    return (
        f"#{run.id} {_when(run.started_at)} {run.workflow}: {run.event} {run.record}{depth}"
        f" → {run.status}{waiting}{reason}"
    )


async def show_run(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    run = await engine.workflows.run_record(args.run_id)
    if args.json:
        _json(ctx, _run_json(run))
        return 0
    ctx.print(_run_line(run))
    cause = run.cause
    who = cause.get("actor_label") or cause.get("actor_kind")
    changes = json.dumps(cause.get("changes", {}), ensure_ascii=False)
    ctx.print(f"  caused by {who} ({cause.get('channel')}); changes: {changes}")
    for step in run.steps:
        took = "" if step.duration_ms is None else f" {step.duration_ms:.1f} ms"
        detail = json.dumps(step.detail, ensure_ascii=False)
        ctx.print(f"  {step.path} {step.kind}: {step.outcome}{took} {detail}")
    return 0


async def run_tick(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    now = _moment(args.at) if args.at else None
    runner = workflow_runner(engine, ctx.settings)
    report = await runner.tick(now)
    sent = await engine.reminders.run(reminder_settings(ctx.settings), now)
    ctx.print(
        f"{report.started} change(s) read, {report.resumed} run(s) resumed,"
        f" {report.dated} date trigger(s) fired, {sent.reminders} reminder(s),"
        f" {sent.digests} digest(s)"
    )
    return 0


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.utcnow().tzinfo)


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


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
