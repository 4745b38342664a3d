"""Running a workflow's program, one write per action.

:func:`advance` runs from the run's position: conditions, branches and
delays cost nothing, and it stops after one action, so each action commits
in its own write together with the run's new position and its step record —
a crash repeats nothing and loses nothing. An action runs in a savepoint: if
it fails, its half-done work is rolled back and the failure recorded; it is
retried later when the error is transient, else the run fails. Timeline
entries written by an action are marked as caused by the run
(``workflow_causes``), which is what the loop protection counts.

How a run starts, is claimed again when due and is stopped is
:mod:`engine.workflows.runs`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine import clock
from engine.actors import Actor
from engine.errors import Conflict, RelaisError, StorageError
from engine.events import DomainEvent
from engine.store.db import Tx
from engine.text.catalogue import stored
from engine.workflows import reasons
from engine.workflows.actions import Scope, run_action
from engine.workflows.conditions import Cause, Subject, evidence, failures
from engine.workflows.history import not_met
from engine.workflows.model import (
    CreateActivity,
    CreateRecord,
    Definition,
    Instr,
    UpdateFields,
    Wait,
    describe_criterion,
)
from engine.workflows.values import moment_of

log = logging.getLogger("relais.workflows")

TERMINAL = ("succeeded", "failed", "not_met", "stopped")
# Actions that write records (and so timeline entries a loop could come back from).
RECORDING = (CreateActivity, UpdateFields, CreateRecord)


@functools.lru_cache(maxsize=16)
def stored_at(now: datetime) -> str:
    """``now`` as stored; one run's write formats the same moment many times."""
    return clock.to_db(now)


@dataclass(frozen=True, slots=True)
class Setup:
    """Runner settings an execution needs."""

    locale: str = "fr"
    timezone: str = "Europe/Paris"
    channels: Mapping[str, str] = field(default_factory=dict)
    max_depth: int = 5
    max_attempts: int = 4
    retry_delay: float = 60.0
    lease: float = 300.0


@dataclass
class Run:
    """A run's state while a write advances it."""

    id: int
    workflow_id: int
    workflow: str
    owner_id: int | None
    version_id: int
    entity: str
    entity_id: int
    cause: Cause
    depth: int
    pc: int = 0
    attempts: int = 0
    claim: str | None = None
    status: str = "running"

    @property
    def actor(self) -> Actor:
        """Workflows act on behalf of their owner, without the owner's role."""
        return Actor("workflow", "workflow", self.owner_id, f"workflow:{self.workflow}")


@dataclass(frozen=True, slots=True)
class Progress:
    run_id: int
    status: str
    queued: int = 0


# -- advancing ---------------------------------------------------------------------------


def advance(tx: Tx, run: Run, program: Definition, now: datetime, setup: Setup) -> Progress:
    """Run from ``run.pc`` until after one action, a wait, or the end."""
    previous = tx.actor
    tx.actor = run.actor
    try:
        return _advance(tx, run, program, now, setup)
    finally:
        tx.actor = previous


def _advance(tx: Tx, run: Run, program: Definition, now: datetime, setup: Setup) -> Progress:
    workflow = program.workflow
    scope = Scope(
        tx, run.id, run.workflow, run.owner_id, run.entity, run.entity_id, run.cause, now,
        setup.locale, workflow.timezone, setup.channels,
    )  # fmt: skip
    acted = False
    queued = 0
    code = program.program
    while run.pc < len(code):
        ins = code[run.pc]
        if ins.op == "act":
            if acted:
                return _pause(tx, run, "running", None, queued)
            acted = True
            outcome, count = _act(tx, scope, run, ins, now, setup)
            queued += count
            if outcome != "done":
                return _announce(tx, run, Progress(run.id, outcome, queued))
        elif ins.op == "jump":
            run.pc = ins.target
        elif ins.op == "wait":
            assert ins.wait is not None
            waited = _wait(tx, scope, run, ins, ins.wait, now)
            if waited is not None:
                return _announce(tx, run, Progress(run.id, waited, queued))
        elif not _test(tx, scope, run, ins, now):
            return _announce(tx, run, Progress(run.id, "not_met", queued))
    finish(tx, run, "succeeded", None, now)
    return _announce(tx, run, Progress(run.id, "succeeded", queued))


def _test(tx: Tx, scope: Scope, run: Run, ins: Instr, now: datetime) -> bool:
    """A check or a branch; returns False when a check stops the run."""
    assert ins.criterion is not None
    subject = Subject(scope.record, run.cause)
    started = time.perf_counter()
    failed = failures(ins.criterion, subject)
    detail: dict[str, Any] = {"condition": describe_criterion(ins.criterion)}
    if failed:
        detail["failed"] = evidence(failed, subject)
    if ins.op == "branch":
        detail["branch"] = "else" if failed else "then"
        record_step(tx, run.id, ins.path, "branch", detail["branch"], detail, now, started)
        run.pc = ins.target if failed else run.pc + 1
        return True
    record_step(
        tx, run.id, ins.path, "condition", "not_met" if failed else "passed", detail, now, started
    )
    if failed:
        shown = "; ".join(describe_criterion(part) for part in failed)
        finish(tx, run, "not_met", not_met(ins.path, shown), now)
        return False
    run.pc += 1
    return True


def _wait(tx: Tx, scope: Scope, run: Run, ins: Instr, wait: Wait, now: datetime) -> str | None:
    """Pause the run until its time (returns ``waiting``), or pass at once (None)."""
    if wait.seconds is not None:
        until: datetime | None = now + timedelta(seconds=wait.seconds)
    else:
        assert wait.until is not None
        value = None if scope.record is None else scope.record.get(wait.until)
        base = moment_of(value, "09:00", scope.timezone)
        until = None if base is None else base + timedelta(seconds=wait.offset)
    if until is None:
        reason = reasons.nothing_to_wait(ins.path, str(wait.until))
        record_step(tx, run.id, ins.path, "wait", "stopped", {"until": wait.until}, now)
        finish(tx, run, "stopped", reason, now)
        return "stopped"
    run.pc += 1
    if until <= now:
        record_step(tx, run.id, ins.path, "wait", "passed", {"until": clock.to_db(until)}, now)
        return None
    record_step(tx, run.id, ins.path, "wait", "waiting", {"until": clock.to_db(until)}, now)
    _pause(tx, run, "waiting", until, 0)
    return "waiting"


def _act(tx: Tx, scope: Scope, run: Run, ins: Instr, now: datetime,
         setup: Setup) -> tuple[str, int]:  # fmt: skip
    """One action in a savepoint: ``done``, ``waiting`` (a retry later) or ``failed``."""
    assert ins.action is not None
    started = time.perf_counter()
    events_before = len(tx.events)
    last_entry = _last_entry(tx) if isinstance(ins.action, RECORDING) else None
    tx.execute("SAVEPOINT workflow_action")
    try:
        detail = run_action(scope, ins.action)
    except Exception as exc:
        tx.execute("ROLLBACK TO workflow_action")
        tx.execute("RELEASE workflow_action")
        del tx.events[events_before:]
        scope.refresh()
        return _failed(tx, run, ins, exc, now, setup, started), 0
    tx.execute("RELEASE workflow_action")
    _mark_caused(tx, run, last_entry, events_before)
    kind = type(ins.action).__name__
    record_step(tx, run.id, ins.path, kind, "done", detail, now, started, run.attempts + 1)
    run.pc += 1
    run.attempts = 0
    queued = 1 if "outbox_id" in detail and "skipped" not in detail else 0
    return "done", queued


def _failed(tx: Tx, run: Run, ins: Instr, exc: Exception, now: datetime, setup: Setup,
            started: float) -> str:  # fmt: skip
    error = stored(reasons.error(exc))
    kind = type(ins.action).__name__
    attempts = run.attempts + 1
    if _transient(exc) and attempts < setup.max_attempts:
        delay = setup.retry_delay * 2 ** (attempts - 1)
        retry_at = now + timedelta(seconds=delay)
        detail = {"error": error, "attempt": attempts, "retry_at": clock.to_db(retry_at)}
        record_step(tx, run.id, ins.path, kind, "retry", detail, now, started, attempts)
        run.attempts = attempts
        _pause(tx, run, "waiting", retry_at, 0)
        return "waiting"
    if not isinstance(exc, RelaisError):
        log.error("event=workflow_action_failed run=%d step=%s error=%r", run.id, ins.path, exc)
    record_step(
        tx,
        run.id,
        ins.path,
        kind,
        "failed",
        {"error": error, "attempt": attempts},
        now,
        started,
        attempts,
    )
    finish(tx, run, "failed", reasons.failed(ins.path, exc), now)
    return "failed"


def _transient(exc: Exception) -> bool:
    """Worth another try later: a concurrent edit, a busy or failing database."""
    return isinstance(exc, Conflict | StorageError | sqlite3.OperationalError)


def _last_entry(tx: Tx) -> int:
    return int(tx.scalar("SELECT coalesce(max(id), 0) FROM timeline"))


def _mark_caused(tx: Tx, run: Run, last_entry: int | None, events_before: int) -> None:
    """Tag what the action wrote as caused by this run, one level deeper."""
    depth = run.depth + 1
    if last_entry is not None:
        now_last = _last_entry(tx)
        if now_last > last_entry:
            tx.insert(
                "workflow_causes",
                {"first_id": last_entry + 1, "last_id": now_last, "run_id": run.id,
                 "depth": depth},
            )  # fmt: skip
    for index in range(events_before, len(tx.events)):
        event = tx.events[index]
        data = {**event.data, "workflow_run": run.id, "workflow": run.workflow, "depth": depth}
        tx.events[index] = dataclasses.replace(event, data=data)


# -- bookkeeping --------------------------------------------------------------------------


def record_step(
    tx: Tx,
    run_id: int,
    path: str,
    kind: str,
    outcome: str,
    detail: dict[str, Any],
    now: datetime,
    started: float | None = None,
    attempt: int | None = None,
) -> None:
    if attempt is not None and attempt > 1:
        detail = {**detail, "attempt": attempt}
    duration = None if started is None else round((time.perf_counter() - started) * 1000, 3)
    tx.insert(
        "workflow_steps",
        {
            "run_id": run_id, "path": path, "kind": kind, "outcome": outcome,
            "detail": json.dumps(detail, ensure_ascii=False, default=str),
            "at": stored_at(now), "duration_ms": duration,
        },
    )  # fmt: skip


def _pause(tx: Tx, run: Run, status: str, until: datetime | None, queued: int) -> Progress:
    tx.execute(
        "UPDATE workflow_runs SET status = ?, pc = ?, attempts = ?, resume_at = ?,"
        " claim = CASE WHEN ? = 'running' THEN claim END,"
        " claimed_until = CASE WHEN ? = 'running' THEN claimed_until END WHERE id = ?",
        (status, run.pc, run.attempts, None if until is None else clock.to_db(until),
         status, status, run.id),
    )  # fmt: skip
    return _announce(tx, run, Progress(run.id, status, queued))


def finish(tx: Tx, run: Run, status: str, reason: str | None, now: datetime) -> None:
    """End the run; a :class:`~engine.text.catalogue.Phrase` reason is kept as one, so
    it is read later in the reader's language (:mod:`engine.workflows.reasons`)."""
    tx.execute(
        "UPDATE workflow_runs SET status = ?, reason = ?, pc = ?, attempts = ?,"
        " resume_at = NULL, claim = NULL, claimed_until = NULL, finished_at = ? WHERE id = ?",
        (status, stored(reason, limit=4000), run.pc, run.attempts, stored_at(now), run.id),
    )


def _announce(tx: Tx, run: Run, progress: Progress) -> Progress:
    """Tell the bus (after the commit) that messages wait in the outbox."""
    if progress.queued:
        data = {"queued": progress.queued, "workflow": run.workflow, "status": progress.status}
        tx.events.append(DomainEvent("workflow_run", "queued", run.id, run.actor, {}, data))
    return progress
