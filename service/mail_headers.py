"""Header values of outbound e-mail, made safe where the message is built.

A subject or a file name is often text that came from outside: a deal's
title is a prospect's mail subject, and it goes into the shipped "deal won"
e-mail. A line break in a header value would end the header (header
injection); the standard library refuses it with an error, which used to
stop the whole outbox batch. So every header value passes through
:func:`header_text` first: line breaks (CR, LF, and Unicode's line and
paragraph separators) and the spaces around them fold into one space, tabs
become spaces, other control characters are removed.

Recipients are stricter: an address list that does not parse cleanly (an
RFC 5322 group, a missing domain, any parse defect) is refused with
:class:`Unbuildable`, since guessing could send mail to someone else.
"""

from __future__ import annotations

import re
from email.errors import NonASCIILocalPartDefect
from email.headerregistry import Address
from email.message import EmailMessage

from engine.api import Phrase

_BREAKS = re.compile(r"\s*[\r\n\v\f\x85\u2028\u2029]+\s*")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


class Unbuildable(ValueError):
    """The outbox message cannot become an e-mail; retrying would not change that.

    Its one argument is the reason, a :class:`Phrase` when Relais words it (the
    reader sees it in their language) or the library's own text."""

    @property
    def reason(self) -> str:
        return self.args[0] if isinstance(self.args[0], Phrase) else str(self)


def header_text(value: object) -> str:
    """``value`` as one header line: breaks folded to a space, control characters removed."""
    text = _BREAKS.sub(" ", str(value)).replace("\t", " ")
    return _CONTROLS.sub("", text).strip()


def recipients(value: object) -> tuple[str, tuple[str, ...]]:
    """The cleaned ``To`` value and its addresses; raises ``Unbuildable`` if any is unclear."""
    text = header_text(value)
    scratch = EmailMessage()
    try:
        scratch["To"] = text
        header = scratch["To"]
        addresses: tuple[Address, ...] = header.addresses
    except (ValueError, IndexError, TypeError):
        raise Unbuildable(Phrase("outbox.error.bad_recipient", address=repr(text))) from None
    grouped = any(group.display_name is not None for group in header.groups)
    # A non-ASCII local part is a valid internationalised address (sent with SMTPUTF8).
    defects = [d for d in header.defects if not isinstance(d, NonASCIILocalPartDefect)]
    unclear = defects or grouped or not addresses
    if unclear or not all(a.username and a.domain for a in addresses):
        raise Unbuildable(Phrase("outbox.error.bad_recipient", address=repr(text)))
    return text, tuple(a.addr_spec for a in addresses)
