"""MIME to a plain dataclass: a pure function of the raw bytes, tolerant of broken mail.

It knows nothing of SMTP or of the engine and never raises on bad input:
unknown charsets, 8-bit garbage in headers, broken boundaries and bad
base64 all yield the best text that can be read, with the defects listed.
It uses the ``compat32`` policy (ten times faster than ``policy.default``)
and decodes headers itself; address headers go through the modern header
parser, which understands encoded words inside display names.

Hostile mail must not stall intake, so what reaches the slow steps is capped:
a header value is read up to ``MAX_HEADER`` characters (a Subject of 100,000
encoded words took 17 s to decode), HTML up to ``MAX_HTML`` characters before
it is made text (in linear time, :mod:`ingest.text`), the body text up to
``MAX_TEXT``, and at most ``MAX_PARTS`` MIME parts are read. Whatever still
takes too long is stopped by the processor's deadline. A body of binary data
is flagged ``unreadable`` (the engine holds such mail for review), control
characters are taken out of the text, and the Subject keeps no raw encoded
word and no control character.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.policy import default as modern
from email.utils import getaddresses

from engine.api.mail import FormData
from ingest import forms, nesting
from ingest.text import html_to_text, trim_reply

MAX_DEPTH = 20
MAX_PARTS = 500
MAX_REFERENCES = 50
MAX_SUBJECT = 998
MAX_FILENAME = 200
MAX_HEADER = 8192
MAX_ADDRESS_HEADER = 2000
MAX_COMMENT_DEPTH = 8
MAX_HTML = 500_000
MAX_TEXT = 200_000
UNREADABLE_SHARE = 0.10  # past this share of control or undecodable characters: binary data
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bqBQ]\?[^?\s]*\?=")
_RAW_WORD = re.compile(r"=\?[^?\s]*\?[^?\s]*\?[^?\s]*\?=")  # what decoding left encoded
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SUBJECT_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_MSGID = re.compile(r"<([^<>\s]+)>")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_SCORE = re.compile(r"score=(-?\d+(?:\.\d+)?)", re.I)


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str | None = None
    subject: str = ""
    from_name: str = ""
    from_email: str = ""
    reply_to_name: str = ""
    reply_to_email: str = ""
    references: tuple[str, ...] = ()  # In-Reply-To first, then References newest first
    text: str = ""
    note: str = ""
    html_only: bool = False
    attachments: tuple[Attachment, ...] = ()
    automated: str | None = None  # auto_reply, bounce, list, bulk
    form: FormData | None = None
    spam_score: float | None = None
    defects: tuple[str, ...] = ()
    has_from: bool = True
    unreadable: bool = False
    too_deep: bool = False  # nested past ``nesting.MAX_NESTING``: read up to there


def parse(raw: bytes) -> ParsedMail:
    """Read a message; whatever the input, return what could be understood."""
    msg, too_deep = nesting.read(raw)  # past nesting.MAX_NESTING: cut, and held for review
    headers = _raw_headers(msg)
    sender = _first_address(headers.get("from", ""))
    reply_to = _first_address(headers.get("reply-to", ""))
    plain, html, attachments = _bodies(msg)
    text, unreadable = readable(plain or html_to_text(html[:MAX_HTML]))
    note = trim_reply(text)
    return ParsedMail(
        message_id=_first_id(headers.get("message-id", "")),
        subject=clean_subject(headers.get("subject", "")),
        from_name=sender[0],
        from_email=sender[1],
        reply_to_name=reply_to[0],
        reply_to_email=reply_to[1],
        references=_references(headers),
        text=text,
        note=note,
        html_only=not plain and bool(html),
        attachments=tuple(attachments),
        automated=_automated(msg, headers),
        form=forms.extract(note),
        spam_score=_spam_score(headers),
        defects=_defects(msg),
        has_from="from" in headers,
        unreadable=unreadable,
        too_deep=too_deep,
    )


def parse_many(raws: list[bytes]) -> list[ParsedMail | str]:
    """Several messages in one call; errors as text."""
    return [parse_one(raw) for raw in raws]


def parse_one(raw: bytes) -> ParsedMail | str:
    """One message, or why it could not be read (``parse`` is meant never to raise)."""
    try:
        return parse(raw)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


# -- headers --------------------------------------------------------------------------


def _raw_headers(msg: Message) -> dict[str, str]:
    """The first value of each header, unfolded, 8-bit bytes read as UTF-8 or Windows-1252."""
    found: dict[str, str] = {}
    for name, value in msg.raw_items():
        key = str(name).strip().casefold()
        if key not in found:
            found[key] = _FOLD.sub("", _unsurrogate(str(value)[:MAX_HEADER])).strip()
    return found


def clean_subject(value: str) -> str:
    """The Subject decoded, without raw encoded words nor control characters, one line."""
    text = _RAW_WORD.sub(" ", decode_words(value))
    return " ".join(_SUBJECT_JUNK.sub(" ", text).split())[:MAX_SUBJECT]


def readable(text: str) -> tuple[str, bool]:
    """Body text without control characters, at most ``MAX_TEXT``; and whether it is binary."""
    text = text[:MAX_TEXT]
    kept = _CONTROL.sub("", text.replace("\r", "\n"))
    junk = len(text) - len(kept) + kept.count("\ufffd")
    return kept, junk > UNREADABLE_SHARE * len(text)


def _unsurrogate(text: str) -> str:
    if text.isascii():
        return text
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return decode_bytes(data, None)


def decode_words(value: str) -> str:
    """An unstructured header (Subject) with its RFC 2047 encoded words decoded."""
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
    except Exception:
        return _ENCODED_WORD.sub(lambda m: _decode_word(m.group(0)), value)
    return "".join(map(_header_part, parts))


def _header_part(part: tuple[bytes | str, str | None]) -> str:
    data, charset = part
    if isinstance(data, str):
        return data
    if charset is None:  # text around the encoded words, which decode_header escaped
        return data.decode("raw-unicode-escape", errors="replace")
    return decode_bytes(data, charset)


def _decode_word(word: str) -> str:
    try:
        (data, charset), *_ = decode_header(word)
    except Exception:
        return word
    return data if isinstance(data, str) else decode_bytes(data, charset)


def _first_address(value: str) -> tuple[str, str]:
    for name, address in _addresses(value):
        return name, address
    return "", ""


def _addresses(value: str) -> list[tuple[str, str]]:
    if not value:
        return []
    value = _shallow(value[:MAX_ADDRESS_HEADER])
    try:
        header = modern.header_factory("from", value)
        pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
    except Exception:
        pairs = [(decode_words(n), a) for n, a in getaddresses([value])]
    return [(name.strip(), address.strip()) for name, address in pairs if "@" in address]


def _shallow(value: str) -> str:
    """Comments nested deeper than a few levels become text: both address parsers recurse."""
    if value.count("(") <= MAX_COMMENT_DEPTH:
        return value
    depth = deepest = 0
    for char in value:
        depth = max(0, depth + (char == "(") - (char == ")"))
        deepest = max(deepest, depth)
    return value if deepest <= MAX_COMMENT_DEPTH else value.replace("(", " ").replace(")", " ")


def _first_id(value: str) -> str | None:
    match = _MSGID.search(value)
    return match.group(1) if match else (value.strip() or None)


def _references(headers: dict[str, str]) -> tuple[str, ...]:
    ids = _MSGID.findall(headers.get("in-reply-to", ""))
    ids += reversed(_MSGID.findall(headers.get("references", "")))
    unique = list(dict.fromkeys(ids))
    return tuple(unique[:MAX_REFERENCES])


def _spam_score(headers: dict[str, str]) -> float | None:
    for name in ("x-spam-score", "x-spam-status", "x-rspamd-score"):
        value = headers.get(name, "")
        match = _SCORE.search(value) if "score=" in value.lower() else None
        text = match.group(1) if match else value.split(" ")[0]
        try:
            return float(text)
        except ValueError:
            continue
    return None


def _automated(msg: Message, headers: dict[str, str]) -> str | None:
    auto = headers.get("auto-submitted", "").strip().casefold()
    if auto and not auto.startswith("no"):
        return "auto_reply"
    if "x-autoreply" in headers or "x-autorespond" in headers:
        return "auto_reply"
    report = _report_kind(msg)
    if report:
        return report
    precedence = headers.get("precedence", "").strip().casefold()
    if precedence in ("bulk", "junk"):
        return "bulk"
    if precedence == "list" or "list-id" in headers or "list-unsubscribe" in headers:
        return "list"
    return None


def _report_kind(msg: Message) -> str | None:
    if msg.get_content_type() != "multipart/report":
        return None
    kind = str(msg.get_param("report-type", "") or "").casefold()
    return "bounce" if kind in ("delivery-status", "") else "auto_reply"


def _defects(msg: Message) -> tuple[str, ...]:
    names: list[str] = []
    for part in _walk(msg):
        names.extend(type(d).__name__ for d in part.defects)
    return tuple(dict.fromkeys(names))[:20]


# -- bodies and attachments --------------------------------------------------------------


def _walk(msg: Message) -> Iterator[Message]:
    """The message's parts, depth first: at most ``MAX_PARTS``, ``MAX_DEPTH`` deep."""
    parts = _parts(msg, 0)
    for _, part in zip(range(MAX_PARTS), parts, strict=False):
        yield part


def _parts(part: Message, depth: int) -> Iterator[Message]:
    yield part
    if depth >= MAX_DEPTH or not part.is_multipart():
        return
    if depth > 0 and part.get_content_type() == "message/rfc822":
        return  # an attached message is an attachment, not our body
    payload = part.get_payload()
    for sub in payload if isinstance(payload, list) else []:
        if isinstance(sub, Message):
            yield from _parts(sub, depth + 1)


def _bodies(msg: Message) -> tuple[str, str, list[Attachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for part in _walk(msg):
        kind = part.get_content_type()
        if part.is_multipart() and not (part is not msg and kind == "message/rfc822"):
            continue
        if kind.startswith("multipart/"):
            kind = "text/plain"  # its boundary was never found: read it as text
        if _is_body(part, kind):
            (plain if kind == "text/plain" else html).append(part_text(part))
        elif kind != "message/delivery-status" or _filename(part):
            attachments.append(_attachment(part, kind, len(attachments) + 1))
    return "\n\n".join(p for p in plain if p.strip()), "\n".join(html), attachments


def _is_body(part: Message, kind: str) -> bool:
    if kind not in ("text/plain", "text/html"):
        return False
    disposition = str(part.get("content-disposition", "")).split(";")[0].strip().casefold()
    return disposition != "attachment" and not _filename(part)


def part_text(part: Message) -> str:
    data = _payload(part)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(data, charset).replace("\r\n", "\n")


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text in its declared charset, else UTF-8 (UTF-16 after its BOM), else Windows-1252."""
    declared = _known(charset)
    bom = None if declared else _bom(data)
    for candidate in (declared, bom, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate)
            except (UnicodeDecodeError, LookupError):
                continue
    try:
        return data.decode(declared or "cp1252", errors="replace")
    except LookupError:
        return data.decode("cp1252", errors="replace")


def _bom(data: bytes) -> str | None:
    return "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else None


def _known(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        info = codecs.lookup(charset.strip().strip('"'))
    except (LookupError, ValueError):
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:
        name = ""
    if isinstance(name, tuple):  # an undecodable RFC 2231 value
        name = str(name[2])
    text = decode_words(_unsurrogate(str(name)))
    return re.split(r"[/\\]", text)[-1].strip()[:MAX_FILENAME]


def _attachment(part: Message, kind: str, number: int) -> Attachment:
    if kind == "message/rfc822":
        content = _embedded_bytes(part)
        return Attachment(_filename(part) or f"message-{number}.eml", kind, content)
    name = _filename(part) or f"attachment-{number}"
    return Attachment(name, kind, _payload(part))


def _embedded_bytes(part: Message) -> bytes:
    try:
        inner = part.get_payload(0)
        return inner.as_bytes(policy=compat32) if isinstance(inner, Message) else b""
    except Exception:
        return b""
