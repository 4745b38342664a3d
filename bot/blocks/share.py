"""The **Share in channel** button of a card answered privately (bot/listeners/share.py)."""

from __future__ import annotations

from bot.blocks.common import Block, button
from bot.blocks.values import pack
from bot.i18n import t

SHARE = "share_card"  # value ``deal|42``, ``lead|7``, ``quote|3``: the card to post publicly


def share_button(kind: str, record_id: int, locale: str) -> Block:
    return button(SHARE, t(locale, "share_button"), pack(kind, record_id))
