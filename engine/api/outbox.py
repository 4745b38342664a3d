"""Messages waiting for the outside world and e-mail sent.

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.outbox import queue
from engine.outbox.mailings import SentMail
from engine.outbox.queue import WAITING, Message, Outcome

__all__ = [
    "WAITING",
    "Message",
    "Outcome",
    "SentMail",
    "queue",
]
