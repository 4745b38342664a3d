"""How deep a message nests, capped before Python's e-mail parser recurses into it.

The standard parser reads each nested ``multipart`` or ``message/rfc822`` part
one level of recursion deeper: a hostile message nested 2,000 levels deep
raised a ``RecursionError`` and the mail was failed. A linear pre-scan of the
raw bytes follows the nesting — boundaries declared, parts closed by their
delimiter lines, attached messages — and when it passes :data:`MAX_NESTING`
the message is cut where the level too deep begins: what lies above the cap
is parsed as usual and the mail is flagged ``too_deep``, which the engine holds
for review with that reason. Should the parser still recurse too deep, only
the headers are read, with the same flag.
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

MAX_NESTING = 50  # levels of parts in parts; real mail nests a handful, the parser ~700
_MARKS = re.compile(
    rb'boundary\s*=\s*(?:"(?P<quoted>[^"\r\n]{1,200})"|(?P<bare>[^\s;"]{1,200}))'
    rb"|^content-type:[ \t]*(?P<message>message/)"
    rb"|^--(?P<delimiter>[^\r\n]{1,202}?)[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_MESSAGE = b""  # a level opened by an attached message: closed with its enclosing part


def read(raw: bytes) -> tuple[Message, bool]:
    """The parsed message and whether it nested past the cap (then cut, or headers only)."""
    cut = cut_at(raw)
    try:
        message = message_from_bytes(raw if cut is None else raw[:cut], policy=compat32)
    except RecursionError:
        return BytesHeaderParser(policy=compat32).parsebytes(raw), True
    return message, cut is not None


def cut_at(raw: bytes) -> int | None:
    """Where the first level past :data:`MAX_NESTING` begins, or None when none does."""
    lowered = raw.lower()  # each level opened names one of these: few of them, nothing deep
    if lowered.count(b"boundary") + lowered.count(b"message/") <= MAX_NESTING:
        return None
    open_levels: list[bytes] = []
    for mark in _MARKS.finditer(raw):
        delimiter = mark.group("delimiter")
        if delimiter is not None:
            _close(open_levels, delimiter)
            continue
        boundary = mark.group("quoted") or mark.group("bare")
        open_levels.append(_MESSAGE if boundary is None else boundary)
        if len(open_levels) > MAX_NESTING:
            return raw.rfind(b"\n", 0, mark.start()) + 1
    return None


def _close(open_levels: list[bytes], delimiter: bytes) -> None:
    """A delimiter line of an open boundary closes what was opened inside that part."""
    closing = delimiter.endswith(b"--")
    name = delimiter[:-2] if closing else delimiter
    if name not in open_levels:
        return  # a line of text that happens to start with "--"
    index = len(open_levels) - 1 - open_levels[::-1].index(name)
    del open_levels[index + (0 if closing else 1) :]
