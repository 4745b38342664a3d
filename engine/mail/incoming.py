"""A received mail as the engine sees it: plain dataclasses, nothing of MIME or SMTP.

They live apart from :mod:`engine.mail.intake` (which decides what a mail becomes)
so that the parse worker process, which builds them, imports nothing else of
the engine: it starts in a fraction of the time and memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Creates = Literal["lead", "deal"]


@dataclass(frozen=True, slots=True)
class Address:
    email: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class FormData:
    """Fields a website contact form put in its mail (see ``ingest.forms``)."""

    name: str = ""
    first_name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    message: str = ""
    subject: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AttachmentData:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class IncomingMail:
    """A stored mail, parsed: what the engine needs to decide, nothing of MIME or SMTP."""

    mail_id: int
    subject: str = ""
    sender: Address | None = None
    reply_to: Address | None = None
    references: tuple[str, ...] = ()  # In-Reply-To first, then References newest first
    text: str = ""  # the whole body as text
    note: str = ""  # the body without quoted replies and signature
    attachments: tuple[AttachmentData, ...] = ()
    automated: str | None = None  # auto_reply, bounce, list, bulk
    form: FormData | None = None
    spam_score: float | None = None
    has_from: bool = True  # the message has a From header (a headerless one has none)
    unreadable: bool = False  # the body is binary data, not text a person can read
    too_deep: bool = False  # parts nested past the parser's cap: read only down to it
