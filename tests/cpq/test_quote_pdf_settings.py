"""The seller's settings for the devis: validated with their path, warned about when missing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from config.check import check_folder
from config.cpq_schema import CpqConfigError, load_pricing_file
from engine.cpq.seller import DealFields, Insurance, Seller, missing_mentions

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "pricing.yaml"


def pricing(tmp_path: Path, seller: str) -> Path:
    path = tmp_path / "pricing.yaml"
    path.write_text(f"quotes:\n  seller:\n{seller}", encoding="utf-8")
    return path


def test_the_shipped_pricing_yaml_sets_every_mention() -> None:
    settings = load_pricing_file(SHIPPED).settings
    seller = settings.seller
    assert seller == Seller(
        name="Poêles & Flammes",
        legal_form="SARL",
        address=("12 rue des Artisans, 69003 Lyon",),
        siren="123456782",
        siret="12345678200010",
        rcs_city="Lyon",
        share_capital=Decimal(10000),
        vat_number="FR11123456782",
        building_trade=True,
        insurance=Insurance("MAAF Pro", "DEC-2026-0042", "France métropolitaine"),
        payment_days=30,
        deposit_percent=Decimal(30),
        late_penalty_rate=Decimal("12.5"),
    )
    assert settings.deal_fields == DealFields()
    assert missing_mentions(seller) == []


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ("    siren: 123 456 789\n", "quotes.seller.siren: not a valid SIREN: its check digit"),
        ("    siren: '12345'\n", "quotes.seller.siren: a SIREN is 9 digits"),
        ("    siret: '12345678200011'\n", "quotes.seller.siret: not a valid SIRET"),
        (
            "    siren: '123456782'\n    siret: '73282932010008'\n",
            "quotes.seller: siret does not start with siren",
        ),
        ("    vat_number: FR99123456782\n", "quotes.seller.vat_number: not a valid French VAT"),
        (
            "    siren: '443061841'\n    vat_number: FR11123456782\n",
            "quotes.seller: vat_number is not the French VAT number of siren",
        ),
        ("    payment_days: 90\n", "quotes.seller.payment_days: Input should be less than"),
        ("    late_penalty_rate: -1\n", "quotes.seller.late_penalty_rate: Input should be"),
        ("    insurance: {insurer: X, colour: red}\n", "quotes.seller.insurance.colour: unknown"),
        ("    share_capital: 10.001\n", "quotes.seller.share_capital:"),
    ],
)
def test_a_bad_seller_setting_names_the_file_and_the_key(
    tmp_path: Path, lines: str, problem: str
) -> None:
    with pytest.raises(CpqConfigError) as error:
        load_pricing_file(pricing(tmp_path, lines))
    assert any(p.startswith(f"pricing.yaml: {problem}") for p in error.value.problems), (
        error.value.problems
    )


def test_config_check_warns_about_each_missing_mention(tmp_path: Path) -> None:
    pricing(tmp_path, "    name: Bâti Sud\n    legal_form: SAS\n    building_trade: true\n")
    report = check_folder(tmp_path)
    assert report.problems == []
    text = "\n".join(report.found)
    for key in (
        "address", "siren", "rcs_city", "vat_number", "payment_days", "late_penalty_rate",
        "share_capital", "insurance.insurer", "insurance.policy", "insurance.coverage",
    ):  # fmt: skip
        assert f"warning: pricing.yaml: quotes.seller.{key}: a French devis needs" in text, key
    assert "quotes.seller.name:" not in text


def test_a_sole_trader_needs_no_share_capital_nor_an_insurance_outside_building() -> None:
    seller = Seller(
        name="Jean Artisan",
        legal_form="EI",
        address=("1 place du Marché",),
        siret="12345678200010",
        rcs_city="Lyon",
        vat_number="FR11123456782",
        payment_days=0,
        late_penalty_rate=Decimal(10),
    )
    assert missing_mentions(seller) == []
