"""The JSON body of a transition's webhook, rendered from the transition log when sent.

The outbox row only names the URL and headers: what happened (transition,
from, to, values, actor, moment) is read from the immutable transition log,
and the deal as it is at delivery time, so the row stays small and the
transition's own write stays fast.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from engine.money import from_cents


def body(conn: sqlite3.Connection, log_id: int | None, deal_id: int | None) -> dict[str, Any]:
    log = None
    if log_id is not None:
        log = conn.execute("SELECT * FROM transition_log WHERE id = ?", (log_id,)).fetchone()
    deal = None
    if deal_id is not None:
        deal = conn.execute(
            "SELECT id, title, status, expected_revenue_cents, version FROM deals WHERE id = ?",
            (deal_id,),
        ).fetchone()
    return {"event": "deal.transitioned", **_transition(log), "deal": _deal(deal, deal_id)}


def _transition(log: sqlite3.Row | None) -> dict[str, Any]:
    if log is None:  # the deal, and with it its log, was deleted since
        return {"transition": None}
    return {
        "at": log["at"],
        "transition": {"key": log["transition"], "name": log["name"]},
        "from": log["from_stage"],
        "to": log["to_stage"],
        "values": json.loads(log["input"]),
        "note": log["note"],
        "actor": {
            "kind": log["actor_kind"],
            "user_id": log["actor_user_id"],
            "label": log["actor_label"],
        },
        "automatic": bool(log["automatic"]),
        "log_id": log["id"],
    }


def _deal(deal: sqlite3.Row | None, deal_id: int | None) -> dict[str, Any]:
    if deal is None:
        return {"id": deal_id, "deleted": True}
    amount = from_cents(deal["expected_revenue_cents"])
    return {
        "id": deal["id"],
        "title": deal["title"],
        "status": deal["status"],
        "expected_revenue": None if amount is None else str(amount),
        "version": deal["version"],
    }
