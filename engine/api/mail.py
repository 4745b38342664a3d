"""Inbound mail: raw mail, intake decisions and routing policy.

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.mail.inbox import Delivery, MailRecord, RawMail, address_key, copies, deliveries
from engine.mail.incoming import Address, AttachmentData, FormData, IncomingMail
from engine.mail.intake import Outcome, oldest_waiting
from engine.mail.routes import IntakePolicy, OwnerRule, RecipientMatch, Route

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
