"""A quote and its deal: what pricing reads from the deal, what saving does to it.

Pricing rules may test the deal's fields and its customer; a saved quote sets
the deal's expected revenue and may move it to the quote stage (inside a
savepoint, so a refused move leaves the quote saved and says why).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from engine import money
from engine.cpq.conditions import PricingContext, Scalar
from engine.crm import deals
from engine.errors import NotFound, RelaisError, TransitionRefused
from engine.store.db import Tx


@dataclass(frozen=True, slots=True)
class StageOutcome:
    """What saving did to the deal's stage.

    ``status``: ``moved``; ``unchanged`` (already there or further, or
    closed); ``needs_transition`` (a blueprint governs the deal: the rep must
    perform one of ``transitions``); ``refused`` (another reason, in
    ``message``); ``no_stage`` (the pipeline has no such stage); ``off``.
    """

    status: str
    stage: str | None = None
    transitions: tuple[str, ...] = ()
    message: str = ""


def deal_context(conn: sqlite3.Connection, deal_id: int | None, on: date) -> PricingContext:
    """What rules may test: the deal's fields (``deal.*``) and its customer (``customer.*``)."""
    if deal_id is None:
        return PricingContext(on)
    row = conn.execute(
        "SELECT d.*, s.key AS stage_key, p.key AS pipeline_key, o.name AS org_name,"
        " o.domain AS org_domain, c.name AS contact_name, c.email AS contact_email"
        " FROM deals d JOIN stages s ON s.id = d.stage_id JOIN pipelines p ON p.id = d.pipeline_id"
        " LEFT JOIN organisations o ON o.id = d.organisation_id"
        " LEFT JOIN contacts c ON c.id = d.contact_id WHERE d.id = ?",
        (deal_id,),
    ).fetchone()
    if row is None:
        raise NotFound("deal", deal_id)
    return PricingContext(on, _deal_fields(row), row["currency"])


def _deal_fields(row: sqlite3.Row) -> dict[str, Scalar]:
    raw: dict[str, Any] = {
        "deal.origin": row["origin"],
        "deal.campaign": row["campaign"],
        "deal.expected_revenue": money.from_cents(row["expected_revenue_cents"]),
        "deal.budget": money.from_cents(row["budget_cents"]),
        "deal.priority": Decimal(row["priority"]),
        "deal.probability": Decimal(row["probability"]),
        "deal.stage": row["stage_key"],
        "deal.pipeline": row["pipeline_key"],
        "deal.referred": row["referred_by_id"] is not None,
        "customer.organisation": row["org_name"],
        "customer.domain": row["org_domain"],
        "customer.contact": row["contact_name"],
        "customer.email": row["contact_email"],
    }
    for name, value in json.loads(row["custom"]).items():
        raw[f"deal.{name}"] = value
    return {name: _scalar(value) for name, value in raw.items() if value is not None}


def _scalar(value: Any) -> Scalar:
    if isinstance(value, bool | Decimal | date | str):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return str(value)


def refresh_revenue(tx: Tx, deal_id: int) -> None:
    """The deal's expected revenue from its accepted quote, or else its latest one."""
    row = tx.one(
        "SELECT net_cents FROM quotes WHERE deal_id = ? AND status != 'rejected'"
        " ORDER BY status = 'accepted' DESC, id DESC LIMIT 1",
        (deal_id,),
    )
    if row is None:
        return
    deal = deals.deal_row(tx.conn, deal_id)
    if deal["expected_revenue_cents"] != row["net_cents"]:
        amount = money.from_cents(row["net_cents"])
        deals.update_deal(tx, deal_id, {"expected_revenue": amount}, None)


def move_deal(tx: Tx, deal_id: int, stage_key: str | None, quote_id: int) -> StageOutcome:
    """Move the deal to ``stage_key`` unless it is there, further, or closed."""
    if stage_key is None:
        return StageOutcome("off")
    deal = deals.deal_row(tx.conn, deal_id)
    target = tx.one(
        "SELECT * FROM stages WHERE pipeline_id = ? AND key = ?", (deal["pipeline_id"], stage_key)
    )
    if target is None:
        return StageOutcome("no_stage", stage_key)
    current = tx.one("SELECT * FROM stages WHERE id = ?", (deal["stage_id"],))
    assert current is not None
    if deal["status"] != "open" or current["position"] >= target["position"]:
        return StageOutcome("unchanged", current["name"])
    return _guarded_move(tx, deal_id, target, quote_id)


def _guarded_move(tx: Tx, deal_id: int, target: sqlite3.Row, quote_id: int) -> StageOutcome:
    """The move inside its own savepoint: a refusal leaves the quote saved."""
    events = len(tx.events)
    tx.execute("SAVEPOINT quote_stage_move")
    try:
        deals.move_stage(tx, deal_id, target["key"], None, data={"quote_id": quote_id})
    except RelaisError as exc:
        tx.execute("ROLLBACK TO quote_stage_move")
        del tx.events[events:]
        if isinstance(exc, TransitionRefused):
            return StageOutcome(
                "needs_transition", target["name"], tuple(exc.transitions), exc.message
            )
        return StageOutcome("refused", target["name"], (), exc.message)
    finally:
        tx.execute("RELEASE quote_stage_move")
    return StageOutcome("moved", target["name"])
