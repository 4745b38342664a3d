"""The "Edit" form of a deal: its fields as a person types them.

Amount and expected close are text inputs read like everything a rep types
(``7 500 €``, ``31/12/2026``: :mod:`engine.text.typed`), shown as the reader
writes them; the owner is a Slack user picker; the stars a choice; origin,
campaign, the referring contact's e-mail and the deal's custom values are
text. A field the deal's blueprint protects carries a hint naming the
transition that records it (the engine refuses a change to it anyway).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bot.blocks.common import Block, button, escape, option, section
from bot.blocks.forms import input_block, text_element
from bot.blocks.modals import modal
from bot.blocks.values import pack
from bot.i18n import field_label, t
from engine.api import formats
from engine.api.crm import Deal

CALLBACK = "deal_edit"
ACTION = "deal_edit"
CUSTOM = "custom."
CUSTOM_BLOCK = "custom:"  # a custom value's input: custom:<name>
MAX_CUSTOM = 20
STARS = 3
# The fixed inputs: engine field → block id.
BLOCKS = {
    "expected_revenue": "amount", "expected_close": "close", "owner": "owner",
    "priority": "stars", "origin": "origin", "campaign": "campaign", "referred_by": "referral",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class EditForm:
    """What the form shows: the deal, its owner's Slack id, its referrer's e-mail."""

    deal: Deal
    owner_slack_id: str | None = None
    referral: str = ""
    protected: Mapping[str, Sequence[str]] = field(default_factory=dict)


def edit_button(deal: Deal, locale: str) -> Block:
    """The card's "Edit" button: the deal and the version the card shows."""
    return button(ACTION, t(locale, "deal_edit"), pack(deal.id, deal.version))


def custom_names(deal: Deal) -> list[str]:
    """The deal's custom values a text input can edit (scalars), by name."""
    names = [
        name for name, value in deal.custom.items()
        if isinstance(value, str | int | float | Decimal) and not isinstance(value, bool)
        and 0 < len(name) <= 200
    ]  # fmt: skip
    return sorted(names)[:MAX_CUSTOM]


def blocks_of(deal: Deal) -> dict[str, str]:
    """Engine field → input block id, custom values included (for the field errors)."""
    found = dict(BLOCKS)
    found.update({CUSTOM + name: CUSTOM_BLOCK + name for name in custom_names(deal)})
    return found


def amount_text(value: Decimal | None, currency: str, locale: str) -> str:
    return "" if value is None else formats.money(value, currency, locale)


def day_text(value: date | None, locale: str) -> str:
    """A day as the reader types it: ``31/12/2026`` in French, ``December 31, 2026`` else."""
    if value is None:
        return ""
    if locale.startswith("fr"):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    return f"{calendar.month_name[value.month]} {value.day}, {value.year}"


def stars_options(locale: str) -> list[Block]:
    return [option(t(locale, "edit_no_stars"), "0")] + [
        option("★" * n, str(n)) for n in range(1, STARS + 1)
    ]


def _hint(form: EditForm, name: str, locale: str, usual: str = "") -> str:
    names = form.protected.get(name)
    if names:
        return t(locale, "edit_protected_hint", transitions=", ".join(names))
    return usual


def _text(
    form: EditForm, name: str, label: str, current: str, locale: str, usual: str = ""
) -> Block:
    block = BLOCKS.get(name) or CUSTOM_BLOCK + name.removeprefix(CUSTOM)
    hint = _hint(form, name, locale, usual)
    return input_block(block, label, text_element(current), optional=True, hint=hint)


def edit_modal(form: EditForm, locale: str, metadata: str) -> Block:
    deal = form.deal
    owner: Block = {"type": "users_select"}
    if form.owner_slack_id:
        owner["initial_user"] = form.owner_slack_id
    stars: Block = {"type": "static_select", "options": stars_options(locale)}
    stars["initial_option"] = stars["options"][max(0, min(deal.priority, STARS))]
    blocks: list[Block] = [
        section(t(locale, "edit_intro", title=escape(f"#{deal.id} · {deal.title}"))),
        _text(
            form, "expected_revenue", field_label(locale, "expected_revenue"),
            amount_text(deal.expected_revenue, deal.currency, locale), locale,
            t(locale, "edit_amount_hint"),
        ),
        _text(
            form, "expected_close", field_label(locale, "expected_close"),
            day_text(deal.expected_close, locale), locale, t(locale, "edit_close_hint"),
        ),
        input_block(
            "owner", field_label(locale, "owner"), owner, optional=True,
            hint=_hint(form, "owner", locale),
        ),
        input_block(
            "stars", field_label(locale, "priority"), stars, hint=_hint(form, "priority", locale)
        ),
        _text(form, "origin", field_label(locale, "origin"), deal.origin or "", locale),
        _text(form, "campaign", field_label(locale, "campaign"), deal.campaign or "", locale),
        _text(
            form, "referred_by", field_label(locale, "referred_by_id"), form.referral, locale,
            t(locale, "edit_referral_hint"),
        ),
    ]  # fmt: skip
    for name in custom_names(deal):
        current = str(deal.custom[name])
        blocks.append(_text(form, CUSTOM + name, name[:2000], current, locale))
    return modal(
        CALLBACK, t(locale, "edit_title"), blocks, locale, submit=t(locale, "save"),
        metadata=metadata,
    )  # fmt: skip


def initial_values(view: Mapping[str, Any]) -> dict[str, Any]:
    """``{block_id: value}`` the form was opened with (Slack sends its blocks back)."""
    found: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if isinstance(block, dict) else None
        if not isinstance(element, dict) or "block_id" not in block:
            continue
        kind = element.get("type")
        if kind == "users_select":
            found[block["block_id"]] = element.get("initial_user")
        elif kind == "static_select":
            chosen = element.get("initial_option") or {}
            found[block["block_id"]] = chosen.get("value")
        else:
            found[block["block_id"]] = element.get("initial_value") or None
    return found
