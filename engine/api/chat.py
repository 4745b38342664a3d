"""The chat adapter's durable state: request journal, Slack outbox, message links.

Part of the public face adapters import (see :mod:`engine.api`)."""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
    from engine.chat import store
    from engine.chat.store import Answer, RequestKeys
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "Answer": "engine.chat.store",
            "RequestKeys": "engine.chat.store",
            "store": "engine.chat.store:",
        },
    )

__all__ = [
    "Answer",
    "RequestKeys",
    "store",
]
