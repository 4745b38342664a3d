"""*Send to client* on a saved quote: its button and its modal (pure Block Kit renderers).

The modal asks for the recipient (the deal's contact e-mail, pre-filled) and
an optional note; an invalid address comes back as ``response_action:
errors`` on :data:`TO_BLOCK`.
"""

from __future__ import annotations

from bot.blocks.common import Block, button, context, escape, section
from bot.blocks.forms import input_block, text_element
from bot.blocks.modals import modal
from bot.blocks.values import pack
from bot.i18n import t
from engine.api import formats
from engine.api.cpq import Quote

SEND = "quote_send"  # the button on the saved quote's message
CALLBACK = "quote_send"  # the modal
TO_BLOCK = "quote_to"
NOTE_BLOCK = "quote_note"


def send_button(quote: Quote, locale: str) -> Block:
    return button(SEND, t(locale, "quote_send"), pack(quote.id))


def send_modal(quote: Quote, locale: str, metadata: str) -> Block:
    total = formats.money(quote.priced.totals.total, quote.currency, locale)
    heading = t(locale, "quote_heading", number=quote.number)
    recipient: Block = {"type": "email_text_input"}
    if quote.contact_email:
        recipient["initial_value"] = quote.contact_email
    note = text_element(multiline=True)
    hint = t(locale, "quote_send_note_hint")
    blocks = [
        section(f"*{escape(heading)}* · {escape(quote.deal_title)}\n{total}"),
        input_block(TO_BLOCK, t(locale, "quote_send_to"), recipient),
        input_block(NOTE_BLOCK, t(locale, "quote_send_note"), note, optional=True, hint=hint),
        context("📎 " + t(locale, "quote_send_attached")),
    ]
    return modal(
        CALLBACK, t(locale, "quote_send_title"), blocks, locale,
        submit=t(locale, "quote_send_submit"), metadata=metadata,
    )  # fmt: skip
