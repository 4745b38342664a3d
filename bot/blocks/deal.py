"""The deal card, and a list of deals found by a search."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.blocks.activities import activity_line
from bot.blocks.common import (
    Block,
    Message,
    actions,
    button,
    clip,
    context,
    escape,
    fields,
    header,
    mention,
    section,
)
from bot.blocks.edit import edit_button
from bot.blocks.share import share_button
from bot.blocks.values import pack
from bot.i18n import t
from engine.api import formats
from engine.api.crm import Activity, Contact, Deal

MAX_NEXT = 3
MAX_MAILS = 2
MAX_MOVES = 8


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    slack_id: str | None = None


@dataclass(frozen=True, slots=True)
class MoveOption:
    """A way out of the deal's stage, and whether this user may take it now."""

    key: str
    label: str
    available: bool = True
    reasons: tuple[str, ...] = ()
    asks: bool = False  # opens a form (the blueprint's During part) before moving


@dataclass(frozen=True, slots=True)
class DealCard:
    deal: Deal
    stage: str
    owner: Person | None = None
    contact: Contact | None = None
    upcoming: list[Activity] = field(default_factory=list)
    mails: list[Activity] = field(default_factory=list)
    moves: list[MoveOption] = field(default_factory=list)


def deal_title(deal: Deal) -> str:
    return f"#{deal.id} · {deal.title}"


def probability(deal: Deal, locale: str) -> str:
    text = formats.percent(deal.probability, locale)
    return f"{text} ({t(locale, 'manual')})" if deal.probability_manual else text


def _facts(card: DealCard, locale: str) -> list[tuple[str, str]]:
    deal = card.deal
    owner = mention(card.owner.slack_id, card.owner.name) if card.owner else t(locale, "nobody")
    pairs = [
        (t(locale, "deal_stage"), escape(card.stage)),
        (t(locale, "deal_probability"), probability(deal, locale)),
        (t(locale, "deal_amount"), formats.money(deal.expected_revenue, deal.currency, locale)),
        (t(locale, "deal_owner"), owner),
    ]
    if card.contact is not None:
        email = f" <{card.contact.email}>" if card.contact.email else ""
        pairs.append((t(locale, "deal_contact"), escape(card.contact.name + email)))
    if deal.expected_close is not None:
        pairs.append((t(locale, "deal_close"), formats.day(deal.expected_close, locale)))
    if deal.status != "open":
        pairs.append((t(locale, "deal_status"), t(locale, f"status_{deal.status}")))
    return pairs


def _upcoming(card: DealCard, locale: str, tz: str, now: datetime) -> Block:
    lines = [activity_line(a, locale, tz, now) for a in card.upcoming[:MAX_NEXT]]
    body = "\n".join(lines) if lines else t(locale, "deal_no_next")
    return section(f"*{t(locale, 'deal_next')}*\n{body}")


def _mails(card: DealCard, locale: str, tz: str) -> Block | None:
    if not card.mails:
        return None
    lines = [
        f"✉️ {formats.when(m.due_at or m.done_at or card.deal.created_at, tz, locale)} — "
        f"*{escape(clip(m.subject, 80))}*\n> {escape(clip(' '.join(m.note.split()), 160))}"
        for m in card.mails[:MAX_MAILS]
    ]
    return section(f"*{t(locale, 'deal_mails')}*\n" + "\n".join(lines))


def move_buttons(card: DealCard, locale: str) -> list[Block]:
    deal = card.deal
    open_moves = [m for m in card.moves if m.available][:MAX_MOVES]
    elements = [
        button(f"deal_move_{i}", m.label, pack(deal.id, m.key, deal.version, "f" if m.asks else ""))
        for i, m in enumerate(open_moves)
    ]
    elements.append(button("deal_log", t(locale, "deal_log"), pack(deal.id)))
    elements.append(edit_button(deal, locale))  # bot/listeners/edit.py
    elements.append(share_button("deal", deal.id, locale))  # bot/listeners/share.py
    blocks = [actions(elements, block_id=f"deal_{deal.id}_moves")]
    closed = [m for m in card.moves if not m.available]
    if closed:
        why = "; ".join(f"{escape(m.label)} — {escape(', '.join(m.reasons))}" for m in closed)
        blocks.append(context(f"{t(locale, 'deal_unavailable')} {why}"))
    return blocks


def deal_card(card: DealCard, locale: str, tz: str, now: datetime) -> Message:
    deal = card.deal
    blocks: list[Block] = [header(deal_title(deal)), fields(_facts(card, locale))]
    if deal.status == "lost" and deal.lost_reason:
        blocks.append(context(escape(t(locale, "deal_lost_reason", reason=deal.lost_reason))))
    blocks.append(_upcoming(card, locale, tz, now))
    mails = _mails(card, locale, tz)
    if mails is not None:
        blocks.append(mails)
    blocks.extend(move_buttons(card, locale))
    updated = formats.when(deal.updated_at, tz, locale)
    blocks.append(context(t(locale, "deal_updated", when=updated)))
    text = f"{deal_title(deal)} — {card.stage}"
    return Message(text, blocks)


def search_results(deals: list[Deal], text: str, stages: dict[int, str], locale: str) -> Message:
    if not deals:
        return Message(t(locale, "deal_none_found", text=escape(text)))
    intro = t(locale, "deal_search", count=len(deals), text=escape(text))
    blocks: list[Block] = [section(intro)]
    for deal in deals[:20]:
        line = (
            f"*{escape(deal_title(deal))}* — {escape(stages.get(deal.stage_id, '?'))} · "
            f"{formats.money(deal.expected_revenue, deal.currency, locale)}"
        )
        blocks.append(section(line, button("deal_show", t(locale, "deal_open"), pack(deal.id))))
    return Message(intro, blocks)


def deal_notice(card: DealCard, mail: Activity | None, locale: str) -> Message:
    """A deal opened from a mail, as posted (and kept up to date) in the leads channel."""
    deal = card.deal
    title = t(locale, "notice_new_deal")
    sender = "—"
    if card.contact is not None:
        email = f" <{card.contact.email}>" if card.contact.email else ""
        sender = escape(card.contact.name + email)
    subject = mail.subject if mail else deal.title
    blocks: list[Block] = [
        header(title),
        section(f"*{escape(clip(deal.title, 200))}*  ·  #{deal.id}"),
        fields([(t(locale, "lead_from"), sender), (t(locale, "notice_subject"), escape(subject))]),
    ]
    if mail is not None and mail.note.strip():
        blocks.append(section("> " + escape(clip(" ".join(mail.note.split()), 300))))
    owner = mention(card.owner.slack_id, card.owner.name) if card.owner else t(locale, "nobody")
    blocks.append(context(f"{t(locale, 'deal_stage')} : {escape(card.stage)}", owner))
    elements = [button("deal_show", t(locale, "deal_open"), pack(deal.id))]
    if deal.status == "open":
        claim = button(
            "deal_claim", t(locale, "lead_claim"), pack(deal.id, deal.version), "primary"
        )
        elements.insert(0, claim)
    blocks.append(actions(elements, block_id=f"notice_deal_{deal.id}"))
    return Message(f"{title}: {deal.title} ({sender})", blocks)
