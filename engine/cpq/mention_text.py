"""The legal mentions of the quote document, in French and English.

The labels of the document itself are in :mod:`engine.cpq.text`; these are the
seller's identity, the terms and the work's dates, written from the settings
(:class:`engine.cpq.seller.Seller`) and the deal.
"""

from __future__ import annotations

MENTIONS: dict[str, dict[str, str]] = {
    "capital": {"en": ", share capital {amount}", "fr": " au capital de {amount}"},
    "siren": {"en": "Company\xa0no. {number}", "fr": "SIREN {number}"},
    "siret": {"en": "SIRET {number}", "fr": "SIRET {number}"},
    "rcs": {"en": "registered in {city} (RCS {number})", "fr": "RCS {city} {number}"},
    "vat": {"en": "VAT\xa0no. {number}", "fr": "TVA\xa0intracommunautaire\xa0{number}"},
    "work_start": {"en": "Work starts on: {date}", "fr": "Début des travaux : {date}"},
    "work_duration": {"en": "Estimated duration: {duration}", "fr": "Durée estimée : {duration}"},
    "days": {"en": "{count} days", "fr": "{count} jours"},
    "one_day": {"en": "1 day", "fr": "1 jour"},
    "conditions": {"en": "Terms", "fr": "Conditions"},
    "validity": {
        "en": "This quote is valid until {date}.",
        "fr": "Devis valable jusqu'au {date}.",
    },
    "validity_days": {
        "en": "This quote is valid for {days} days, until {date}.",
        "fr": "Devis valable {days} jours, jusqu'au {date}.",
    },
    "payment_days": {
        "en": "Payment: within {days} days of the invoice date.",
        "fr": "Paiement : à {days} jours à compter de la date de facture.",
    },
    "payment_now": {
        "en": "Payment: on receipt of the invoice.",
        "fr": "Paiement : à réception de la facture.",
    },
    "deposit": {
        "en": "A deposit of {percent} % ({amount}) is due on acceptance.",
        "fr": "Acompte de {percent} % ({amount}) à la signature du devis.",
    },
    "penalty": {
        "en": "Late payment: interest at {rate} % a year.",
        "fr": "Retard de paiement : pénalités au taux annuel de {rate} %.",
    },
    "indemnity": {
        "en": "A business customer paying late also owes a fixed recovery"
        " indemnity of €40 (French Commercial Code, art. L441-10 and D441-5).",
        "fr": "Tout professionnel en retard de paiement doit en outre une indemnité"
        " forfaitaire pour frais de recouvrement de 40 € (art. L441-10 et D441-5"
        " du Code de commerce).",
    },
    "no_discount": {
        "en": "No discount for early payment.",
        "fr": "Pas d'escompte pour paiement anticipé.",
    },
    "insurance": {
        "en": "Ten-year liability insurance (décennale): {insurer}, policy {policy},"
        " cover: {coverage}.",
        "fr": "Assurance décennale : {insurer}, contrat n° {policy},"
        " couverture géographique : {coverage}.",
    },
    "client_address": {"en": "Address", "fr": "Adresse"},
}


def mention(key: str, locale: str, **params: str) -> str:
    """A mention in ``locale`` (``fr`` or ``en``; English otherwise)."""
    table = MENTIONS[key]
    return (table.get(locale) or table["en"]).format(**params)
