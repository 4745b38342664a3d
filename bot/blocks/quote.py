"""The quote builder modal and the priced-quote messages (pure Block Kit renderers).

The builder's input blocks carry a revision in their ids (``qp3_0``, ``qq3_0``):
Slack keeps what a person typed in an input whose ids did not change, so a
new revision is the only way for ``views.update`` to show re-priced lines
(after suggestions were added, say) instead of the old entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.blocks.common import (
    Block,
    Message,
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    fields,
    header,
    mrkdwn,
    option,
    plain,
    section,
)
from bot.blocks.deal import MoveOption
from bot.blocks.modals import modal
from bot.blocks.quote_send import send_button
from bot.blocks.share import share_button
from bot.blocks.values import pack
from bot.i18n import t
from engine.api import formats
from engine.api.cpq import PricedLine, PricedQuote, Quote, Source, StageOutcome, Totals

CALLBACK = "quote_new"
PRODUCT_ACTION = "quote_product"  # the external select; its options come from the catalogue
QTY_ACTION = "quote_qty"
ADD_LINE = "quote_add_line"
PRICE = "quote_price"
PDF = "quote_pdf"
SUGGEST = "q_suggest"
MAX_ROWS = 20
MAX_SHOWN = 15  # priced lines shown in one message or modal (blocks are limited)


def product_block(rev: int, row: int) -> str:
    return f"qp{rev}_{row}"


def qty_block(rev: int, row: int) -> str:
    return f"qq{rev}_{row}"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the builder: the product picked (code, shown label) and its quantity."""

    code: str | None = None
    label: str | None = None
    quantity: str = "1"


def quantity_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _product_input(row: Row, rev: int, index: int, locale: str) -> Block:
    element: Block = {
        "type": "external_select",
        "action_id": PRODUCT_ACTION,
        "placeholder": plain(t(locale, "quote_pick_product"), 150),
        "min_query_length": 1,
    }
    if row.code:
        element["initial_option"] = option(row.label or row.code, row.code)
    return {
        "type": "input", "block_id": product_block(rev, index), "optional": True,
        "label": plain(t(locale, "quote_product", n=index + 1), 2000), "element": element,
    }  # fmt: skip


def _qty_input(row: Row, rev: int, index: int, locale: str) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": QTY_ACTION}
    if row.quantity:
        element["initial_value"] = row.quantity
    return {
        "type": "input", "block_id": qty_block(rev, index), "optional": True,
        "label": plain(t(locale, "quote_quantity"), 2000), "element": element,
    }  # fmt: skip


def builder(
    heading: str, rows: Sequence[Row], rev: int, locale: str, metadata: str, *,
    priced: PricedQuote | None = None, problem: str | None = None,
) -> Block:  # fmt: skip
    """The builder: a product and a quantity per row, Add line, Price, the priced result."""
    blocks: list[Block] = [section(f"*{escape(heading)}*")]
    for index, row in enumerate(rows[:MAX_ROWS]):
        blocks += [_product_input(row, rev, index, locale), _qty_input(row, rev, index, locale)]
    buttons = [button(PRICE, t(locale, "quote_price"), "price", "primary")]
    if len(rows) < MAX_ROWS:
        buttons.insert(0, button(ADD_LINE, t(locale, "quote_add_line"), "add"))
    blocks.append(actions(buttons, block_id="quote_buttons"))
    if problem:
        blocks.append(section(f"⚠️ {escape(problem)}"))
    if priced is not None:
        blocks += [divider(), *priced_blocks(priced, locale, traces=True, suggestions=False)]
        if priced.suggestions:
            blocks.append(suggestions_input(priced, rev, locale))
    return modal(
        CALLBACK, t(locale, "quote_title"), blocks, locale,
        submit=t(locale, "save"), metadata=metadata,
    )  # fmt: skip


def suggest_block(rev: int) -> str:
    return f"{SUGGEST}{rev}"


def suggestions_input(priced: PricedQuote, rev: int, locale: str) -> Block:
    choices = [
        {
            "text": plain(
                f"{s.name} × {quantity_text(s.quantity)} — "
                f"{formats.money(s.unit_price, priced.currency, locale)}",
                75,
            ),
            "description": plain(t(locale, "quote_suggested_by", rule=s.rule), 75),
            "value": s.code[:150],
        }
        for s in priced.suggestions[:10]
    ]
    return {
        "type": "input", "block_id": suggest_block(rev), "optional": True,
        "label": plain(t(locale, "quote_suggestions"), 2000),
        "hint": plain(t(locale, "quote_suggestions_hint"), 2000),
        "element": {"type": "checkboxes", "action_id": SUGGEST, "options": choices},
    }  # fmt: skip


def _why(line: PricedLine, locale: str) -> str:
    if line.source is Source.RULE and line.added_by:
        return " · ➕ " + t(locale, "quote_added_by", rule=line.added_by)
    if line.source is Source.SUGGESTION:
        return " · 💡 " + t(locale, "quote_from_suggestion")
    return ""


def line_text(line: PricedLine, currency: str, locale: str) -> str:
    name = escape(line.name) + (f" `{escape(line.code)}`" if line.code else "")
    amounts = t(
        locale, "quote_line_amounts",
        list=formats.money(line.list_price, currency, locale),
        discount=formats.money(line.discount, currency, locale),
        net=formats.money(line.net, currency, locale),
    )  # fmt: skip
    free = f" · 🎁 {t(locale, 'quote_free')}" if line.free else ""
    return f"*{name}* × {quantity_text(line.quantity)}\n{amounts}{free}{_why(line, locale)}"


def trace_text(line: PricedLine, locale: str) -> str:
    return clip("\n".join(escape(step.text(locale)) for step in line.trace), 2900)


def totals_block(totals: Totals, currency: str, locale: str) -> Block:
    def amount(value: Decimal) -> str:
        return formats.money(value, currency, locale)

    return fields(
        [
            (t(locale, "quote_subtotal"), amount(totals.subtotal)),
            (t(locale, "quote_discounts"), amount(totals.discounts)),
            (t(locale, "quote_net"), amount(totals.net)),
            (t(locale, "quote_taxes"), amount(totals.taxes)),
            (t(locale, "quote_total"), f"*{amount(totals.total)}*"),
        ]
    )


def priced_blocks(
    priced: PricedQuote, locale: str, *, traces: bool, suggestions: bool = True
) -> list[Block]:
    """Each line (list price, discount, net, what the rules added and why), then totals."""
    blocks: list[Block] = []
    for line in priced.lines[:MAX_SHOWN]:
        blocks.append(section(line_text(line, priced.currency, locale)))
        if traces and line.trace:
            blocks.append({"type": "context", "elements": [mrkdwn(trace_text(line, locale))]})
    hidden = len(priced.lines) - MAX_SHOWN
    if hidden > 0:
        blocks.append(context(t(locale, "quote_more_lines", count=hidden)))
    if priced.suggestions and suggestions:
        names = ", ".join(escape(s.name) for s in priced.suggestions)
        blocks.append(context("💡 " + t(locale, "quote_suggested", names=names)))
    for warning in priced.warnings[:3]:
        blocks.append(context(f"⚠️ {escape(warning)}"))
    blocks.append(totals_block(priced.totals, priced.currency, locale))
    return blocks


def saved_message(
    quote: Quote, stage: StageOutcome, moves: Sequence[MoveOption], deal_version: int,
    locale: str, *, traces: bool = True,
) -> Message:  # fmt: skip
    """After saving: the number, the priced lines and totals, the deal's stage, PDF, Send.

    ``moves`` are the transitions that lead to the quote stage (their buttons
    reuse the deal card's ``deal_move_*`` flow).
    """
    total = formats.money(quote.priced.totals.total, quote.currency, locale)
    text = t(locale, "quote_saved", number=quote.number, id=quote.deal_id, total=total)
    blocks: list[Block] = [
        header(t(locale, "quote_heading", number=quote.number)),
        section(f"✅ {escape(text)}\n_{escape(quote.deal_title)}_"),
        *priced_blocks(quote.priced, locale, traces=traces),
    ]
    elements = [button(PDF, t(locale, "quote_pdf"), pack(quote.id)), send_button(quote, locale)]
    if stage.status == "moved":
        blocks.append(context("➡️ " + t(locale, "quote_deal_moved", stage=stage.stage or "")))
    elif stage.status == "needs_transition" and moves:
        blocks.append(section("⚠️ " + t(locale, "quote_needs_transition", stage=stage.stage or "")))
        for index, move in enumerate(moves):
            value = pack(quote.deal_id, move.key, deal_version, "f" if move.asks else "")
            elements.append(button(f"deal_move_{index}", move.label, value, "primary"))
    elif stage.status in ("needs_transition", "refused") and stage.message:
        blocks.append(context("⚠️ " + escape(stage.message)))
    elements.append(share_button("quote", quote.id, locale))  # bot/listeners/share.py
    blocks.append(actions(elements, block_id="quote_actions"))
    return Message(text, blocks[:50])
