"""A stage's outcome changed: the deals it holds take the status it now means.

A stage's outcome (open, won or lost) is what its deals' status says on the
board, in "my pipeline", the lists and the reports. When an admin changes it
(``run.py config apply``, or any caller of ``pipelines.change_stage``), every
deal in the stage, archived ones included, takes the new status in the same
transaction, and each gets its own timeline entry by that admin.

Nobody was asked why those deals were lost, so no lost reason is invented: a
reason the deal already had is kept, and the entry carries :data:`NOTE`. A deal
closed this way is closed now (``closed_at``) and takes the stage's
probability, as if it had been moved there; a deal reopened loses its
``closed_at`` and lost reason, and takes the stage's probability unless a rep
set its own.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from engine.crm.versioning import update_record
from engine.store.db import Tx

NOTE = "stage outcome changed by configuration"


def status_for(outcome: str | None) -> str:
    """The status of a deal in a stage with this outcome: ``open``, ``won`` or ``lost``."""
    return outcome or "open"


def follow_outcome(tx: Tx, stage_id: int, outcome: str | None, probability: int) -> int:
    """Give every deal in the stage the status ``outcome`` means; returns how many changed."""
    status = status_for(outcome)
    rows = tx.all(
        "SELECT * FROM deals WHERE stage_id = ? AND status != ? ORDER BY id", (stage_id, status)
    )
    for row in rows:
        columns = _columns(row, status, probability, tx.now)
        update_record(tx, "deals", "deal", row, columns, None, extra={"note": (None, NOTE)})
    return len(rows)


def _columns(row: sqlite3.Row, status: str, probability: int, now: str) -> dict[str, Any]:
    if status == "open":
        reopened: dict[str, Any] = {"status": "open", "lost_reason": None, "closed_at": None}
        return reopened if row["probability_manual"] else {**reopened, "probability": probability}
    return {
        "status": status,
        "lost_reason": row["lost_reason"] if status == "lost" else None,
        "closed_at": now,
        "probability": probability,
        "probability_manual": 0,
    }
