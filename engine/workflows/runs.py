"""A run's life around its program: started (or cut, or broken), claimed, stopped.

Every start is a ``workflow_runs`` row written in the same write as the
run's first steps; a waiting run is taken back with one conditional update,
so two runners never both resume it. What a run does once it holds its
claim is :func:`engine.workflows.execute.advance`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine import clock
from engine.store import claims
from engine.store.db import Tx
from engine.workflows import reasons
from engine.workflows.conditions import Cause
from engine.workflows.execute import (
    Progress,
    Run,
    Setup,
    advance,
    finish,
    record_step,
    stored_at,
)
from engine.workflows.model import Definition

log = logging.getLogger("relais.workflows")


@dataclass(frozen=True, slots=True)
class Start:
    """A run to start: which workflow, on which record, because of what."""

    workflow_id: int
    workflow: str
    owner_id: int | None
    version_id: int
    entity: str
    entity_id: int
    cause: Cause
    depth: int = 0
    timeline_id: int | None = None


def start(
    tx: Tx, begin: Start, program: Definition, now: datetime, setup: Setup, claim: str
) -> Progress:
    """Record a new run and advance it to its first action (included)."""
    run = _insert(tx, begin, now, setup, claim, "running")
    return advance(tx, run, program, now, setup)


def cut(tx: Tx, begin: Start, now: datetime, setup: Setup) -> Progress:
    """Record a run stopped by the loop protection (the cut is visible in the history)."""
    run = _insert(tx, begin, now, setup, None, "stopped")
    reason = reasons.loop_cut(begin.depth, setup.max_depth)
    record_step(tx, run.id, "trigger", "trigger", "cut", {"depth": begin.depth}, now)
    finish(tx, run, "stopped", reason, now)
    return Progress(run.id, "stopped")


def broken(tx: Tx, begin: Start, now: datetime, error: Exception) -> Progress:
    """Record a run that could not even start (a bug): failed, with the error."""
    log.error("event=workflow_start_failed workflow=%s error=%r", begin.workflow, error)
    run = _insert(tx, begin, now, Setup(), None, "failed")
    finish(tx, run, "failed", reasons.not_started(error), now)
    return Progress(run.id, "failed")


def _insert(
    tx: Tx, begin: Start, now: datetime, setup: Setup, claim: str | None, status: str
) -> Run:
    at = stored_at(now)
    until = clock.to_db(now + timedelta(seconds=setup.lease)) if claim else None
    run_id = tx.insert(
        "workflow_runs",
        {
            "workflow_id": begin.workflow_id,
            "version_id": begin.version_id,
            "entity": begin.entity,
            "entity_id": begin.entity_id,
            "event": begin.cause.event,
            "timeline_id": begin.timeline_id,
            "cause": json.dumps(begin.cause.as_dict(), ensure_ascii=False, default=str),
            "depth": begin.depth,
            "status": status,
            "claim": claim,
            "claimed_until": until,
            "started_at": at,
        },
    )
    return Run(
        run_id,
        begin.workflow_id,
        begin.workflow,
        begin.owner_id,
        begin.version_id,
        begin.entity,
        begin.entity_id,
        begin.cause,
        begin.depth,
        claim=claim,
    )


# -- resuming -------------------------------------------------------------------------


def load(tx: Tx, run_id: int) -> Run | None:
    row = tx.one(
        "SELECT r.*, w.name, w.owner_id FROM workflow_runs r"
        " JOIN workflows w ON w.id = r.workflow_id WHERE r.id = ?",
        (run_id,),
    )
    if row is None:
        return None
    return Run(
        row["id"],
        row["workflow_id"],
        row["name"],
        row["owner_id"],
        row["version_id"],
        row["entity"],
        row["entity_id"],
        Cause.from_dict(json.loads(row["cause"])),
        row["depth"],
        row["pc"],
        row["attempts"],
        row["claim"],
        row["status"],
    )


def claim_due(tx: Tx, run_id: int, now: datetime, setup: Setup, claim: str) -> Run | None:
    """Take a waiting run whose time has come (or an abandoned one): exactly once."""
    at = stored_at(now)
    until = clock.to_db(now + timedelta(seconds=setup.lease))

    def take() -> Run | None:
        taken = tx.execute(
            "UPDATE workflow_runs SET status = 'running', claim = ?, claimed_until = ?,"
            " resume_at = NULL WHERE id = ? AND ((status = 'waiting' AND resume_at <= ?)"
            " OR (status = 'running' AND claimed_until <= ?))",
            (claim, until, run_id, at, at),
        )
        return load(tx, run_id) if taken.rowcount == 1 else None

    # Several instances: one that took the run since this transaction began has it.
    return claims.contended(tx, take, None)


def still_mine(tx: Tx, run_id: int, claim: str) -> Run | None:
    """The run, if this runner still holds it (a continuation after the first write)."""
    run = load(tx, run_id)
    if run is None or run.status != "running" or run.claim != claim:
        return None
    return run


def stop(tx: Tx, run: Run, reason: str, now: datetime) -> Progress:
    finish(tx, run, "stopped", reason, now)
    return Progress(run.id, "stopped")
