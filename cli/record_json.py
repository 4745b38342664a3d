"""Records as ``--json`` prints them: ``deal show``, ``lead show``, activities.

Values JSON cannot hold as they are (amounts, dates) are written as text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from engine.api import Engine

if TYPE_CHECKING:  # annotations only: the blueprint modules load when a command uses them
    from engine.api.blueprints import Version, lead_model
from engine.api.crm import Activity, Deal, Lead, Pipeline


async def deal(
    engine: Engine, deal: Deal, pipeline: Pipeline, governing: Version | None
) -> dict[str, Any]:
    """A deal, its blueprint, transition history and outbox, as ``deal show --json``."""
    stage = next(s for s in pipeline.stages if s.id == deal.stage_id)
    history = await engine.blueprints.history(deal.id)
    messages = await engine.outbox.messages(deal.id)
    return {
        "id": deal.id, "title": deal.title, "pipeline": pipeline.key, "stage": stage.key,
        "stage_name": stage.name, "status": deal.status, "lost_reason": deal.lost_reason,
        "archived": deal.archived, "currency": deal.currency,
        "expected_revenue": plain(deal.expected_revenue), "budget": plain(deal.budget),
        "probability": deal.probability, "priority": deal.priority,
        "expected_close": plain(deal.expected_close), "owner_id": deal.owner_id,
        "contact_id": deal.contact_id, "organisation_id": deal.organisation_id,
        "lead_id": deal.lead_id, "origin": deal.origin, "campaign": deal.campaign,
        "custom": {k: plain(v) for k, v in deal.custom.items()}, "version": deal.version,
        "created_at": deal.created_at.isoformat(), "updated_at": deal.updated_at.isoformat(),
        "blueprint": None if governing is None else
            {"name": governing.blueprint.name, "version": governing.version},
        "transitions": [
            {"transition": e.transition, "name": e.name, "from": e.from_stage,
             "to": e.to_stage, "by": e.actor_label or e.actor_kind, "automatic": e.automatic,
             "values": {k: plain(v) for k, v in e.values.items()}, "note": e.note,
             "at": e.at.isoformat()}
            for e in history
        ],
        "outbox": [
            {"id": m.id, "kind": m.kind, "recipient": m.recipient, "status": m.status,
             "attempts": m.attempts}
            for m in messages
        ],
    }  # fmt: skip


def plain(value: Any) -> Any:
    """A value JSON can hold: numbers and dates as text, the rest as it is."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def activity(item: Activity) -> dict[str, Any]:
    return {
        "id": item.id, "kind": item.kind, "subject": item.subject, "note": item.note,
        "due_at": plain(item.due_at), "done": item.done, "done_at": plain(item.done_at),
        "owner_id": item.owner_id, "deal_id": item.deal_id, "lead_id": item.lead_id,
        "contact_id": item.contact_id, "version": item.version,
    }  # fmt: skip


def lead(
    item: Lead, governing: lead_model.LeadVersion | None, history: list[Any]
) -> dict[str, Any]:
    """A lead and its transition history, as ``lead show --json``."""
    return {
        "id": item.id, "title": item.title, "status": item.status,
        "disqualify_reason": item.disqualify_reason, "note": item.note,
        "origin": item.origin, "campaign": item.campaign, "owner_id": item.owner_id,
        "contact_id": item.contact_id, "organisation_id": item.organisation_id,
        "deal_id": item.deal_id, "custom": {k: plain(v) for k, v in item.custom.items()},
        "version": item.version, "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
        "blueprint": None if governing is None else
            {"name": governing.blueprint.name, "version": governing.version},
        "transitions": [
            {"transition": e.transition, "name": e.name, "from": e.from_status,
             "to": e.to_status, "by": e.actor_label, "automatic": e.automatic,
             "deal_id": e.deal_id, "note": e.note, "at": e.at.isoformat()}
            for e in history
        ],
    }  # fmt: skip
