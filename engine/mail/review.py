"""Mail a person must look at before it becomes a record, and titles a person can read.

A headerless binary message once became the lead "x@y.fr" (its envelope
sender) with binary garbage for text, announced in Slack; a malformed encoded
subject became the title ``=?bogus?x?abc?=``. Such mail is now held for review
with its reason, and ``run.py mail release`` processes it anyway once a person
has looked:

* ``no_sender`` — the message names nobody: it has no From header, or no
  address and no name can be read from it (a website form's visitor counts);
* ``unreadable`` — its body is binary data, not text;
* ``too_deep`` — its parts nest deeper than the parser reads (a hostile message):
  it was read down to the cap only;
* ``no_text`` — nothing to read: no subject, no body text, no attachment.

Titles and subjects are cleaned here too: no control or bidirectional-override
characters, single spaces, a bounded length.
"""

from __future__ import annotations

import re

from engine.mail.incoming import IncomingMail
from engine.mail.prospect import Prospect

# Control characters (white space aside), zero-width space, bidirectional overrides, BOM.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"\s+")


def review_reason(mail: IncomingMail, prospect: Prospect) -> str | None:
    """Why this mail must wait for a person (``held``), or ``None`` when it can be used."""
    if not _names_someone(mail, prospect):
        return "no_sender"
    if mail.unreadable:
        return "unreadable"
    if mail.too_deep:  # what lies past the cap was not read: a person decides
        return "too_deep"
    if not (mail.subject.strip() or mail.text.strip() or mail.attachments):
        return "no_text"
    return None


def _names_someone(mail: IncomingMail, prospect: Prospect) -> bool:
    """A From header naming an address (else the envelope's), or a form's visitor."""
    if prospect.email is None and not prospect.name:
        return False
    return mail.has_from or prospect.is_form


def clean_line(text: str, limit: int) -> str:
    """One line a person reads: no control characters, single spaces, at most ``limit`` long."""
    flat = _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()
    return flat[:limit].rstrip()
