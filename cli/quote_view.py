"""What ``run.py quote …`` prints: a priced quote as a text table, and JSON shapes.

Numbers are shown in the reader's language (``2,5`` in French); the
quantity column is wide enough for the largest quantity a line may hold
(999 999,999). JSON numbers are plain decimal text (``"20"``, never ``"2E+1"``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.api import formats, phrase_text, text
from engine.api.cpq import (
    PricedQuote,
    Queued,
    Quote,
    Saved,
    StageOutcome,
    word,
)
from engine.api.outbox import WAITING

QTY_WIDTH = 11  # "999 999,999": the largest quantity allowed, in French


def queued_lines(queued: Queued, relay: str | None, lang: str = "en") -> list[str]:
    """What ``quote send`` did, and whether a relay will send it, in ``lang``."""
    mail, quote = queued.mail, queued.quote
    size = formats.number(len(mail.attachment.data), lang)
    marked = text(lang, "cli.quote_send.marked", number=quote.number) if queued.marked_sent else ""
    lines = [
        f"{quote.number} → {mail.to} ({mail.locale}): {mail.subject}",
        text(lang, "cli.quote_send.attachment", file=mail.attachment.filename, size=size),
        text(lang, "cli.quote_send.outbox", id=queued.outbox_id, marked=marked),
    ]
    if relay is None:  # say so: nothing leaves until a relay is configured
        lines.append(text(lang, "cli.quote_send.no_relay"))
    else:
        lines.append(text(lang, "cli.quote_send.relay", relay=relay))
    return lines


def queued_json(queued: Queued, relay: str | None) -> dict[str, Any]:
    """``quote send --json``."""
    mail = queued.mail
    return {
        "quote": queued.quote.number, "status": queued.quote.status,
        "outbox_id": queued.outbox_id, "to": mail.to, "locale": mail.locale,
        "subject": mail.subject, "marked_sent": queued.marked_sent,
        "attachment": {"filename": mail.attachment.filename, "bytes": len(mail.attachment.data)},
        "relay": relay, "waiting_for": None if relay else WAITING["email"],
    }  # fmt: skip


def render(priced: PricedQuote, lang: str, *, trace: bool) -> list[str]:
    """The quote as text: lines (with their traces), suggestions, totals."""
    currency = priced.currency
    out = [
        f"{'#':>3}  {word('code', lang):<18} {word('item', lang):<40}"
        f" {word('quantity', lang):>{QTY_WIDTH}}"
        f" {word('list_price', lang):>13} {word('discount', lang):>12} {word('net', lang):>14}"
    ]
    for line in priced.lines:
        discount = word("free", lang) if line.free else _money(line.discount, currency, lang)
        out.append(
            f"{line.position:>3}  {(line.code or '—'):<18} {line.name[:40]:<40}"
            f" {formats.number(line.quantity, lang):>{QTY_WIDTH}}"
            f" {_money(line.list_price, currency, lang):>13}"
            f" {discount:>12} {_money(line.net, currency, lang):>14}"
        )
        if trace:
            out.extend(f"       ↳ {step.text(lang)}" for step in line.trace[1:-1])
    out.extend(_suggestions(priced, lang))
    out.extend(_totals(priced, lang))
    out.extend(f"! {warning}" for warning in priced.warnings)
    return out


def _money(amount: Decimal, currency: str, lang: str) -> str:
    return formats.money(amount, currency, lang) if amount else ""


def _suggestions(priced: PricedQuote, lang: str) -> list[str]:
    if not priced.suggestions:
        return []
    title = text(lang, "cli.quote.suggestions")
    lines = [f"{title}:"]
    lines.extend(
        f"  + {s.code} × {formats.number(s.quantity, lang)}  {s.name}"
        f"  ({formats.money(s.unit_price, priced.currency, lang)}, {s.rule})"
        for s in priced.suggestions
    )
    return lines


def _totals(priced: PricedQuote, lang: str) -> list[str]:
    totals, currency = priced.totals, priced.currency
    rows = [(word("subtotal", lang), totals.subtotal), (word("discounts", lang), totals.discounts)]
    rows.append((word("net_total", lang), totals.net))
    for tax in (t for t in totals.by_rate if t.base or t.tax):
        base = formats.money(tax.base, currency, lang)
        rows.append((word("tax_at", lang, rate=formats.number(tax.rate, lang), base=base), tax.tax))
    rows.append((word("total", lang), totals.total))
    width = 72 + QTY_WIDTH  # as wide as the columns before it
    money = formats.money
    return [f"{label:>{width}} {money(amount, currency, lang):>14}" for label, amount in rows]


def heading(quote: Quote, lang: str) -> list[str]:
    """A saved quote's number, status, version, deal and dates (in the reader's format)."""
    valid = "" if quote.valid_until is None else f" → {formats.day(quote.valid_until, lang)}"
    return [
        f"{word('title', lang)} {quote.number} · {word(quote.status, lang)} · v{quote.version}",
        f"{word('deal', lang)}: {quote.deal_title} (#{quote.deal_id})"
        + (f" · {quote.customer}" if quote.customer else ""),
        f"{word('date', lang)}: {formats.day(quote.quote_date, lang)}{valid}",
    ]


def stage_text(stage: StageOutcome, lang: str) -> str:
    """What saving the quote did to its deal's stage (``cli.quote_stage.<status>``)."""
    options = ", ".join(stage.transitions) or text(lang, "cli.quote_stage.no_transition")
    status = stage.status if stage.status in STAGE_OUTCOMES else "off"
    return text(
        lang, f"cli.quote_stage.{status}", stage=stage.stage, options=options,
        message=phrase_text(stage.message, lang),
    )  # fmt: skip


# What saving a quote can do to its deal's stage; anything else means the move is off.
STAGE_OUTCOMES = ("moved", "needs_transition", "unchanged", "refused", "no_stage")


def saved_json(saved: Saved) -> dict[str, Any]:
    """``quote new --json``: the quote, whether it changed, and its deal's stage."""
    stage = saved.stage
    return {
        **saved.quote.to_json(),
        "created": saved.created,
        "changed": saved.changed,
        "stage": {
            "status": stage.status,
            "stage": stage.stage,
            "transitions": list(stage.transitions),
            "message": stage.message,
        },
    }
