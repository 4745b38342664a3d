"""An HTML tokenizer that reads each character of a document a bounded number of times.

``html.parser.HTMLParser`` (Python 3.11) searches the rest of the document
again for every ``<`` that does not close: 20 KB of ``<a `` took 4 s to read,
and a 2.5 MB mail of table rows was still being read after 400 s while every
later mail waited. This scanner finds the end of each construct with one
forward search and, when a construct never ends, takes the rest of the
document as that construct (as browsers do), so its cost grows linearly with
the document whatever the input.

It reports what the text extractor (:mod:`ingest.text`) needs: start tags
with their attributes, end tags, and text with its character references
decoded. Comments, declarations and processing instructions are skipped, and
so is the content of ``script`` and ``style``.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Protocol

Attrs = list[tuple[str, str | None]]

_OPENS = re.compile(r"<[a-zA-Z!?/]")  # what else follows a "<" is text
_NAME = re.compile(r"[a-zA-Z][^\t\n\f\r />]*")
_SPACE = re.compile(r"[\s/]*")
_ATTR_NAME = re.compile(r"=?[^\s/>=]*")
_EQUALS = re.compile(r"\s*=\s*")
_UNQUOTED = re.compile(r"[^\s>]*")
_RAW_END = {tag: re.compile(rf"</{tag}[\s/>]", re.I) for tag in ("script", "style")}


class Handler(Protocol):
    """What receives the tokens (the same three methods as ``HTMLParser``'s)."""

    def handle_starttag(self, tag: str, attrs: Attrs) -> None: ...

    def handle_endtag(self, tag: str) -> None: ...

    def handle_data(self, data: str) -> None: ...


def scan(html: str, handler: Handler) -> None:
    """Feed ``html`` to ``handler`` as tags and text, in one pass; never raises on bad HTML."""
    pos = search = 0
    end = len(html)
    while pos < end:
        lt = html.find("<", search)
        lt = end if lt < 0 else lt
        if lt < end and not _OPENS.match(html, lt):
            search = lt + 1  # a "<" that opens nothing is text
            continue
        if lt > pos:
            handler.handle_data(unescape(html[pos:lt]))
        pos = search = _markup(html, lt, handler) if lt < end else end


def _markup(html: str, at: int, handler: Handler) -> int:
    """Read the construct opening at ``at`` (a ``<``); returns where the next one starts."""
    follower = html[at + 1]
    if follower == "!" and html.startswith("<!--", at):
        return _past(html, "-->", at + 4)
    if follower in "!?":
        return _past(html, ">", at + 2)
    closing = follower == "/"
    name = _NAME.match(html, at + 2 if closing else at + 1)
    if name is None:
        return _past(html, ">", at + 2)  # "</>" or "</ x>": ignored, like a comment
    return _tag(html, name, closing, handler)


def _tag(html: str, name: re.Match[str], closing: bool, handler: Handler) -> int:
    tag = name.group().lower()
    attrs, pos = _attributes(html, name.end())
    if pos < 0:
        return len(html)  # never closed: the rest of the document was that tag
    if closing:
        handler.handle_endtag(tag)
        return pos
    handler.handle_starttag(tag, attrs)
    raw = _RAW_END.get(tag)
    if raw is None:
        return pos
    found = raw.search(html, pos)  # script and style: their content is not text
    return len(html) if found is None else found.start()


def _attributes(html: str, pos: int) -> tuple[Attrs, int]:
    """A tag's attributes and the position past its ``>`` (-1: the tag never ends)."""
    attrs: Attrs = []
    if html.startswith(">", pos):
        return attrs, pos + 1  # no attribute: most tags
    end = len(html)
    while True:
        pos = _match(_SPACE, html, pos).end()
        if pos >= end:
            return attrs, -1
        if html[pos] == ">":
            return attrs, pos + 1
        name = _match(_ATTR_NAME, html, pos)  # takes at least one character
        value, pos = _value(html, name.end())
        if pos < 0:
            return attrs, -1
        attrs.append((name.group().lower(), value))


def _value(html: str, pos: int) -> tuple[str | None, int]:
    equals = _EQUALS.match(html, pos)
    if equals is None:
        return None, pos
    start = equals.end()
    quote = html[start : start + 1]
    if quote in ('"', "'"):
        close = html.find(quote, start + 1)
        return (None, -1) if close < 0 else (unescape(html[start + 1 : close]), close + 1)
    unquoted = _match(_UNQUOTED, html, start)
    return unescape(unquoted.group()), unquoted.end()


def _match(pattern: re.Pattern[str], html: str, pos: int) -> re.Match[str]:
    """A pattern that matches the empty string always matches."""
    found = pattern.match(html, pos)
    assert found is not None
    return found


def _past(html: str, token: str, start: int) -> int:
    found = html.find(token, start)
    return len(html) if found < 0 else found + len(token)
