"""After-actions, run inside the transition's transaction, for deals and leads alike.

What differs between the two kinds (the record, its template values, a
webhook's payload) comes in a :class:`Subject`. Field updates are planned
together with the supplied values (see :func:`field_writes`); activities
are created at once; e-mails, notifications and webhooks are written to the
outbox, delivered after the commit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

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
from engine.crm.fields import moment
from engine.errors import ValidationFailed
from engine.outbox import queue as outbox
from engine.store.db import Tx
from engine.text.catalogue import Phrase


@dataclass(frozen=True, slots=True)
class Write:
    """A value bound for a record's field, and where it came from (for error messages)."""

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


@dataclass(frozen=True, slots=True)
class Subject:
    """The kind of record a transition moved, as the after-actions need to know it.

    ``load`` reads the record as the transition left it; ``template_values``
    gives the ``{{…}}`` values of its messages; ``webhook`` the payload a
    webhook action queues (a deal's body is rendered from the log when sent).
    """

    kind: Literal["deal", "lead"]
    load: Callable[[sqlite3.Connection, int], sqlite3.Row]
    template_values: Callable[[Run], dict[str, Any]]
    webhook: Callable[[Run, Webhook], dict[str, Any]]


@dataclass
class Run:
    """Everything an after-action needs to know about the transition that ran."""

    tx: Tx
    subject: Subject
    record_id: int
    transition: Transition
    supplied: Supplied
    source: str
    target: str
    log_id: int
    timezone: str
    _values: dict[str, Any] | None = None
    _record: sqlite3.Row | None = None

    @property
    def record(self) -> sqlite3.Row:
        """The deal or lead as the transition left it (read once, only if an action needs it)."""
        if self._record is None:
            self._record = self.subject.load(self.tx.conn, self.record_id)
        return self._record

    def values(self) -> dict[str, Any]:
        if self._values is None:
            self._values = self.subject.template_values(self)
        return self._values

    def person(self, who: str) -> sqlite3.Row | None:
        return person(self.tx.conn, self.record, self.tx.actor, who)

    def link(self, kind: Literal["deal", "lead"]) -> int | None:
        """The record's id if it is of ``kind`` (for an activity's or a message's link)."""
        return self.record_id if self.subject.kind == kind else None


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
        deal_id=run.link("deal"),
        lead_id=run.link("lead"),
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
            deal_id=run.link("deal"),
            lead_id=run.link("lead"),
        ),
    )


def _enqueue(run: Run, action: Action) -> None:
    recipient, payload, skipped = _message(run, action)
    kind = {SendEmail: "email", Notify: "notification", Webhook: "webhook"}[type(action)]
    if run.subject.kind == "lead":  # a lead's messages name it in their payload
        payload["lead_id"] = run.record_id
    deal_id = run.link("deal")
    transition_id = None if deal_id is None else run.log_id
    outbox.enqueue(
        run.tx,
        kind,
        recipient,
        payload,
        deal_id=deal_id,
        transition_id=transition_id,
        skipped=skipped,
    )


def _message(run: Run, action: Action) -> tuple[str, dict[str, Any], str | None]:
    if isinstance(action, Webhook):
        return action.url, run.subject.webhook(run, action), None
    values = run.values()
    if isinstance(action, SendEmail):
        address = _address(run, action.to)
        payload = {
            "to": address,
            "subject": templates.render(action.subject, values),
            "body": templates.render(action.body, values),
        }
        skipped = None if address else Phrase("outbox.skip.no_email", to=action.to)
        return address or action.to, payload, skipped
    assert isinstance(action, Notify)
    target = _slack_target(run, action)
    payload = {"to": target, "text": templates.render(action.text, values)}
    unsent = None if target else Phrase("outbox.skip.nobody", who=action.to)
    return target or action.to, payload, unsent


def _address(run: Run, to: str) -> str | None:
    if "@" in to:
        return to
    if to == "contact":
        row = run.tx.one("SELECT email FROM contacts WHERE id = ?", (run.record["contact_id"],))
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
    conn: sqlite3.Connection, record: sqlite3.Row, actor: Actor, who: str
) -> sqlite3.Row | None:
    """The record's ``owner``, the owner's ``manager``, or the ``actor``, as a users row."""
    if who == "actor":
        user_id = actor.user_id
    elif who == "manager":
        user_id = _scalar(conn, "SELECT manager_id FROM users WHERE id = ?", record["owner_id"])
    else:
        user_id = record["owner_id"]
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


def common_values(run: Run) -> dict[str, Any]:
    """The template values every transition's messages have: contact, actor, states, inputs."""
    contact = run.tx.conn.execute(
        "SELECT name, email FROM contacts WHERE id = ?", (run.record["contact_id"],)
    ).fetchone()
    values: dict[str, Any] = {
        "contact.name": None if contact is None else contact["name"],
        "contact.email": None if contact is None else contact["email"],
        "actor": run.tx.actor.label,
        "transition": run.transition.name,
        "from": run.source,
        "to": run.target,
    }
    values.update({f"input.{k}": _shown(v) for k, v in run.supplied.values.items()})
    return values


def owner_name(run: Run) -> Any:
    """The record owner's name (None: nobody owns it)."""
    owner = run.person("owner")
    return None if owner is None else owner["name"]


def _shown(value: Any) -> Any:
    shown = plain(value)
    return ", ".join(shown) if isinstance(shown, list) else shown
