"""What makes two deliveries the same message: its Message-ID, or its content.

A redelivery is the same content, Message-ID included, hashed without the trace
headers each relay adds (``Received:``…); both are read without a full MIME parse,
before the SMTP ``250``. :mod:`engine.mail.inbox` keys a message's first row by
:func:`dedupe_key`.
"""

from __future__ import annotations

import hashlib
import re

MAX_MESSAGE_ID = 998
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id[ \t]*:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", re.I | re.M)
_ANGLE = re.compile(rb"<([^<>\s]+)>")
_TRACE_NAMES = rb"received|return-path|delivered-to|x-original-to|x-received"
_TRACE = re.compile(rb"^(" + _TRACE_NAMES + rb")[ \t]*:.*(?:\r?\n[ \t].*)*\r?\n?", re.I | re.M)


def header_block(raw: bytes) -> bytes:
    match = _HEADER_END.search(raw)
    return raw if match is None else raw[: match.start()]


def message_id(raw: bytes) -> str | None:
    """The Message-ID without its angle brackets, read without a full MIME parse."""
    match = _MESSAGE_ID.search(header_block(raw))
    if match is None:
        return None
    value = match.group(1)
    angle = _ANGLE.search(value)
    token = angle.group(1) if angle else value.strip()
    text = token.decode("ascii", errors="replace").strip()
    return text[:MAX_MESSAGE_ID] or None


def content_hash(raw: bytes) -> str:
    """SHA-256 of the message without the trace headers relays add on the way."""
    match = _HEADER_END.search(raw)
    headers, body = (raw, b"") if match is None else (raw[: match.start()], raw[match.end() :])
    stable = _TRACE.sub(b"", headers.replace(b"\r\n", b"\n") + b"\n")
    return hashlib.sha256(stable + b"\n\n" + body.replace(b"\r\n", b"\n")).hexdigest()


def dedupe_key(raw: bytes) -> tuple[str, str | None, str]:
    """``(key, message_id, content_hash)``: the key of a message's first row."""
    digest = content_hash(raw)
    mid = message_id(raw)
    return (f"mid:{mid}" if mid else f"sha256:{digest}"), mid, digest
