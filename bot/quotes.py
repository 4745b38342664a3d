"""Quotes from Slack: reading the quick line and the builder's state, pricing, saving.

* ``/crm quote 42`` opens the builder; ``/crm quote 42 POELE-GR8=1 TUBAGE-6M=2``
  prices and saves at once (:func:`quick_line`).
* The builder keeps its rows in the modal itself (``view.state``) and the
  revision of its block ids in ``private_metadata`` (see
  :mod:`bot.blocks.quote`); every click re-reads them, so nothing is kept
  in memory between two requests.

The engine does all the pricing; this module only reshapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bot import moves
from bot.blocks.common import Message
from bot.blocks.deal import MoveOption
from bot.blocks.quote import Row, product_block, qty_block, quantity_text, saved_message
from bot.blocks.quote import suggest_block as suggest_block
from bot.i18n import t
from bot.people import Who
from engine.api import Engine, NotFound, ValidationFailed
from engine.api.cpq import LineInput, PricedQuote, QuoteDraft, Saved

_ITEM = re.compile(r"^([^=\s]+)=(\S+)$")
_LINE_KEY = re.compile(r"^line (\d+)$")


@dataclass(frozen=True, slots=True)
class QuickLine:
    """``<deal id> CODE=QTY …``: the deal, the lines, and the tokens that are not lines."""

    deal_id: int | None
    items: tuple[tuple[str, str], ...] = ()
    bad: tuple[str, ...] = ()


def quick_line(text: str) -> QuickLine:
    words = text.split()
    if not words or not words[0].lstrip("#").isdigit():
        return QuickLine(None)
    items, bad = [], []
    for word in words[1:]:
        match = _ITEM.match(word)
        if match:
            items.append((match.group(1).upper(), match.group(2)))
        else:
            bad.append(word)
    return QuickLine(int(words[0].lstrip("#")), tuple(items), tuple(bad))


def opens_builder(rest: str) -> bool:
    """``quote 42`` alone: the builder modal (opened at once, filled in by the job)."""
    line = quick_line(rest)
    return line.deal_id is not None and not line.items and not line.bad


def quantity(text: str | None) -> Decimal | None:
    """A positive quantity (``2``, ``1,5``, ``0.5``), or None."""
    if text is None or not str(text).strip():
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


@dataclass
class Collected:
    """The builder's rows as typed, the draft they make, and what is wrong, by block id."""

    rows: list[Row] = field(default_factory=list)
    lines: list[LineInput] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)  # the product block of each draft line
    errors: dict[str, str] = field(default_factory=dict)

    def draft(self) -> QuoteDraft:
        return QuoteDraft(tuple(self.lines))


def rows_of(view: Mapping[str, Any], rev: int, count: int) -> list[Row]:
    """The rows of the builder as the person left them (``view.state``)."""
    state = (view.get("state") or {}).get("values") or {}
    rows = []
    for index in range(count):
        chosen = _first(state.get(product_block(rev, index))).get("selected_option") or {}
        typed = _first(state.get(qty_block(rev, index))).get("value")
        label = (chosen.get("text") or {}).get("text")
        rows.append(Row(chosen.get("value"), label, str(typed or "").strip()))
    return rows


def ticked(view: Mapping[str, Any], rev: int) -> list[str]:
    state = (view.get("state") or {}).get("values") or {}
    found = _first(state.get(suggest_block(rev))).get("selected_options") or []
    return [str(o.get("value")) for o in found if o.get("value")]


def _first(elements: Mapping[str, Any] | None) -> dict[str, Any]:
    for value in (elements or {}).values():
        return dict(value)
    return {}


async def collect(engine: Engine, rows: Sequence[Row], rev: int, locale: str) -> Collected:
    """Check each row against the catalogue; an empty row is left out."""
    found = Collected(list(rows))
    for index, row in enumerate(rows):
        if not row.code and not row.quantity.strip():
            continue
        product, qty = product_block(rev, index), qty_block(rev, index)
        if not row.code:
            found.errors[product] = t(locale, "quote_pick_product")
            continue
        try:
            item = await engine.products.get(row.code)
        except NotFound:
            found.errors[product] = t(locale, "quote_unknown_product", code=row.code)
            continue
        if not item.active:
            found.errors[product] = t(locale, "quote_inactive_product", code=row.code)
            continue
        amount = quantity(row.quantity or "1")
        if amount is None:
            found.errors[qty] = t(locale, "quote_bad_quantity", value=row.quantity)
            continue
        found.lines.append(LineInput(item.code, amount))
        found.blocks.append(product)
    if not found.lines and not found.errors and rows:
        found.errors[product_block(rev, 0)] = t(locale, "quote_no_lines")
    return found


def engine_errors(exc: ValidationFailed, collected: Collected, fallback: str) -> dict[str, str]:
    """The engine's ``line N`` errors on the product block of that line."""
    errors: dict[str, str] = {}
    for key, text in exc.errors.items():
        match = _LINE_KEY.match(key)
        index = int(match.group(1)) - 1 if match else -1
        block = collected.blocks[index] if 0 <= index < len(collected.blocks) else fallback
        errors[block] = f"{errors[block]} — {text}" if block in errors else str(text)
    return errors


def rows_from(priced: PricedQuote) -> list[Row]:
    """The rep's own lines of a priced quote, back as builder rows."""
    return [
        Row(line.code, f"{line.code} — {line.name}"[:75], quantity_text(line.quantity))
        for line in priced.lines
        if line.input is not None and line.code is not None
    ]


async def quick_draft(engine: Engine, line: QuickLine, locale: str) -> QuoteDraft:
    """The quick line's draft; every bad item is reported at once (``ValidationFailed``)."""
    errors: dict[str, str] = {word: t(locale, "quote_bad_item") for word in line.bad}
    lines = []
    for code, typed in line.items:
        try:
            product = await engine.products.get(code)
        except NotFound:
            errors[code] = t(locale, "quote_unknown_product", code=code)
            continue
        amount = quantity(typed)
        if amount is None:
            errors[code] = t(locale, "quote_bad_quantity", value=typed)
            continue
        lines.append(LineInput(product.code, amount))
    if errors:
        raise ValidationFailed(errors)
    return QuoteDraft(tuple(lines))


def _transition_key(text: str) -> str:
    """``Envoyer le devis (envoyer_devis)`` → ``envoyer_devis``."""
    if text.endswith(")") and "(" in text:
        return text.rsplit("(", 1)[1][:-1]
    return text


async def result_message(engine: Engine, who: Who, saved: Saved, *, traces: bool) -> Message:
    """The saved quote, and the buttons of the moves that take the deal to the quote stage."""
    deal = await engine.deals.get(saved.quote.deal_id)
    found: list[MoveOption] = []
    if saved.stage.status == "needs_transition":
        wanted = {_transition_key(name) for name in saved.stage.transitions}
        found = [
            m for m in await moves.options(engine, who, deal) if m.key in wanted and m.available
        ]
    return saved_message(saved.quote, saved.stage, found, deal.version, who.locale, traces=traces)
