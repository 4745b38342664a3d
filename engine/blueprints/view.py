"""A blueprint describes itself: a transition table and a Mermaid state diagram.

``names`` maps each state to what people read: a pipeline's stage names, or
the lead statuses themselves for a lead blueprint.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.blueprints.model import (
    Action,
    Blueprint,
    CreateActivity,
    Notify,
    SendEmail,
    SetField,
    Transition,
    Webhook,
)
from engine.crm import criteria
from engine.durations import format_duration

HEADERS = ("Transition", "From", "To", "Who", "Criteria", "Asks for", "After")


def _stage(names: Mapping[str, str], key: str) -> str:
    return names.get(key, key)


def _any_open(bp: Blueprint) -> str:
    return "any open status" if bp.record == "lead" else "any open stage"


def _sources(bp: Blueprint, t: Transition, names: Mapping[str, str]) -> str:
    if t.common:
        return _any_open(bp)
    return ", ".join(_stage(names, s) for s in t.sources)


def _who(t: Transition) -> str:
    if t.automatic_after is not None:
        return f"automatic after {format_duration(t.automatic_after)}"
    owners = t.owners
    parts = [*owners.roles, *owners.users]
    if owners.record_owner:
        parts.append("owner")
    if owners.owner_manager:
        parts.append("owner's manager")
    return ", ".join(parts) or "anyone"


def _asks(t: Transition) -> str:
    parts = [f"{f.label} ({f.type}{'' if f.required else ', optional'})" for f in t.during.fields]
    if t.during.checklist:
        parts.append(f"checklist of {len(t.during.checklist)}")
    if t.during.note != "none":
        parts.append("note" if t.during.note == "required" else "note (optional)")
    return "; ".join(parts) or "—"


def _action(action: Action) -> str:
    if isinstance(action, SetField):
        source = f"input {action.from_input}" if action.from_input else repr(action.value)
        return f"set {action.field} = {source}"
    if isinstance(action, CreateActivity):
        due = f" in {format_duration(action.due_in)}" if action.due_in else ""
        return f"{action.kind}{due}"
    if isinstance(action, SendEmail):
        return f"e-mail to {action.to}"
    if isinstance(action, Notify):
        return f"notify {action.channel if action.to == 'channel' else action.to}"
    assert isinstance(action, Webhook)
    return "webhook"


def rows(bp: Blueprint, names: Mapping[str, str]) -> list[tuple[str, ...]]:
    return [
        (
            f"{t.name} (`{t.key}`)",
            _sources(bp, t, names),
            _stage(names, t.target),
            _who(t),
            "—" if t.criteria is None else criteria.describe(t.criteria),
            _asks(t),
            "; ".join(_action(a) for a in t.after) or "—",
        )
        for t in bp.transitions
    ]


def table(bp: Blueprint, names: Mapping[str, str]) -> str:
    """A Markdown table of the transitions, then the states' time limits."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in rows(bp, names)
    ]
    if bp.states:
        lines += ["", "| State | Time limit | Escalates to |", "|---|---|---|"]
        lines += [
            f"| {_stage(names, s.stage)} | {format_duration(s.time_limit)} |"
            f" {', '.join(s.escalate_to)} |"
            for s in bp.states
        ]
    return "\n".join(lines)


def mermaid(bp: Blueprint, names: Mapping[str, str], first: str | None = None) -> str:
    """A Mermaid ``stateDiagram-v2``: states, transitions, time limits."""
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{name}" as {key}' for key, name in names.items()]
    if first:
        lines.append(f"    [*] --> {first}")
    if any(t.common for t in bp.transitions):
        lines.append(f'    state "{_any_open(bp)}" as any_open')
    for t in bp.transitions:
        label = t.name + (
            f" (after {format_duration(t.automatic_after)})" if t.automatic_after else ""
        )
        sources = ["any_open"] if t.common else list(t.sources)
        lines += [f"    {source} --> {t.target}: {label}" for source in sources]
    for s in bp.states:
        lines.append(f"    note right of {s.stage}: escalate after {format_duration(s.time_limit)}")
    return "\n".join(lines)
