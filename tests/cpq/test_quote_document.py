"""The quote document: a real PDF, in French or English, with every line and total."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from engine.actors import Actor
from engine.core import Engine
from engine.cpq.document import money_text, render
from engine.cpq.lines import LineInput, QuoteDraft
from engine.cpq.quotes import CpqSetup, QuoteSettings
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from tests.cpq.pdf_text import pdf_text
from tests.cpq.test_quotes_storage import CATALOGUE, RULES

D = Decimal


def text_of(document: bytes) -> str:
    """The uncompressed PDF's text, no-break spaces as spaces."""
    return pdf_text(document)


def encoded(text: str) -> str:
    return text.replace("\xa0", " ")


def test_amounts_are_written_the_reader_s_way() -> None:
    """The document's amounts are engine.text.formats' (CLDR, via Babel), as everywhere."""
    assert money_text(D("4332.89"), "EUR", "fr") == "4\u202f332,89\xa0€"
    assert money_text(D("4332.89"), "EUR", "en") == "€4,332.89"
    assert money_text(D("10890"), "INR", "en") == "₹10,890.00"
    assert money_text(D("1200"), "JPY", "fr") == "1\u202f200\xa0JPY"
    assert money_text(D("1200.5"), "JPY", "en") == "¥1,201"
    assert money_text(D("-149"), "EUR", "en") == "-€149.00"
    assert money_text(D("-149"), "EUR", "fr") == "-149,00\xa0€"


async def test_the_pdf_holds_the_quote_in_french_and_in_english(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    await engine.products.import_all(CATALOGUE, admin)
    settings = QuoteSettings(company=("Poêles & Flammes SARL", "12 rue des Artisans"))
    engine.quotes.use(CpqSetup(RULES, settings))
    deal = await engine.deals.create(
        DealDraft("Poêle salon", ContactDraft("Jeanne Dupont", "jeanne@dupont.example")), alice
    )
    draft = QuoteDraft(
        (
            LineInput("POELE-ECO8", D(1)),
            LineInput("TUBAGE-INOX-80", D("7.5")),
            LineInput.manual("Dépose de l'ancien insert (forfait)", D(1), D(150), D(10)),
        ),
        notes="Accès au toit par nacelle.",
    )
    quote = (await engine.quotes.save(deal.id, draft, alice, on=date(2026, 3, 10))).quote

    document = await engine.quotes.pdf(quote.id, "fr")
    assert document.startswith(b"%PDF-") and document.rstrip().endswith(b"%%EOF")
    french = text_of(render(quote, "fr", settings, compress=False))
    for expected in (
        "DEVIS", "D-2026-0001", "10/03/2026", "Valable jusqu'au : 09/04/2026",
        "Poêles & Flammes SARL", "Jeanne Dupont", "jeanne@dupont.example",
        "Poêle à granulés Eco 8 kW", "7,5", "667,50\xa0€", "offert",
        "Dépose de l'ancien insert (forfait)", "Total TTC", "TVA 5,5 % sur",
        "TVA 10 % sur 150,00\xa0€", "Accès au toit par nacelle.", "Bon pour accord",
    ):  # fmt: skip
        assert encoded(expected) in french, expected
    english = text_of(render(quote, "en", settings, compress=False))
    for expected in ("QUOTE", "Total incl. tax", "free", "Valid until: Apr 9, 2026", "€667.50"):
        assert encoded(expected) in english, expected
    # the discounts' total is negative: the sign before the symbol in English, the amount in French
    assert re.search(r"^-€\d[\d,]*\.\d\d$", english, re.M), english
    assert re.search(r"^-\d[\d\u202f ]*,\d\d €$", french, re.M), french


async def test_a_long_quote_runs_over_several_pages(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    await engine.products.import_all(CATALOGUE, admin)
    deal = await engine.deals.create(DealDraft("Lotissement"), alice)
    draft = QuoteDraft(tuple(LineInput("TUBAGE-INOX-80", D(n + 1)) for n in range(120)))
    quote = (await engine.quotes.save(deal.id, draft, alice)).quote
    document = text_of(render(quote, "fr", compress=False))
    assert "Page 3/" in document and "Page 4/" not in document
