"""Admins' view of automation: the workflows, their recent runs, one run step by step."""

from __future__ import annotations

import json

from bot.blocks.common import Block, Message, button, clip, context, escape, fields, header, section
from bot.blocks.values import pack
from bot.i18n import t
from engine.api import Phrase, formats, phrase_text
from engine.api.workflows import RunRecord, StepRecord, Stored, Summary

ICONS = {
    "succeeded": "✅", "failed": "❌", "not_met": "⏭️", "waiting": "⏳", "stopped": "⛔",
    "running": "▶️",
}  # fmt: skip
MAX_RUNS = 20
MAX_STEPS = 30


def status(value: str, locale: str) -> str:
    return f"{ICONS.get(value, '•')} {t(locale, f'run_{value}')}"


def _run_line(run: RunRecord, locale: str, tz: str) -> str:
    when = formats.when(run.started_at, tz, locale)
    line = (
        f"*#{run.id} {escape(run.workflow)}* — {status(run.status, locale)} · "
        f"{run.entity} #{run.entity_id} · `{run.event}` · {when}"
    )
    if run.reason:
        line += f"\n_{escape(clip(_reason(run, locale), 300))}_"
    return line


def _reason(run: RunRecord, locale: str) -> str:
    """Why the run ended, in the reader's language (a condition not met names its step)."""
    said = run.reason or ""
    if isinstance(said, Phrase) and said.key == "workflow.not_met":
        return t(locale, "run_step_not_met", **said.params)
    return phrase_text(said, locale)


def run_list(runs: list[RunRecord], locale: str, tz: str) -> Message:
    title = t(locale, "runs_title")
    if not runs:
        return Message(title, [header(title), section(t(locale, "runs_empty"))])
    blocks: list[Block] = [header(title)]
    for run in runs[:MAX_RUNS]:
        details = button("run_show", t(locale, "run_details"), pack(run.id))
        blocks.append(section(_run_line(run, locale, tz), details))
    return Message(title, blocks)


def _step_line(step: StepRecord, locale: str) -> str:
    took = "" if step.duration_ms is None else f" · {step.duration_ms:.0f} ms"
    said = {
        k: phrase_text(v, locale) if isinstance(v, Phrase) else v for k, v in step.detail.items()
    }
    detail = json.dumps(said, ensure_ascii=False, default=str) if said else ""
    shown = f"\n      {escape(clip(detail, 200))}" if detail else ""
    return f"`{step.path}` {step.kind} → *{phrase_text(step.said(), locale)}*{took}{shown}"


def run_detail(run: RunRecord, locale: str, tz: str) -> Message:
    title = f"#{run.id} {run.workflow}"
    finished = run.finished_at or run.resume_at
    facts = [
        (t(locale, "run_status"), status(run.status, locale)),
        (t(locale, "run_record"), f"{run.entity} #{run.entity_id} · `{run.event}`"),
        (t(locale, "run_started"), formats.when(run.started_at, tz, locale)),
        (t(locale, "run_finished"), formats.when(finished, tz, locale) if finished else "—"),
    ]
    blocks: list[Block] = [header(title), fields(facts)]
    if run.reason:
        blocks.append(context(escape(clip(_reason(run, locale), 500))))
    lines = [_step_line(step, locale) for step in run.steps[:MAX_STEPS]]
    blocks.append(section("\n".join(lines) if lines else t(locale, "run_no_steps")))
    return Message(title, blocks)


def _summary_line(summary: Summary | None, locale: str, tz: str) -> str:
    if summary is None or not summary.runs:
        return t(locale, "workflow_never_ran")
    last = formats.when(summary.last_run, tz, locale) if summary.last_run else "—"
    return t(
        locale, "workflow_summary", runs=summary.runs, ok=summary.succeeded, bad=summary.failed,
        not_met=summary.not_met, waiting=summary.waiting, last=last,
    )  # fmt: skip


def workflow_list(
    stored: list[Stored], summaries: dict[int, Summary], locale: str, tz: str
) -> Message:
    title = t(locale, "workflows_title")
    blocks: list[Block] = [header(title)]
    for item in stored[:40]:
        state = t(locale, "workflow_active" if item.active else "workflow_inactive")
        line = (
            f"*{escape(item.name)}* — {state}\n{_summary_line(summaries.get(item.id), locale, tz)}"
        )
        toggle = "workflow_off" if item.active else "workflow_on"
        value = pack(item.name, "off" if item.active else "on")
        blocks.append(section(line, button("workflow_toggle", t(locale, toggle), value)))
    if not stored:
        blocks.append(section(t(locale, "workflows_empty")))
    return Message(title, blocks[:50])
