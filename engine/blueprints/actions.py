"""After-actions, run inside the transition's transaction.

Field updates are planned together with the supplied values (see
:func:`field_writes`); activities are created at once; e-mails, notifications
and webhooks are written to the outbox, delivered after the commit.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from engine import clock, templates
from engine.actors import Actor
from engine.blueprints.inputs import Supplied, plain
from engine.blueprints.model import (
    Action,
    CreateActivity,
    Notify,
    SendEmail,
    SetField,
    Transition,
    Webhook,
)
from engine.crm.activities import ActivityDraft, create_activity
from engine.crm.deals import deal_row
from engine.crm.fields import moment
from engine.errors import ValidationFailed
from engine.money import from_cents
from engine.outbox import queue as outbox
from engine.store.db import Tx


@dataclass(frozen=True, slots=True)
class Write:
    """A value bound for a deal field, and where it came from (for error messages)."""

    source: str
    field: str
    value: Any


def field_writes(transition: Transition, supplied: Supplied) -> list[Write]:
    """Supplied values saved to fields first, then the after field updates (which win)."""
    writes = [
        Write(spec.key, spec.field, supplied.values.get(spec.key))
        for spec in transition.during.fields
        if spec.field is not None and spec.key in supplied.values
    ]
    for index, action in enumerate(transition.after):
        if isinstance(action, SetField):
            value = action.value
            if action.from_input is not None:
                value = supplied.values.get(action.from_input)
            writes.append(Write(f"after[{index}].{action.field}", action.field, value))
    return writes


@dataclass
class Run:
    """Everything an after-action needs to know about the transition that ran."""

    tx: Tx
    deal_id: int
    transition: Transition
    supplied: Supplied
    source: str
    target: str
    log_id: int
    timezone: str
    _values: dict[str, Any] | None = None
    _deal: sqlite3.Row | None = None

    @property
    def deal(self) -> sqlite3.Row:
        """The deal as the transition left it (read once, only if an action needs it)."""
        if self._deal is None:
            self._deal = deal_row(self.tx.conn, self.deal_id)
        return self._deal

    def values(self) -> dict[str, Any]:
        if self._values is None:
            self._values = template_values(self)
        return self._values

    def person(self, who: str) -> sqlite3.Row | None:
        return person(self.tx.conn, self.deal, self.tx.actor, who)


def run_after(run: Run) -> int:
    """Create activities and enqueue messages; returns how many messages were queued."""
    queued = 0
    for index, action in enumerate(run.transition.after):
        if isinstance(action, CreateActivity):
            _activity(run, action, index)
        elif not isinstance(action, SetField):
            _enqueue(run, action)
            queued += 1
    if run.supplied.note:
        _note(run)
    return queued


def _activity(run: Run, action: CreateActivity, index: int) -> None:
    values = run.values()
    owner = run.person(action.owner) if action.owner in ("owner", "actor") else None
    draft = ActivityDraft(
        kind=action.kind,
        subject=templates.render(action.subject, values),
        note=templates.render(action.note, values),
        due_at=_due(run, action),
        owner=owner["id"] if owner is not None else _other_owner(action.owner),
        deal_id=run.deal_id,
    )
    try:
        create_activity(run.tx, draft)
    except ValidationFailed as exc:
        raise ValidationFailed({f"after[{index}].{k}": v for k, v in exc.errors.items()}) from exc


def _other_owner(ref: str) -> str | None:
    return None if ref in ("owner", "actor") else ref


def _due(run: Run, action: CreateActivity) -> datetime | None:
    now = moment(run.tx.now)
    if action.due_in is not None:
        return now + timedelta(seconds=action.due_in)
    if action.due_from is None:
        return None
    value = run.supplied.values.get(action.due_from)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):  # a day: 9 o'clock there
        return datetime.combine(value, time(9), clock.zone(run.timezone))
    return None


def _note(run: Run) -> None:
    create_activity(
        run.tx,
        ActivityDraft(
            kind="note",
            subject=run.transition.name,
            note=run.supplied.note or "",
            done=True,
            deal_id=run.deal_id,
        ),
    )


def _enqueue(run: Run, action: Action) -> None:
    recipient, payload, skipped = _message(run, action)
    kind = {SendEmail: "email", Notify: "notification", Webhook: "webhook"}[type(action)]
    outbox.enqueue(
        run.tx,
        kind,
        recipient,
        payload,
        deal_id=run.deal_id,
        transition_id=run.log_id,
        skipped=skipped,
    )


def _message(run: Run, action: Action) -> tuple[str, dict[str, Any], str | None]:
    if isinstance(action, Webhook):  # its body is rendered from the log when sent
        return action.url, {"headers": dict(action.headers)}, None
    values = run.values()
    if isinstance(action, SendEmail):
        address = _address(run, action.to)
        payload = {
            "to": address,
            "subject": templates.render(action.subject, values),
            "body": templates.render(action.body, values),
        }
        return address or action.to, payload, None if address else f"no e-mail for {action.to}"
    assert isinstance(action, Notify)
    target = _slack_target(run, action)
    payload = {"to": target, "text": templates.render(action.text, values)}
    return target or action.to, payload, None if target else f"nobody to notify ({action.to})"


def _address(run: Run, to: str) -> str | None:
    if "@" in to:
        return to
    if to == "contact":
        row = run.tx.one("SELECT email FROM contacts WHERE id = ?", (run.deal["contact_id"],))
        return None if row is None else row["email"]
    user = run.person(to)
    return None if user is None else user["email"]


def _slack_target(run: Run, action: Notify) -> str | None:
    if action.to == "channel":
        return f"channel:{action.channel}"
    return user_target(run.person(action.to))


def user_target(user: sqlite3.Row | None) -> str | None:
    """``user:<slack id>`` (or ``user:<e-mail>`` until the user is linked to Slack)."""
    if user is None:
        return None
    return f"user:{user['slack_id'] or user['email'] or user['id']}"


def person(
    conn: sqlite3.Connection, deal: sqlite3.Row, actor: Actor, who: str
) -> sqlite3.Row | None:
    """The deal's ``owner``, the owner's ``manager``, or the ``actor``, as a users row."""
    if who == "actor":
        user_id = actor.user_id
    elif who == "manager":
        user_id = _scalar(conn, "SELECT manager_id FROM users WHERE id = ?", deal["owner_id"])
    else:
        user_id = deal["owner_id"]
    if user_id is None:
        return None
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM users WHERE id = ?", (user_id,)
    ).fetchone()
    return row


def _scalar(conn: sqlite3.Connection, sql: str, key: Any) -> Any:
    if key is None:
        return None
    row = conn.execute(sql, (key,)).fetchone()
    return None if row is None else row[0]


def template_values(run: Run) -> dict[str, Any]:
    deal, conn = run.deal, run.tx.conn
    contact = conn.execute(
        "SELECT name, email FROM contacts WHERE id = ?", (deal["contact_id"],)
    ).fetchone()
    owner = run.person("owner")
    values: dict[str, Any] = {
        "deal.id": deal["id"],
        "deal.title": deal["title"],
        "deal.stage": run.target,
        "deal.expected_revenue": from_cents(deal["expected_revenue_cents"]),
        "deal.owner": None if owner is None else owner["name"],
        "contact.name": None if contact is None else contact["name"],
        "contact.email": None if contact is None else contact["email"],
        "actor": run.tx.actor.label,
        "transition": run.transition.name,
        "from": run.source,
        "to": run.target,
    }
    values.update({f"input.{k}": _shown(v) for k, v in run.supplied.values.items()})
    return values


def _shown(value: Any) -> Any:
    shown = plain(value)
    return ", ".join(shown) if isinstance(shown, list) else shown
