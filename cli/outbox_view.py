"""How ``run.py outbox`` shows messages and their attempts, in French or English.

Kept apart from the parser (:mod:`cli.outbox_cmd`) so each stays small; pure
functions from engine records to lines or JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.api import Phrase, formats, has_text, text
from engine.api.outbox import Attempt, Message


def words(code: str, locale: str, **params: object) -> str:
    """The outbox commands' text ``cli.outbox.<code>`` in ``locale`` (the catalogue's)."""
    return text(locale, f"cli.outbox.{code}", **params)


# Why a pending message is not sent by this service yet (``Message.waiting_for``), by kind.
WAITING = {"email": "outbox.error.waiting_relay", "notification": "outbox.error.waiting_slack"}


def why(message: Message) -> str | None:
    """Why a message waits or failed, as a phrase the reader reads in their language (the
    stored reason comes back from the engine as the phrase it was written as)."""
    if message.waiting_for and message.kind in WAITING:
        return Phrase(WAITING[message.kind])
    return message.waiting_for or message.last_error


def kind_of(message: Message) -> str:
    """``email``, ``webhook``, or ``slack:<form>`` (notification, notice, post…)."""
    if message.lane == "slack":
        return f"slack:{message.form or message.kind}"
    return message.kind


def lines(message: Message, locale: str, zone: str = "UTC") -> list[str]:
    """A message's line (its moments in ``zone``, named) and why it waits or failed."""
    at = formats.when(message.created_at, zone, locale, zone=True)
    values = {"id": message.id, "kind": kind_of(message), "to": message.recipient}
    values |= {"status": status_text(message.status, locale), "attempts": message.attempts}
    values |= {"at": at}
    values |= {"count": message.attempts}  # "1 attempt", "2 attempts"
    found = [words("line", locale, **values)]
    reason = why(message)
    if reason:
        found.append(words("why", locale, why=reason))
    return found


def status_text(status: str, locale: str) -> str:
    """A message's status in ``locale`` (``cli.outbox.status.<status>``), else the code."""
    key = f"cli.outbox.status.{status}"
    return text(locale, key) if has_text(key) else status


def detail_lines(
    message: Message, attempts: list[Attempt], locale: str, zone: str = "UTC"
) -> list[str]:
    """One message in full: its line, when it is tried next, then every attempt."""
    found = lines(message, locale, zone)
    if message.status == "pending":
        found.append(words("next", locale, at=_at(message.next_attempt_at, zone, locale)))
    found.append(words("attempts", locale))
    if not attempts:
        found.append(words("no_attempt", locale))
    for attempt in attempts:
        found.append(words("attempt", locale, **_attempt_values(attempt, locale, zone)))
    return found


def _attempt_values(attempt: Attempt, locale: str, zone: str) -> dict[str, object]:
    return {
        "at": _at(attempt.at, zone, locale), "result": words("ok" if attempt.ok else "ko", locale),
        "http": "" if attempt.status_code is None else f" {attempt.status_code}",
        "ms": "" if attempt.duration_ms is None else f" ({attempt.duration_ms} ms)",
        "detail": attempt.detail,
    }  # fmt: skip


def _at(moment: datetime, zone: str, locale: str) -> str:
    """A moment in the reader's format and zone, the zone named."""
    return formats.when(moment, zone, locale, zone=True)


def as_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id, "lane": message.lane, "kind": message.kind, "form": message.form,
        "recipient": message.recipient, "order_key": message.order_key, "ref": message.ref,
        "deal_id": message.deal_id, "status": message.status, "attempts": message.attempts,
        "last_error": message.last_error, "created_at": message.created_at.isoformat(),
        "next_attempt_at": message.next_attempt_at.isoformat(),
        "delivered_at": None if message.delivered_at is None else message.delivered_at.isoformat(),
    }  # fmt: skip


def attempt_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "at": attempt.at.isoformat(), "ok": attempt.ok, "status_code": attempt.status_code,
        "detail": attempt.detail, "duration_ms": attempt.duration_ms,
    }  # fmt: skip
