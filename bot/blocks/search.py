"""``/crm search``: what was found, by kind, as compact cards with their actions.

At most :data:`PER_KIND` cards of each kind (the engine's limit); past it a
line says how many more and to narrow the search. Two blocks a lead (its card,
its buttons), one for anything else: 1 + 4 × (1 + 1) + 5 × (1 + 2 + 1 + 1) = 34
blocks at most, within a message's 50.
"""

from __future__ import annotations

from bot.blocks import compact
from bot.blocks.common import Block, Message, actions, context, escape, section
from bot.blocks.deal import DealCard
from bot.blocks.leads import LeadView, lead_buttons
from bot.blocks.share import share_button
from bot.i18n import t
from engine.api.crm import SearchHits

PER_KIND = 5


def results(
    hits: SearchHits, deals: list[DealCard], leads: list[LeadView], locale: str,
    link: dict[str, str | None],
) -> Message:  # fmt: skip
    """``link`` gives each record's address by ``deal:42`` / ``lead:7`` (None: no address)."""
    shown = escape(hits.text)
    if hits.count == 0:
        return Message(t(locale, "search_none", text=shown))
    title = t(locale, "search_title", text=shown)
    blocks: list[Block] = [section(f"🔎 *{title}*")]
    for kind in ("deal", "lead", "contact", "organisation"):
        total = hits.totals.get(kind, 0)
        if not total:
            continue
        blocks.append(context(f"*{t(locale, f'search_kind_{kind}')}* · {total}"))
        if kind == "deal":
            for card in deals:
                url = link.get(f"deal:{card.deal.id}")
                blocks.extend(compact.deal_card(card, locale, url))
        elif kind == "lead":
            for view in leads:
                blocks.extend(_lead(view, locale, link.get(f"lead:{view.lead.id}")))
        elif kind == "contact":
            for contact in hits.contacts:
                blocks.extend(compact.contact_card(contact, locale))
        else:
            for organisation in hits.organisations:
                blocks.extend(compact.organisation_card(organisation, locale))
        more = hits.more(kind)
        if more:
            blocks.append(context(t(locale, "search_more", count=more)))
    return Message(title, blocks[:50])


def _lead(view: LeadView, locale: str, url: str | None) -> list[Block]:
    """A lead found: its card, and its buttons (Claim, Qualify…) with **Share**."""
    (card,) = compact.lead_card(view, locale, url)
    card.pop("accessory", None)  # its actions are right below
    elements = [*lead_buttons(view.lead, locale, "l"), share_button("lead", view.lead.id, locale)]
    return [card, actions(elements, block_id=f"search_lead_{view.lead.id}")]
