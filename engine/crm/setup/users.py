"""Users synced to a set-up: the users listed are created or updated, others kept.

Managers are written before the people they manage, so that a manager named
by e-mail already exists; each change of an existing user is one line.
"""

from __future__ import annotations

from engine.crm import users
from engine.crm.records import User
from engine.crm.setup.changes import change_line
from engine.crm.users import UserDraft
from engine.errors import ValidationFailed
from engine.store.db import Tx
from engine.text.catalogue import Phrase

FIELDS = ("name", "email", "slack_id", "role", "locale", "timezone")


def sync_users(tx: Tx, wanted: tuple[UserDraft, ...]) -> list[str]:
    lines: list[str] = []
    for user in managers_first(wanted):
        lines += _sync_user(tx, user)
    return lines


def managers_first(wanted: tuple[UserDraft, ...]) -> list[UserDraft]:
    """Given order, except that a manager comes before the people they manage."""
    ordered: list[UserDraft] = []
    placed: set[str | None] = set()
    pending = list(wanted)
    while pending:  # without a cycle (the config refuses them) each pass places one
        ready = next((u for u in pending if u.manager is None or u.manager in placed), pending[0])
        pending.remove(ready)
        ordered.append(ready)
        placed.add(ready.email)
    return ordered


def _existing_user(tx: Tx, user: UserDraft) -> User | None:
    """The user ``upsert_user`` will update: by Slack id first, then by e-mail."""
    by_slack = users.find_user_row(tx.conn, user.slack_id) if user.slack_id else None
    by_email = users.find_user_row(tx.conn, user.email) if user.email else None
    if by_slack is not None and by_email is not None and by_slack["id"] != by_email["id"]:
        raise ValidationFailed(
            {
                f"user {user.email}": Phrase(
                    "user.slack_id_taken", slack_id=user.slack_id, name=by_slack["name"]
                )
            }
        )
    row = by_slack or by_email
    return None if row is None else User.from_row(row)


def _sync_user(tx: Tx, user: UserDraft) -> list[str]:
    before = _existing_user(tx, user)
    user_id, created = users.upsert_user(tx, user)
    if created or before is None:
        return [Phrase("config.change.user_created", email=user.email, role=user.role)]
    after = users.get_user(tx.conn, user_id)
    subject = Phrase("config.change.user", email=user.email)
    lines = [
        change_line(subject, field, getattr(before, field), getattr(after, field))
        for field in FIELDS
        if getattr(before, field) != getattr(after, field)
    ]
    if before.manager_id != after.manager_id:
        old_boss, new_boss = _email_of(tx, before.manager_id), _email_of(tx, after.manager_id)
        lines.append(change_line(subject, "manager", old_boss, new_boss))
    return lines


def _email_of(tx: Tx, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    row = tx.one("SELECT email, name FROM users WHERE id = ?", (user_id,))
    return None if row is None else str(row["email"] or row["name"])
