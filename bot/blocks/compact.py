"""Compact cards: a deal, a lead, a quote, a contact or an organisation in a few blocks.

Shown where many people read (a link unfurled, ``D-42`` answered in a thread,
a card shared with the channel) and in search results. A compact card names
the record with its code and, when Relais has a public address, links it; it
mentions nobody (a card in a channel must not ping the owner) and carries only
buttons anyone may click: **Open** shows the full card to whoever clicks,
privately. Within a message's 50 blocks: two blocks a card at most.
"""

from __future__ import annotations

from bot.blocks.common import Block, Message, actions, button, clip, context, escape, section
from bot.blocks.deal import DealCard
from bot.blocks.leads import LeadView, sender
from bot.blocks.share import share_button
from bot.blocks.values import pack
from bot.i18n import t
from engine.api import formats, lead_status_name
from engine.api.cpq import Quote
from engine.api.crm import Contact, Organisation

OPEN_REF = "card_open"  # a lead's (or quote's) compact card, privately, with its actions
SEARCH_AGAIN = "search_again"  # a contact's or organisation's records: value = what to search


def titled(code: str, title: str, url: str | None) -> str:
    """``*D-42 · Poêle Dupont*``, a link when the record has one."""
    label = escape(clip(f"{code} · {title}", 150))
    return f"*<{url}|{label}>*" if url else f"*{label}*"


def deal_lines(card: DealCard, locale: str) -> str:
    deal = card.deal
    owner = escape(card.owner.name) if card.owner else t(locale, "nobody")
    parts = [escape(card.stage), formats.money(deal.expected_revenue, deal.currency, locale), owner]
    if deal.status != "open":
        parts.append(t(locale, f"status_{deal.status}"))
    line = " · ".join(parts)
    if card.contact is not None:
        email = f" <{card.contact.email}>" if card.contact.email else ""
        line += "\n" + escape(clip(card.contact.name + email, 200))
    return line


def deal_card(card: DealCard, locale: str, url: str | None) -> list[Block]:
    deal = card.deal
    text = f"{titled(f'D-{deal.id}', deal.title, url)}\n{deal_lines(card, locale)}"
    return [section(text, button("deal_show", t(locale, "deal_open"), pack(deal.id)))]


def lead_lines(view: LeadView, locale: str) -> str:
    lead = view.lead
    owner = escape(view.owner.name) if view.owner else t(locale, "nobody")
    parts = [lead_status_name(lead.status, locale), owner]
    if lead.status == "converted" and lead.deal_id:
        parts.append(f"→ D-{lead.deal_id}")
    line = " · ".join(parts)
    if view.contact is not None:
        line += "\n" + sender(view.contact)
    return line


def lead_card(view: LeadView, locale: str, url: str | None) -> list[Block]:
    lead = view.lead
    text = f"{titled(f'L-{lead.id}', lead.title, url)}\n{lead_lines(view, locale)}"
    return [section(text, button(OPEN_REF, t(locale, "deal_open"), pack("lead", lead.id)))]


def quote_card(quote: Quote, locale: str) -> list[Block]:
    total = formats.money(quote.priced.totals.total, quote.currency, locale)
    heading = escape(t(locale, "quote_heading", number=quote.number))
    text = f"*{heading}* · {total}\nD-{quote.deal_id} · {escape(clip(quote.deal_title, 150))}" + (
        f" · {escape(clip(quote.customer, 100))}" if quote.customer else ""
    )
    return [section(text, button("deal_show", t(locale, "deal_open"), pack(quote.deal_id)))]


def contact_card(contact: Contact, locale: str) -> list[Block]:
    details = [escape(x) for x in (contact.email, contact.phone) if x]
    text = f"👤 *{escape(clip(contact.name or contact.email or '?', 150))}*"
    if details:
        text += "\n" + " · ".join(details)
    look_for = contact.email or contact.name
    return [section(text, button(SEARCH_AGAIN, t(locale, "search_records"), look_for[:150]))]


def organisation_card(organisation: Organisation, locale: str) -> list[Block]:
    details = [escape(x) for x in (organisation.domain, organisation.phone) if x]
    text = f"🏢 *{escape(clip(organisation.name, 150))}*"
    if details:
        text += "\n" + " · ".join(details)
    value = organisation.name[:150]
    return [section(text, button(SEARCH_AGAIN, t(locale, "search_records"), value))]


def shared(blocks: list[Block], slack_id: str, locale: str) -> Message:
    """A compact card as posted to the channel: "Shared by …" under it."""
    note = t(locale, "shared_by", who=f"<@{slack_id}>")
    first = blocks[0]["text"]["text"] if blocks and "text" in blocks[0] else ""
    return Message(f"{note}: {first}"[:3000], [*blocks, context(note)])


def with_share(message: Message, kind: str, record_id: int, locale: str) -> Message:
    """``message`` (a card answered privately) with a **Share in channel** button."""
    share = actions([share_button(kind, record_id, locale)])
    return Message(message.text, [*message.blocks[:49], share])
