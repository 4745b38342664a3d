"""The engine's notifications (blueprint *After* actions, escalations, workflow notices,
reminders), rendered for Slack when the bot delivers them.

The engine writes each one as a message of the outbox's slack lane, in the
transaction that causes it; its recipient is ``channel:<id>`` or
``user:<slack id | e-mail>``. The Slack lane's deliverer (:mod:`bot.outbox`)
claims it with the bot's own messages, in order per recipient, and asks this
module what it looks like; nothing is copied from one queue to another.
"""

from __future__ import annotations

from typing import Any

from bot.blocks.common import escape, section
from engine.api.outbox import Message

# The records the notifier announces in a channel (bot.notifier.NOTICED): a
# notification about one of them answers in its notice's thread.
THREADED = ("lead", "deal")


def message_payload(message: Message) -> dict[str, Any]:
    """What Slack shows; about a record, it answers in the thread of the record's notice.

    A workflow reacting to a record's creation may be queued before the notice
    itself: such a message waits for it (``notice_coming``) rather than being a
    second announcement of the same lead in the channel.
    """
    text = str(message.payload.get("text") or "")
    payload: dict[str, Any] = {"text": text, "blocks": [section(escape(text))] if text else []}
    record = str(message.payload.get("record") or "")
    if record.partition(":")[0] in THREADED:
        payload["thread_of"] = record
        payload["notice_coming"] = str(message.payload.get("record_event", "")).endswith("created")
    return payload


def slack_member(target: str) -> str | None:
    """A ``user:`` target that is already a Slack member id (``U…``/``W…``), else None."""
    return target if target[:1] in ("U", "W") and "@" not in target else None
