"""A devis a French client can sign: every legal mention, any script, a clean layout.

The text checks read the PDF's own text layer (:mod:`tests.cpq.pdf_text`) and
run everywhere; the layout checks use poppler (``pdftotext -bbox``,
``pdftoppm``) and are skipped, saying so, where poppler-utils is not
installed (``apt-get install poppler-utils``). ``RELAIS_PDF_OUT=folder``
keeps the rendered PDFs and PNG pages there, to look at them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.cpq import pdf_fonts
from engine.cpq.document import render
from engine.cpq.lines import LineInput, QuoteDraft
from engine.cpq.pdf_fonts import printable
from engine.cpq.quotes import CpqSetup, Quote, QuoteSettings
from engine.cpq.seller import Insurance, Seller
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from tests.cpq.pdf_text import pdf_text
from tests.cpq.test_quotes_storage import CATALOGUE, RULES

D = Decimal
SELLER = Seller(
    name="Poêles & Flammes",
    legal_form="SARL",
    address=("12 rue des Artisans", "69003 Lyon"),
    siren="123456782",
    siret="12345678200010",
    rcs_city="Lyon",
    share_capital=D("10000"),
    vat_number="FR11123456782",
    building_trade=True,
    insurance=Insurance("MAAF Pro", "DEC-2026-0042", "France métropolitaine"),
    payment_days=30,
    deposit_percent=D("30"),
    late_penalty_rate=D("12.5"),
)
SETTINGS = QuoteSettings(
    company=("04 78 00 00 00 · contact@poeles-flammes.example", "RGE QualiBois"),
    footer="TVA à 5,5 % sur la fourniture et la pose d'appareils de chauffage au bois"
    " performants dans un logement de plus de deux ans ; TVA à 10 % sur les travaux"
    " d'amélioration. Médiateur de la consommation : CM2C, 14 rue Saint-Jean, 75017 Paris.",
    seller=SELLER,
)
UNICODE = "Débit ≥ 8 kW — Łódź, Győr 😀 🔥"
# DejaVu Sans draws ≥ Ł ő and 😀; it has no 🔥: that one prints as □, never as ?.
UNICODE_PRINTED = "Débit ≥ 8 kW — Łódź, Győr 😀 □"

FRENCH = (
    "DEVIS", "D-2026-0001", "Poêles & Flammes SARL", "12 rue des Artisans", "69003 Lyon",
    "SIRET 123 456 782 00010", "RCS Lyon 123 456 782", "au capital de 10 000 €",
    "TVA intracommunautaire FR11123456782", "Chauffage Dupont", "8 allée des Tilleuls",
    "Début des travaux : 04/05/2026", "Durée estimée : 3 jours",
    "Devis valable 30 jours, jusqu'au 09/04/2026.",
    "Paiement : à 30 jours à compter de la date de facture.",
    "Acompte de 30 %", "pénalités au taux annuel de 12,5 %",
    "indemnité forfaitaire pour frais de recouvrement de 40 €",
    "Assurance décennale : MAAF Pro, contrat n° DEC-2026-0042",
    "couverture géographique : France métropolitaine", "Total TTC", "Bon pour accord",
)  # fmt: skip
ENGLISH = (
    "QUOTE", "Company no. 123 456 782", "Poêles & Flammes SARL, share capital €10,000",
    "VAT no. FR11123456782",
    "registered in Lyon (RCS 123 456 782)", "Work starts on: May 4, 2026",
    "Estimated duration: 3 days", "This quote is valid for 30 days, until Apr 9, 2026.",
    "Payment: within 30 days of the invoice date.", "interest at 12.5% a year",
    "fixed recovery indemnity of €40", "Ten-year liability insurance (décennale): MAAF Pro",
    "Total incl. tax",
)  # fmt: skip


def flat(text: str) -> str:
    """Spaces of any kind as one space, line breaks included (a sentence may wrap)."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " "))


async def a_quote(engine: Engine, admin: Actor, alice: Actor, lines: int = 3) -> Quote:
    await engine.products.import_all(CATALOGUE, admin)
    engine.quotes.use(CpqSetup(RULES, SETTINGS))
    contact = ContactDraft(
        "Jeanne Dupont", "jeanne@dupont.example", organisation="Chauffage Dupont"
    )
    custom = {"debut_travaux": "2026-05-04", "duree_travaux": 3}
    deal = await engine.deals.create(DealDraft("Poêle salon", contact, custom=custom), alice)
    draft = QuoteDraft(
        (
            LineInput("POELE-ECO8", D(1)),
            LineInput.manual(UNICODE, D(1), D(150), D(10)),
            *(LineInput("TUBAGE-INOX-80", D(n + 1)) for n in range(lines - 2)),
        ),
        notes="Accès au toit par nacelle.",
    )
    quote = (await engine.quotes.save(deal.id, draft, alice, on=date(2026, 3, 10))).quote
    return replace(quote, address="8 allée des Tilleuls\n38000 Grenoble")


async def test_a_french_and_an_english_devis_carry_every_mention(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    quote = await a_quote(engine, admin, alice)
    french = flat(pdf_text(render(quote, "fr", SETTINGS, compress=False)))
    for expected in (*FRENCH, UNICODE_PRINTED):
        assert flat(expected) in french, expected
    english = flat(pdf_text(render(quote, "en", SETTINGS, compress=False)))
    for expected in (*ENGLISH, UNICODE_PRINTED):
        assert flat(expected) in english, expected
    assert "?" not in UNICODE_PRINTED and "?" not in french.split("Débit")[1][:40]


async def test_a_private_client_s_address_comes_from_the_deal(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    await engine.products.import_all(CATALOGUE, admin)
    custom = {"adresse_client": "3 chemin des Vignes, 69390 Vourles", "duree_travaux": "2 semaines"}
    contact = ContactDraft("Paul Martin", "paul.martin@gmail.com")
    deal = await engine.deals.create(DealDraft("Insert", contact, custom=custom), alice)
    draft = QuoteDraft((LineInput("POELE-ECO8", D(1)),))
    quote = (await engine.quotes.save(deal.id, draft, alice, on=date(2026, 3, 10))).quote
    text = flat(pdf_text(render(quote, "fr", SETTINGS, compress=False)))
    assert "3 chemin des Vignes, 69390 Vourles" in text
    assert "Durée estimée : 2 semaines" in text
    # a private client owes no 40 € indemnity: the mention is for professionals
    assert "pénalités au taux annuel" in text and "40 €" not in text


async def test_an_empty_seller_prints_no_empty_mention(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    quote = await a_quote(engine, admin, alice)
    text = flat(pdf_text(render(replace(quote, custom={}), "fr", QuoteSettings(), compress=False)))
    for absent in ("SIRET", "RCS", "capital", "Assurance", "Paiement", "Début des travaux"):
        assert absent not in text, absent
    assert "Devis valable 30 jours" in text and "Bon pour accord" in text


# -- with poppler: what a reader sees ----------------------------------------------------------

POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils is not installed (apt-get install poppler-utils)"
)
Box = tuple[float, float, float, float, str]


def poppler(*command: str) -> str:
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout


def pages_of(path: Path) -> list[list[Box]]:
    """Each page's word boxes, from ``pdftotext -bbox`` (points, origin top left)."""
    html = poppler("pdftotext", "-bbox", str(path), "-")
    pages = []
    for page in html.split("<page ")[1:]:
        words = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page,
        )
        pages.append([(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in words])
    return pages


def overlaps(first: Box, second: Box, slack: float = 0.3) -> bool:
    return (
        min(first[2], second[2]) - max(first[0], second[0]) > slack
        and min(first[3], second[3]) - max(first[1], second[1]) > slack
    )


def rendered(quote: Quote, locale: str, folder: Path) -> Path:
    keep = os.environ.get("RELAIS_PDF_OUT")
    out = Path(keep) if keep else folder
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"devis-{locale}.pdf"
    path.write_bytes(render(quote, locale, SETTINGS))
    return path


@needs_poppler
@pytest.mark.parametrize("locale", ["fr", "en"])
async def test_the_devis_reads_cleanly_on_every_page(
    engine: Engine, admin: Actor, alice: Actor, tmp_path: Path, locale: str
) -> None:
    quote = await a_quote(engine, admin, alice, lines=40)  # two pages at least
    path = rendered(quote, locale, tmp_path)
    poppler("pdftoppm", "-png", "-r", "70", str(path), str(path.with_suffix("")))
    pngs = sorted(path.parent.glob(f"{path.stem}-*.png"))
    assert len(pngs) >= 2 and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)

    text = poppler("pdftotext", str(path), "-")
    for expected in (*(FRENCH if locale == "fr" else ENGLISH), UNICODE_PRINTED):
        assert flat(expected) in flat(text), expected

    pages = pages_of(path)
    assert len(pages) == len(pngs)
    for number, words in enumerate(pages, start=1):
        clashes = [
            (a[4], b[4]) for i, a in enumerate(words) for b in words[i + 1 :] if overlaps(a, b)
        ]
        assert clashes == [], f"page {number}: overlapping words {clashes[:5]}"
        page = [w for w in words if w[4] == "Page"][-1]
        counter = [w for w in words if w[4] == f"{number}/{len(pages)}"]
        assert counter and counter[0][0] > page[2], f"page {number}: no 'Page {number}/…'"
        footer = [w for w in words if w[3] > page[1] and w not in (page, counter[0])]
        assert footer, f"page {number}: no footer"
        assert max(w[2] for w in footer) < page[0] - 5, f"page {number}: footer runs into 'Page'"
        body = [w for w in words if w[3] <= page[1]]
        assert max(w[3] for w in body) < min(w[1] for w in footer), f"page {number}: body in footer"


def test_a_character_without_a_glyph_prints_as_a_square() -> None:
    assert printable("≥ Ł ő 😀") == "≥ Ł ő 😀"
    assert printable("🔥 中") == "□ □"
    assert printable("👍 ok\r\n\tnext") == "□ ok\n next"


async def test_without_the_font_files_the_document_is_still_made(
    engine: Engine, admin: Actor, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    quote = await a_quote(engine, admin, alice)
    monkeypatch.setattr(pdf_fonts, "covered", lambda: None)
    text = flat(pdf_text(render(quote, "fr", SETTINGS, compress=False)))
    assert "Poêles & Flammes SARL" in text and "1 071,17 €" in text
    assert "Débit ? 8 kW — ?ód?, Gy?r ? ?" in text  # Helvetica: Windows-1252 only
