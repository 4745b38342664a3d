"""Block Kit building blocks: small pure functions returning plain dicts.

Limits that matter (Slack): a section's text ≤ 3000 characters, a button's
text ≤ 75, its value ≤ 2000, a header ≤ 150, a message or modal ≤ 50 / 100
blocks, a modal's title ≤ 24 characters, an option's text ≤ 75 and value ≤
150, ≤ 10 checkboxes, ≤ 100 options in a static select. The tests' fake
Slack refuses any payload past them (``tests/fakes/block_limits.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Block = dict[str, Any]
MESSAGE_BLOCKS = 50  # a message (or a response_url answer) holds at most 50 blocks


@dataclass(frozen=True, slots=True)
class Message:
    """What the bot says: ``text`` for notifications and screen readers, ``blocks`` to show."""

    text: str
    blocks: list[Block] = field(default_factory=list)


def escape(text: str) -> str:
    """Slack's three control characters, so user text never becomes a mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, 3000) or " "}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def section(text: str, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def text_sections(lines: list[str], limit: int = 3000) -> list[Block]:
    """Lines as few sections as fit, none past ``limit`` characters (no line is lost)."""
    chunks: list[list[str]] = [[]]
    size = 0
    for line in lines:
        if chunks[-1] and size + len(line) + 1 > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    return [section("\n".join(chunk)) for chunk in chunks if chunk]


def fields(pairs: list[tuple[str, str]]) -> Block:
    """A section of up to ten ``*label*\\nvalue`` cells, two per row."""
    cells = [mrkdwn(f"*{label}*\n{value}") for label, value in pairs[:10]]
    return {"type": "section", "fields": cells}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10] if t]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    action_id: str, text: str, value: str = "", style: str | None = None, url: str | None = None
) -> Block:
    element: Block = {"type": "button", "action_id": action_id, "text": plain(text, 75)}
    if value:
        element["value"] = value[:2000]
    if style in ("primary", "danger"):
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(elements: list[Block], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": elements[:25]}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> Block:
    return {"text": plain(text, 75), "value": value[:150]}


def overflow(action_id: str, options: list[tuple[str, str]]) -> Block:
    return {
        "type": "overflow",
        "action_id": action_id,
        "options": [option(text, value) for text, value in options[:5]],
    }


def mention(slack_id: str | None, name: str) -> str:
    return f"<@{slack_id}>" if slack_id else escape(name)
