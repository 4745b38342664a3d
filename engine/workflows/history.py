"""Reading the run history: what ran, when, on what, each step's outcome, and why not."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import clock
from engine.errors import NotFound
from engine.text.catalogue import Phrase, revive
from engine.workflows.reasons import step_of

FAILED = ("failed", "stopped")


@dataclass(frozen=True, slots=True)
class StepRecord:
    path: str
    kind: str
    outcome: str
    detail: dict[str, Any]
    at: datetime
    duration_ms: float | None

    def said(self) -> str:
        """The outcome as a reader reads it: a catalogue phrase (``workflow.outcome.done``)
        for the outcomes the runner records, the stored word for any other."""
        return (
            Phrase(f"workflow.outcome.{self.outcome}") if self.outcome in OUTCOMES else self.outcome
        )


# What execute.record_step writes as a step's outcome.
OUTCOMES = frozenset(
    ("then", "else", "passed", "not_met", "stopped", "waiting", "done", "retry", "failed", "cut")
)


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    workflow: str
    entity: str
    entity_id: int
    event: str
    cause: dict[str, Any]
    depth: int
    status: str
    reason: str | None
    started_at: datetime
    finished_at: datetime | None
    resume_at: datetime | None
    steps: tuple[StepRecord, ...] = ()

    @property
    def record(self) -> str:
        return f"{self.entity} {self.entity_id}"


@dataclass(frozen=True, slots=True)
class Summary:
    """A workflow's runs at a glance."""

    runs: int
    succeeded: int
    failed: int
    not_met: int
    waiting: int
    last_run: datetime | None


def _when(text: str | None) -> datetime | None:
    return None if text is None else clock.from_db(text)


def not_met(path: str, condition: str) -> Phrase:
    """Why a run stopped at a condition: ``steps[0]: not met: …`` in English, a message of the
    catalogue (``workflow.not_met``) for every reader. The step is also numbered from 1."""
    return Phrase("workflow.not_met", path=path, step=step_of(path), condition=condition)


# Reasons stored in English before they were stored as phrases (issue #14), read back as
# the phrase they would be now; any other old text is shown as it was written.
_ENGLISH: tuple[tuple[str, Callable[[re.Match[str]], Phrase]], ...] = (
    (r"(\S+): not met: (.*)", lambda m: not_met(m[1], m[2])),
    (r"the workflow was deactivated", lambda m: Phrase("workflow.reason.deactivated")),
)


def _reason(stored: str | None) -> str | None:
    """A stored reason, as the :class:`Phrase` it was written as when it is one."""
    found = revive(stored)
    if isinstance(found, Phrase) or found is None:
        return found
    for pattern, phrase in _ENGLISH:
        matched = re.fullmatch(pattern, found, re.DOTALL)
        if matched:
            return phrase(matched)
    return found


def _detail(text: str) -> dict[str, Any]:
    """A step's detail; an error kept as a phrase is read back as one."""
    detail: dict[str, Any] = json.loads(text)
    return {k: revive(v) if isinstance(v, str) else v for k, v in detail.items()}


def _run(row: sqlite3.Row, steps: tuple[StepRecord, ...] = ()) -> RunRecord:
    return RunRecord(
        row["id"], row["name"], row["entity"], row["entity_id"], row["event"],
        json.loads(row["cause"]), row["depth"], row["status"], _reason(row["reason"]),
        clock.from_db(row["started_at"]), _when(row["finished_at"]), _when(row["resume_at"]),
        steps,
    )  # fmt: skip


_RUNS = "SELECT r.*, w.name FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id"


def runs(
    conn: sqlite3.Connection, workflow: str | None = None, *, failed: bool = False,
    status: str | None = None, limit: int = 50,
) -> list[RunRecord]:  # fmt: skip
    """The latest runs first; ``failed`` keeps failed and stopped ones."""
    sql, params = f"{_RUNS} WHERE 1 = 1", list[object]()
    if workflow is not None:
        sql += " AND (w.name = ? COLLATE NOCASE OR CAST(w.id AS TEXT) = ?)"
        params += [workflow, workflow]
    if failed:
        sql += " AND r.status IN ('failed', 'stopped')"
    if status is not None:
        sql += " AND r.status = ?"
        params.append(status)
    rows = conn.execute(sql + " ORDER BY r.id DESC LIMIT ?", [*params, limit]).fetchall()
    return [_run(row) for row in rows]


def run(conn: sqlite3.Connection, run_id: int) -> RunRecord:
    row = conn.execute(f"{_RUNS} WHERE r.id = ?", (run_id,)).fetchone()
    if row is None:
        raise NotFound("workflow run", run_id)
    steps = tuple(
        StepRecord(
            s["path"],
            s["kind"],
            s["outcome"],
            _detail(s["detail"]),
            clock.from_db(s["at"]),
            s["duration_ms"],
        )
        for s in conn.execute(
            "SELECT * FROM workflow_steps WHERE run_id = ? ORDER BY id", (run_id,)
        )
    )
    return _run(row, steps)


def runs_on(conn: sqlite3.Connection, entity: str, entity_id: int) -> list[RunRecord]:
    """Every run about one record (why did — or didn't — my automation run on this deal?)."""
    rows = conn.execute(
        f"{_RUNS} WHERE r.entity = ? AND r.entity_id = ? ORDER BY r.id", (entity, entity_id)
    ).fetchall()
    return [_run(row) for row in rows]


def summaries(conn: sqlite3.Connection) -> dict[int, Summary]:
    rows = conn.execute(
        "SELECT workflow_id, count(*) AS runs,"
        " count(CASE WHEN status = 'succeeded' THEN 1 END) AS ok,"
        " count(CASE WHEN status IN ('failed', 'stopped') THEN 1 END) AS bad,"
        " count(CASE WHEN status = 'not_met' THEN 1 END) AS not_met,"
        " count(CASE WHEN status IN ('waiting', 'running') THEN 1 END) AS waiting,"
        " max(started_at) AS last"
        " FROM workflow_runs GROUP BY workflow_id"
    )
    return {
        r["workflow_id"]: Summary(
            r["runs"], r["ok"], r["bad"], r["not_met"], r["waiting"], _when(r["last"])
        )
        for r in rows
    }
