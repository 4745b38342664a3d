"""The chat adapter's durable state: request journal, Slack outbox, message links.

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.chat import store
from engine.chat.store import Answer, RequestKeys

__all__ = [
    "Answer",
    "RequestKeys",
    "store",
]
