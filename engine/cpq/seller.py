"""Who sells, and the legal mentions a quote (a French *devis*) must carry.

The seller is configuration (``pricing.yaml``, ``quotes.seller``: see
:mod:`config.seller_schema`); the work's start date, its duration and, for a
client without an organisation, the postal address are read from the deal's
custom fields named by :class:`DealFields`. Everything is printed when set;
:func:`missing_mentions` lists what a French devis would lack, for
``run.py config check``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Insurance:
    """The décennale (ten-year liability) insurance of a building trade."""

    insurer: str = ""
    policy: str = ""
    coverage: str = ""


@dataclass(frozen=True, slots=True)
class Seller:
    """The seller's legal identity and terms, as the document prints them."""

    name: str = ""
    legal_form: str = ""
    address: tuple[str, ...] = ()
    siren: str = ""
    siret: str = ""
    rcs_city: str = ""
    share_capital: Decimal | None = None
    vat_number: str = ""
    company_number: str = ""
    building_trade: bool = False
    insurance: Insurance = field(default_factory=Insurance)
    payment_days: int | None = None
    deposit_percent: Decimal | None = None
    late_penalty_rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DealFields:
    """The deal's custom fields that hold the work's start, duration and the client's address."""

    work_start: str = "debut_travaux"
    work_duration: str = "duree_travaux"
    client_address: str = "adresse_client"


# What a French devis needs from the settings, by the key it is set with.
FRENCH_MANDATORY: tuple[tuple[str, str], ...] = (
    ("name", "the seller's name"),
    ("address", "the seller's address"),
    ("siren", "the SIREN (or siret)"),
    ("rcs_city", "the RCS city"),
    ("vat_number", "the intra-EU VAT number"),
    ("payment_days", "the payment terms"),
    ("late_penalty_rate", "the late-payment penalty rate"),
)


def missing_mentions(seller: Seller) -> list[str]:
    """``key: what`` for each mention a French devis by this seller would lack."""
    missing = [
        f"{key}: {what}"
        for key, what in FRENCH_MANDATORY
        if getattr(seller, key) in (None, "", ()) and not (key == "siren" and seller.siret)
    ]
    sole = seller.legal_form.upper() in ("", "EI", "EIRL", "MICRO-ENTREPRISE")
    if not sole and seller.share_capital is None:
        missing.append("share_capital: the share capital of a company")
    if seller.building_trade:
        cover = seller.insurance
        for key, value in (
            ("insurer", cover.insurer),
            ("policy", cover.policy),
            ("coverage", cover.coverage),
        ):
            if not value:
                missing.append(f"insurance.{key}: the décennale insurance's {key}")
    return missing
