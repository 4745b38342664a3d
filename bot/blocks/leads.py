"""Leads: the "new leads" list, and the notice a lead from mail gets in the channel.

Both carry the same buttons (Claim, Qualify, Disqualify, Convert); a notice
is re-rendered from the lead's current state whenever it changes, so the
message in the channel always tells what became of the lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
from bot.blocks.deal import Person
from bot.blocks.values import pack
from bot.i18n import t
from engine.api import formats, lead_status_name
from engine.api.crm import Activity, Contact, Lead

EXCERPT = 300
OPEN = ("new", "contacted", "qualified")


@dataclass(frozen=True, slots=True)
class LastChange:
    who: Person
    at: datetime


@dataclass(frozen=True, slots=True)
class LeadView:
    lead: Lead
    contact: Contact | None = None
    owner: Person | None = None
    mail: Activity | None = None
    last_change: LastChange | None = None


def sender(contact: Contact | None) -> str:
    if contact is None:
        return "—"
    email = f" <{contact.email}>" if contact.email else ""
    return escape(contact.name + email)


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return "> " + escape(clip(flat, EXCERPT)) if flat else ""


def lead_buttons(lead: Lead, locale: str, where: str) -> list[Block]:
    """``where`` is ``n`` for a notice in a channel, ``l`` for a list shown to one person."""
    if lead.status == "converted" and lead.deal_id:
        return [button("deal_show", t(locale, "deal_open"), pack(lead.deal_id))]
    if lead.status not in OPEN:
        return []
    value = pack(lead.id, lead.version, where)
    elements = [button("lead_claim", t(locale, "lead_claim"), value, "primary")]
    if lead.status != "qualified":
        elements.append(button("lead_qualify", t(locale, "lead_qualify"), value))
    elements.append(button("lead_convert", t(locale, "lead_convert"), value))
    elements.append(button("lead_disqualify", t(locale, "lead_disqualify"), value, "danger"))
    return elements


def outcome(view: LeadView, locale: str) -> str:
    """What became of the lead, in one line: owner, status, reason or deal."""
    lead = view.lead
    owner = mention(view.owner.slack_id, view.owner.name) if view.owner else t(locale, "nobody")
    parts = [
        t(locale, "lead_status", status=lead_status_name(lead.status, locale)),
        t(locale, "lead_owner", owner=owner),
    ]
    if lead.status == "disqualified" and lead.disqualify_reason:
        parts.append(escape(clip(lead.disqualify_reason, 200)))
    if lead.status == "converted" and lead.deal_id:
        parts.append(f"→ #{lead.deal_id}")
    return " · ".join(parts)


def _change_line(view: LeadView, locale: str, tz: str) -> str:
    if view.last_change is None:
        return ""
    who = mention(view.last_change.who.slack_id, view.last_change.who.name)
    return f"{who} · {formats.when(view.last_change.at, tz, locale)}"


def lead_notice(view: LeadView, locale: str, tz: str) -> Message:
    lead = view.lead
    title = t(locale, "notice_new_lead")
    subject = view.mail.subject if view.mail else lead.title
    body = view.mail.note if view.mail else lead.note
    blocks: list[Block] = [
        header(title),
        section(f"*{escape(clip(lead.title, 200))}*  ·  #{lead.id}"),
        fields([
            (t(locale, "lead_from"), sender(view.contact)),
            (t(locale, "notice_subject"), escape(clip(subject, 200))),
        ]),
    ]  # fmt: skip
    if excerpt(body):
        blocks.append(section(excerpt(body)))
    blocks.append(context(outcome(view, locale), _change_line(view, locale, tz)))
    elements = lead_buttons(lead, locale, "n")
    if elements:
        blocks.append(actions(elements, block_id=f"notice_lead_{lead.id}"))
    return Message(f"{title}: {lead.title} ({sender(view.contact)})", blocks)


def lead_list(views: list[LeadView], locale: str, tz: str) -> Message:
    title = t(locale, "leads_title")
    if not views:
        return Message(title, [header(title), section(t(locale, "leads_empty"))])
    blocks: list[Block] = [header(title)]
    for view in views[:15]:
        lead = view.lead
        when = formats.when(lead.created_at, tz, locale)
        line = f"*#{lead.id} {escape(clip(lead.title, 150))}*\n{sender(view.contact)} · {when}"
        if excerpt(lead.note):
            line += "\n" + excerpt(clip(lead.note, 150))
        blocks.append(section(line))
        blocks.append(context(outcome(view, locale)))
        elements = lead_buttons(lead, locale, "l")
        if elements:
            blocks.append(actions(elements, block_id=f"lead_{lead.id}"))
    return Message(title, blocks[:50])
