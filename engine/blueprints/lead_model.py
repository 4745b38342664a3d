"""Lead blueprints: the lead statuses as states, governed like a pipeline's stages.

A lead blueprint (YAML ``leads: true`` instead of ``pipeline:``) is stored,
versioned, in ``lead_blueprints``; the latest active version governs every
lead that meets its entry criteria. Leads are not pinned to a version: a
lead in flight follows the latest version from its next transition on.

The gate: :func:`refuse_free_status` is called by :func:`engine.crm.leads.set_status`
(every channel changes a lead's status through it) and :func:`refuse_free_convert`
by :func:`engine.crm.leads.convert` — conversion stays free unless the blueprint has
a transition into ``converted``, in which case it goes through that transition.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from engine.blueprints import wording
from engine.blueprints.check import FormFit, Problem, StageRef, check_blueprint
from engine.blueprints.model import Blueprint, Transition, from_dict, to_dict
from engine.blueprints.model import leading_to as model_leading_to
from engine.blueprints.store import Saved, problems_as_errors
from engine.crm import criteria
from engine.crm.fields import LeadValues, moment
from engine.errors import TransitionRefused, ValidationFailed
from engine.i18n import LeadStatus, translate
from engine.store.db import Tx
from engine.text.catalogue import Phrase

LEADS = "leads"  # what a lead blueprint reports as its "pipeline"
STATUSES = ("new", "contacted", "qualified", "disqualified", "converted")
CLOSED = ("disqualified", "converted")  # common transitions ("*") do not leave them


@dataclass(frozen=True, slots=True)
class LeadVersion:
    id: int
    version: int
    blueprint: Blueprint
    active: bool
    created_at: datetime


class LeadStatusGoverned(TransitionRefused):
    """A plain status change (or conversion) on a lead governed by a lead blueprint."""

    code = "lead_status_governed"

    def __init__(self, lead_id: int, blueprint: str, status: str, transitions: list[str]) -> None:
        params = {"lead": lead_id, "blueprint": blueprint, "status": LeadStatus(status)}
        shown = transitions or ["—"]
        super().__init__(translate(self.code, "en", **params, transitions=shown), transitions)
        self.params.update(params)


def lead_states() -> list[StageRef]:
    """The lead statuses as a blueprint's states (converted is the closed, won one)."""
    return [
        StageRef(s, "won" if s == "converted" else None, i) for i, s in enumerate(STATUSES, start=1)
    ]


def check(blueprint: Blueprint, fits: FormFit | None = None) -> list[Problem]:
    """The problems of a lead blueprint: the common checks plus the disqualify reason.

    ``fits`` is the renderer's check of each form, as for :func:`check_blueprint`.

    Time limits and automatic transitions are checked as a pipeline's (a closed
    status, ``converted``, cannot have a time limit);
    :mod:`engine.timers.lead_escalations` runs them.
    """
    problems = [
        p for p in check_blueprint(blueprint, lead_states(), fits) if not _conversion_unreached(p)
    ]
    for index, t in enumerate(blueprint.transitions):
        if t.target == "disqualified" and not _writes(t, "disqualify_reason"):
            problems.append(Problem(f"transitions[{index}]", _reason_needed()))
    return problems


def _reason_needed() -> Phrase:
    """Why a transition into ``disqualified`` is refused: the YAML's own names as params."""
    return Phrase(
        "blueprint.problem.lead.disqualify_reason", status="disqualified", field="disqualify_reason"
    )


def _conversion_unreached(problem: Problem) -> bool:
    """Whether ``problem`` only says no transition leads to ``converted``: conversion may
    stay outside the blueprint (a plain convert), so that is no problem for leads.

    Recognised by its catalogue key and parameters, not its English text."""
    said = problem.message
    return (
        isinstance(said, Phrase)
        and said.key == wording.PREFIX + "unreachable"
        and said.params.get("stage") == repr("converted")
    )


def _writes(t: Transition, name: str) -> bool:
    asked = any(f.field == name and f.required for f in t.during.fields)
    return asked or any(getattr(a, "field", None) == name for a in t.after)


# -- versions --------------------------------------------------------------------

_COLUMNS = "id, version, definition, active, created_at"


def _version(row: sqlite3.Row) -> LeadVersion:
    blueprint = from_dict(json.loads(row["definition"]))
    return LeadVersion(
        row["id"], row["version"], blueprint, bool(row["active"]), moment(row["created_at"])
    )


def current(conn: sqlite3.Connection) -> LeadVersion | None:
    """The lead blueprint in force (the latest active version), if any."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM lead_blueprints WHERE active = 1 ORDER BY version DESC LIMIT 1"
    ).fetchone()
    return None if row is None else _version(row)


def governs(conn: sqlite3.Connection, lead: sqlite3.Row, now: datetime | str) -> LeadVersion | None:
    """The version governing ``lead`` if it meets the entry criteria; None: free changes."""
    version = current(conn)
    if version is None or version.blueprint.entry is None:
        return version
    values = LeadValues(conn, lead, now)
    return None if criteria.unmet(version.blueprint.entry, values.get) else version


def save(tx: Tx, blueprint: Blueprint, fits: FormFit | None = None) -> Saved:
    """Store a lead blueprint: a new version if it changed (or re-enabled), else nothing."""
    problems = check(blueprint, fits)
    if problems:
        raise ValidationFailed(problems_as_errors(problems))
    definition = json.dumps(to_dict(blueprint), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(definition.encode()).hexdigest()
    latest = tx.one(
        "SELECT id, version, digest, active FROM lead_blueprints ORDER BY version DESC LIMIT 1"
    )
    if latest is not None and latest["digest"] == digest:
        if not latest["active"]:
            tx.execute("UPDATE lead_blueprints SET active = 1 WHERE id = ?", (latest["id"],))
            tx.record("lead_blueprint", latest["id"], "enabled", {"active": (False, True)})
        return Saved(LEADS, latest["version"], not latest["active"], 0)
    number = 1 if latest is None else latest["version"] + 1
    blueprint_id = tx.insert(
        "lead_blueprints",
        {
            "version": number, "name": blueprint.name, "definition": definition,
            "digest": digest, "created_at": tx.now,
        },
    )  # fmt: skip
    old = None if latest is None else latest["version"]
    tx.record("lead_blueprint", blueprint_id, "versioned", {"version": (old, number)})
    return Saved(LEADS, number, True, 0)


def disable(tx: Tx) -> bool:
    """Take the lead blueprint out of force: lead statuses change freely again."""
    cursor = tx.execute("UPDATE lead_blueprints SET active = 0 WHERE active = 1")
    return cursor.rowcount > 0


# -- the gate --------------------------------------------------------------------


def leading_to(blueprint: Blueprint, source: str, target: str) -> list[str]:
    """The transitions that take a lead from ``source`` to ``target``, as ``name (key)``."""
    return model_leading_to(blueprint, source, source not in CLOSED, target)


def refuse_free_status(tx: Tx, lead: sqlite3.Row, status: str) -> None:
    """Raise :class:`LeadStatusGoverned` when a governed lead's status is set directly."""
    if status == lead["status"]:
        return
    version = governs(tx.conn, lead, tx.now)
    if version is None:
        return
    leading = leading_to(version.blueprint, lead["status"], status)
    raise LeadStatusGoverned(lead["id"], version.blueprint.name, status, leading)


def refuse_free_convert(tx: Tx, lead: sqlite3.Row) -> None:
    """A plain conversion is refused only if the blueprint has a transition to converted."""
    version = governs(tx.conn, lead, tx.now)
    if version is None:
        return
    if any(t.target == "converted" for t in version.blueprint.transitions):
        leading = leading_to(version.blueprint, lead["status"], "converted")
        raise LeadStatusGoverned(lead["id"], version.blueprint.name, "converted", leading)
