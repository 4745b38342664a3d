"""Inbound mail: raw mail, intake decisions and routing policy.

Part of the public face adapters import (see :mod:`engine.api`)."""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
    from engine.mail.inbox import Delivery, MailRecord, RawMail, address_key, copies, deliveries
    from engine.mail.incoming import Address, AttachmentData, FormData, IncomingMail
    from engine.mail.intake import Outcome, oldest_waiting
    from engine.mail.routes import IntakePolicy, OwnerRule, RecipientMatch, Route
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "Address": "engine.mail.incoming",
            "AttachmentData": "engine.mail.incoming",
            "Delivery": "engine.mail.inbox",
            "FormData": "engine.mail.incoming",
            "IncomingMail": "engine.mail.incoming",
            "IntakePolicy": "engine.mail.routes",
            "MailRecord": "engine.mail.inbox",
            "Outcome": "engine.mail.intake",
            "OwnerRule": "engine.mail.routes",
            "RawMail": "engine.mail.inbox",
            "RecipientMatch": "engine.mail.routes",
            "Route": "engine.mail.routes",
            "address_key": "engine.mail.inbox",
            "copies": "engine.mail.inbox",
            "deliveries": "engine.mail.inbox",
            "oldest_waiting": "engine.mail.intake",
        },
    )

__all__ = [
    "Address",
    "AttachmentData",
    "Delivery",
    "FormData",
    "IncomingMail",
    "IntakePolicy",
    "MailRecord",
    "Outcome",
    "OwnerRule",
    "RawMail",
    "RecipientMatch",
    "Route",
    "address_key",
    "copies",
    "deliveries",
    "oldest_waiting",
]
