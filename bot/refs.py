"""Records named in Slack: ``D-42``, ``#D-42``, ``L-7`` in a message, and Relais links.

A deal's link is ``<RELAIS_PUBLIC_URL>deals/42``, a lead's ``<…>leads/7``
(:func:`link`). :func:`in_text` finds the references a person wrote (pure
functions): code (between backticks), links and mentions (``<…>``) are left
out, each record is named once, and at most :data:`MAX_REFS` are kept, so a
pasted list does not flood the thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_REFS = 3
KINDS = {"D": "deal", "L": "lead"}
PATHS = {"deal": "deals", "lead": "leads"}
_REF = re.compile(r"(?<![\w/#-])#?([DL])-(\d{1,9})(?![\w-])")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_ANGLED = re.compile(r"<[^>\n]*>")
_PATH = re.compile(r"^/(deals|leads)/(\d{1,9})/?$")


@dataclass(frozen=True, slots=True)
class Ref:
    """A record named in Slack: ``kind`` is ``deal`` or ``lead``."""

    kind: str
    id: int

    @property
    def code(self) -> str:
        """``D-42``, ``L-7``: how people write it."""
        return f"{self.kind[0].upper()}-{self.id}"


def in_text(text: str) -> list[Ref]:
    """The records a message names, in order, each once (at most :data:`MAX_REFS`)."""
    plain = _ANGLED.sub(" ", _CODE.sub(" ", text or ""))
    found: list[Ref] = []
    for letter, number in _REF.findall(plain):
        ref = Ref(KINDS[letter], int(number))
        if ref not in found:
            found.append(ref)
        if len(found) == MAX_REFS:
            break
    return found


def link(base: str, ref: Ref) -> str | None:
    """The record's Relais address, or None when no public address is set."""
    if not base:
        return None
    return f"{base.rstrip('/')}/{PATHS[ref.kind]}/{ref.id}"


def domain(base: str) -> str | None:
    """The host Slack unfurls links of (``relais.example.com``)."""
    return urlsplit(base).hostname if base else None


def from_link(base: str, url: str) -> Ref | None:
    """The record a Relais link points at (``…/deals/42``), or None for any other address."""
    if not base:
        return None
    home, there = urlsplit(base), urlsplit(url)
    if (there.hostname or "").lower() != (home.hostname or "").lower():
        return None
    prefix = home.path.rstrip("/")
    path = there.path
    if prefix:
        if not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix) :]
    matched = _PATH.match(path)
    if matched is None:
        return None
    return Ref("deal" if matched.group(1) == "deals" else "lead", int(matched.group(2)))
