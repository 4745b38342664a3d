"""The one outbox: messages waiting for the outside world, by lane, and e-mail sent.

Part of the public face adapters import (see :mod:`engine.api`). Adapters reach
the outbox itself through ``engine.outbox`` (:class:`engine.facade.outbox.Outbox`).
"""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
    from engine.outbox import queue
    from engine.outbox.mailings import SentMail
    from engine.outbox.queue import LANES, WAITING, Attachment, Attempt, Message, Outcome
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "Attachment": "engine.outbox.queue",
            "Attempt": "engine.outbox.queue",
            "LANES": "engine.outbox.queue",
            "Message": "engine.outbox.queue",
            "Outcome": "engine.outbox.queue",
            "SentMail": "engine.outbox.mailings",
            "WAITING": "engine.outbox.queue",
            "queue": "engine.outbox.queue:",
        },
    )

__all__ = [
    "LANES",
    "WAITING",
    "Attachment",
    "Attempt",
    "Message",
    "Outcome",
    "SentMail",
    "queue",
]
