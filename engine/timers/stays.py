"""A governed record's stay in a state, and what falls due during it — deals and leads alike.

A deal stays in a stage, a lead in a status; the blueprint says how long a
stay may last (a time limit, then an escalation) and which transitions go by
themselves after a delay. The rules are the same for both kinds and are
written here once: what is due at ``now``, doing one due item in its own
write after checking that the stay has not ended, and telling the people an
escalation names. :mod:`engine.timers.escalations` (deals) and
:mod:`engine.timers.lead_escalations` (leads) say where a stay is read and
how an escalation is recorded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from engine import clock
from engine.blueprints.actions import person, user_target
from engine.blueprints.model import Blueprint, StateRule, leaves
from engine.outbox import queue as outbox
from engine.store import claims
from engine.store.db import Tx
from engine.text.catalogue import Phrase

Kind = Literal["escalation", "automatic"]


@dataclass(frozen=True, slots=True)
class Due:
    """One thing due for a record: ``state`` is a deal's stage id or a lead's status."""

    kind: Kind
    record_id: int
    blueprint_id: int
    state: int | str
    since: str  # when the stay began, as stored
    transition: str | None = None
    limit: int = 0


@dataclass(frozen=True, slots=True)
class Stay:
    """A record's current stay: its state (key, openness, stored ref) and since when."""

    record_id: int
    key: str
    is_open: bool
    state: int | str
    since: str


@dataclass(frozen=True, slots=True)
class Timer:
    """Something a record has due in its state: its escalation, or an automatic transition."""

    kind: Kind
    limit: int  # seconds
    transition: str | None = None


@dataclass(frozen=True, slots=True)
class TimerReport:
    escalated: int = 0
    transitioned: int = 0
    skipped: int = 0


def shortest_wait(bp: Blueprint) -> int | None:
    """The shortest time limit or automatic delay of the blueprint (None: no timers)."""
    waits = [s.time_limit for s in bp.states]
    waits.extend(t.automatic_after for t in bp.transitions if t.automatic_after)
    return min(waits) if waits else None


def timers_due(
    bp: Blueprint, state: str, is_open: bool, since: datetime, now: datetime,
    escalated: Callable[[], bool],
) -> list[Timer]:  # fmt: skip
    """What a record in ``state`` since ``since`` has due at ``now`` (deals and leads alike).

    The escalation once its time limit is past, unless ``escalated`` says it
    already fired for this stay; the first automatic transition leaving the
    state whose delay is past.
    """
    found: list[Timer] = []
    rule = bp.state(state)
    if rule and since + timedelta(seconds=rule.time_limit) <= now and not escalated():
        found.append(Timer("escalation", rule.time_limit))
    for t in bp.transitions:
        wait = t.automatic_after
        if wait and leaves(t, state, is_open) and since + timedelta(seconds=wait) <= now:
            found.append(Timer("automatic", wait, t.key))
            break
    return found


def due_in_stay(
    bp: Blueprint, blueprint_id: int, stay: Stay, now: datetime, escalated: Callable[[], bool]
) -> list[Due]:
    """The :class:`Due` items of one record's stay at ``now``."""
    since = clock.from_db(stay.since)
    timers = timers_due(bp, stay.key, stay.is_open, since, now, escalated)
    base = (stay.record_id, blueprint_id, stay.state, stay.since)
    return [Due(t.kind, *base, transition=t.transition, limit=t.limit) for t in timers]


def already(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Callable[[], bool]:
    """A check, run only when asked, that ``sql`` finds the stay's escalation already fired."""
    return lambda: conn.execute(sql, params).fetchone() is not None


def fire(
    tx: Tx,
    due: Due,
    now: datetime,
    in_stay: Callable[[Tx, Due], sqlite3.Row | None],
    perform: Callable[..., object],
    escalate: Callable[[Tx, sqlite3.Row, Due], bool],
) -> bool:
    """Do one due item if the record is still in the same stay; whether anything happened.

    ``in_stay`` reads the record (None: the stay has ended); ``perform`` is the
    kind's transition; ``escalate`` records the escalation once per stay.
    """
    tx.now = clock.to_db(now)

    def do() -> bool:
        record = in_stay(tx, due)
        if record is None:
            return False
        if due.kind == "automatic":
            assert due.transition is not None
            perform(tx, due.record_id, due.transition, {}, None, automatic=True)
            return True
        return escalate(tx, record, due)

    # Several instances: the one whose transaction changed the record first does it.
    return claims.contended(tx, do, False)


def announce(
    tx: Tx,
    kind: str,
    record: sqlite3.Row,
    rule: StateRule,
    changes: dict[str, tuple[Any, Any]],
    limit: str,
    say: Callable[[str], str],
    *,
    deal_id: int | None = None,
    about: dict[str, Any] | None = None,
) -> None:
    """Record that ``record`` overstayed and tell everyone the state's rule names."""
    data = {"limit": limit, "escalate_to": list(rule.escalate_to)}
    tx.record(kind, record["id"], "escalated", changes, data=data)
    for who in rule.escalate_to:
        notify(tx, record, who, say, rule.message, deal_id=deal_id, about=about)


def notify(
    tx: Tx, record: sqlite3.Row, who: str, say: Callable[[str], str], message: str,
    *, deal_id: int | None = None, about: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """Tell ``who`` (owner, manager, a user) that ``record`` overstayed, in their language.

    ``say(locale)`` words it; the blueprint's ``message`` follows; ``about`` is
    added to the payload. Nobody to tell is recorded as a skipped message.
    """
    user = person(tx.conn, record, tx.actor, who)
    locale = "fr" if user is None else user["locale"]
    payload = {
        "to": user_target(user), "text": f"{say(locale)} {message}".strip(),
        "reason": "escalation", **(about or {}),
    }  # fmt: skip
    outbox.enqueue(
        tx,
        "notification",
        user_target(user) or who,
        payload,
        deal_id=deal_id,
        skipped=None if user is not None else Phrase("outbox.skip.nobody", who=who),
    )
