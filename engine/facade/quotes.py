"""The quotes part: quotes priced, saved as versions, rendered and sent."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import date

from engine import clock
from engine.actors import Actor
from engine.cpq import mail as quote_mail
from engine.cpq import quotes
from engine.cpq.lines import PricedQuote, QuoteDraft, accept_suggestions
from engine.facade.base import Part
from engine.store.claims import exclusively
from engine.store.db import Database, Tx

NUMBERING = "quote-number"  # the advisory lock of a new quote's number


class Quotes(Part):
    """Owns quotes and the pricing set-up they use (rule book, document settings):
    price, suggest, save, read, set status, render the PDF, send it."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.setup = quotes.CpqSetup()

    def use(self, setup: quotes.CpqSetup) -> None:
        """Price and save quotes with these rules and settings (see config/cpq_schema.py)."""
        self.setup = setup

    async def price(
        self, draft: QuoteDraft, deal_id: int | None = None, on: date | None = None
    ) -> PricedQuote:
        """Price without saving: lines with their traces, suggestions, totals."""
        book, day = self.setup.book, on or clock.utcnow().date()
        return await self._read(lambda c: quotes.price(c, draft, book, deal_id, day))

    async def add_suggestions(
        self,
        draft: QuoteDraft,
        codes: Collection[str] | None = None,
        deal_id: int | None = None,
        on: date | None = None,
    ) -> PricedQuote:
        """Add the suggested products (all, or those ``codes``) in one batch, priced again."""
        priced = await self.price(draft, deal_id, on)
        picked = [s for s in priced.suggestions if codes is None or s.code in codes]
        return await self.price(accept_suggestions(priced.draft(), picked), deal_id, on)

    async def save(
        self, deal_id: int | None, draft: QuoteDraft, actor: Actor, *,
        quote_id: int | None = None, expected_version: int | None = None,
        on: date | None = None,
    ) -> quotes.Saved:  # fmt: skip
        """Save a new quote on a deal, or a new version of ``quote_id``.

        The result says whether the deal moved to the quote stage, or which
        blueprint transition the rep must perform to get it there.
        """
        setup, day = self.setup, on or clock.utcnow().date()

        def save(tx: Tx) -> quotes.SaveOutcome:
            return quotes.save_quote(tx, deal_id, draft, setup, day, quote_id, expected_version)

        # A new quote draws the year's next number: one at a time across instances and
        # writers (PostgreSQL), each seeing the number the previous one took.
        outcome = await self._write(
            exclusively(NUMBERING, save) if quote_id is None else save, actor
        )
        quote = await self.get(outcome.quote_id)
        return quotes.Saved(quote, outcome.created, outcome.changed, outcome.stage)

    async def get(self, ref: int | str) -> quotes.Quote:
        """A quote by id or number (``D-2026-0001``)."""
        return await self._read(lambda c: quotes.get_quote(c, ref))

    async def of_deal(self, deal_id: int) -> list[quotes.Quote]:
        return await self._read(lambda c: quotes.deal_quotes(c, deal_id))

    async def set_status(
        self, ref: int | str, status: str, actor: Actor, expected_version: int | None = None
    ) -> quotes.Quote:
        quote_id = (await self.get(ref)).id
        await self._write(
            lambda tx: quotes.set_status(tx, quote_id, status, expected_version), actor
        )
        return await self.get(quote_id)

    async def pdf(self, ref: int | str, locale: str = "fr") -> bytes:
        """The quote document (PDF) in ``fr`` or ``en``, ready to download or mail."""
        quote = await self.get(ref)
        settings = self.setup.settings
        from engine.cpq import document as quote_document  # fpdf2 only when a PDF is made

        return await asyncio.to_thread(quote_document.render, quote, locale, settings)

    async def send(
        self, ref: int | str, actor: Actor, *, to: str | None = None,
        locale: str | None = None, note: str | None = None, default_locale: str = "fr",
    ) -> quote_mail.Queued:  # fmt: skip
        """E-mail the quote's PDF to the deal's contact (or ``to``) through the outbox.

        ``locale`` unset: the contact's language, else ``default_locale``. The
        PDF is rendered outside the write; the write queues it with the e-mail
        and marks a draft ``sent`` (see :mod:`engine.cpq.mail`).
        """
        quote = await self.get(ref)
        quote_mail.check_sendable(quote.number, quote.status)
        ask = quote_mail.Ask(to, locale, default_locale)
        who = await self._read(lambda c: quote_mail.audience(c, quote, actor, ask))
        settings = self.setup.settings
        from engine.cpq import document as quote_document  # fpdf2 only when a PDF is made

        document = await asyncio.to_thread(quote_document.render, quote, who.locale, settings)
        mail = quote_mail.compose(quote, who, note, document, settings)
        outbox_id, marked = await self._write(lambda tx: quote_mail.enqueue(tx, mail), actor)
        return quote_mail.Queued(await self.get(quote.id), outbox_id, mail, marked)
