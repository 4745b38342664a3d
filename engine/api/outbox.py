"""The one outbox: messages waiting for the outside world, by lane, and e-mail sent.

Part of the public face adapters import (see :mod:`engine.api`). Adapters reach
the outbox itself through ``engine.outbox`` (:class:`engine.facade.outbox.Outbox`).
"""

from engine.outbox import queue
from engine.outbox.mailings import SentMail
from engine.outbox.queue import LANES, WAITING, Attachment, Attempt, Message, Outcome

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
