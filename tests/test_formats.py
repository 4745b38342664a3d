"""One formatting module (engine/text/formats.py): every value as each reader writes it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from engine.text import formats

NBSP, NNBSP = "\u00a0", "\u202f"
NOW = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)  # a Thursday; 14:30 in Paris


@pytest.mark.parametrize(
    ("amount", "currency", "fr", "en"),
    [
        (D("-69"), "EUR", f"-69,00{NBSP}€", "-€69.00"),
        (D("2890"), "EUR", f"2{NNBSP}890,00{NBSP}€", "€2,890.00"),
        (D("8000.5"), "EUR", f"8{NNBSP}000,50{NBSP}€", "€8,000.50"),
        (D("0.005"), "EUR", f"0,01{NBSP}€", "€0.01"),  # half-up, never half-even
        (D("0.015"), "EUR", f"0,02{NBSP}€", "€0.02"),
        (D("1234.565"), "USD", f"1{NNBSP}234,57{NBSP}$US", "$1,234.57"),
        (D("2890"), "JPY", f"2{NNBSP}890{NBSP}JPY", "¥2,890"),  # no decimals in yen
        (D("2890.5"), "JPY", f"2{NNBSP}891{NBSP}JPY", "¥2,891"),
        (D("-1500"), "JPY", f"-1{NNBSP}500{NBSP}JPY", "-¥1,500"),
        (D("12.3456"), "KWD", f"12,346{NBSP}KWD", "KWD\u00a012.346"),  # three decimals
        (D("200"), "GBP", f"200,00{NBSP}£GB", "£200.00"),
        (D("99.9"), "CHF", f"99,90{NBSP}CHF", "CHF\u00a099.90"),
        (D("1000000"), "EUR", f"1{NNBSP}000{NNBSP}000,00{NBSP}€", "€1,000,000.00"),
        (0, "EUR", f"0,00{NBSP}€", "€0.00"),
    ],
)  # fmt: skip
def test_money_in_any_currency_with_its_own_decimals(
    amount: D | int, currency: str, fr: str, en: str
) -> None:
    assert formats.money(amount, currency, "fr") == fr
    assert formats.money(amount, currency, "en") == en


def test_money_is_exact_and_says_when_there_is_none() -> None:
    assert formats.money(None, "EUR", "fr") == "—"
    with pytest.raises(TypeError):
        formats.money(69.0, "EUR", "fr")  # type: ignore[arg-type]
    assert formats.round_money(D("2.5"), "JPY") == D(3)
    assert formats.currency_digits("JPY") == 0 and formats.currency_digits("EUR") == 2
    assert formats.currency_symbol("EUR", "en") == "€"


@pytest.mark.parametrize(
    ("call", "fr", "en"),
    [
        (lambda loc: formats.number(D("7500.5"), loc), f"7{NNBSP}500,5", "7,500.5"),
        (lambda loc: formats.number(7500, loc, 2), f"7{NNBSP}500,00", "7,500.00"),
        (lambda loc: formats.number(D("0.125"), loc, 2), "0,13", "0.13"),
        (lambda loc: formats.percent(30, loc), f"30{NBSP}%", "30%"),
        (lambda loc: formats.percent(D("12.5"), loc, 1), f"12,5{NBSP}%", "12.5%"),
        (lambda loc: formats.percent(D("12.55"), loc, 1), f"12,6{NBSP}%", "12.6%"),
        (lambda loc: formats.day(date(2026, 12, 31), loc), "31/12/2026", "Dec 31, 2026"),
        (lambda loc: formats.weekday(date(2026, 12, 7), loc), "lundi", "Monday"),
        (lambda loc: formats.relative(NOW + timedelta(days=3), NOW, loc), "dans 3 jours",
         "in 3 days"),
        (lambda loc: formats.relative(NOW - timedelta(hours=2), NOW, loc), "il y a 2 heures",
         "2 hours ago"),
        (lambda loc: formats.when(NOW, "Europe/Paris", loc), "03/12/2026 14:30",
         f"Dec 3, 2026, 2:30{NNBSP}PM"),
        (lambda loc: formats.short_day(NOW, "Europe/Paris", loc), "03/12", "Dec 3"),
    ],
)  # fmt: skip
def test_numbers_percentages_and_days_in_french_and_english(call, fr: str, en: str) -> None:  # type: ignore[no-untyped-def]
    assert call("fr") == fr
    assert call("en") == en


@pytest.mark.parametrize(
    ("moment", "tz", "fr"),
    [
        # the last Sunday of March: Paris goes from UTC+1 to UTC+2 at 01:00 UTC
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "Europe/Paris", "29/03/2026 01:59 CET"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Europe/Paris", "29/03/2026 03:00 CEST"),
        # the last Sunday of October: 02:30 happens twice, each named by its zone
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Europe/Paris", "25/10/2026 02:30 CEST"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Europe/Paris", "25/10/2026 02:30 CET"),
        # New York changes on other Sundays (8 March, 1 November 2026)
        (datetime(2026, 3, 8, 6, 59, tzinfo=UTC), "America/New_York", "08/03/2026 01:59 EST"),
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "America/New_York", "08/03/2026 03:00 EDT"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "Europe/Paris", "01/01/2027 00:30 CET"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "UTC", "31/12/2026 23:30 UTC"),
    ],
)  # fmt: skip
def test_moments_are_in_the_readers_zone_named_around_dst(
    moment: datetime, tz: str, fr: str
) -> None:
    assert formats.when(moment, tz, "fr", zone=True) == fr


def test_the_zone_is_named_only_where_it_could_be_misread() -> None:
    assert formats.when_for(NOW, "Europe/Paris", "fr", "Europe/Paris") == "03/12/2026 14:30"
    assert formats.when_for(NOW, "Europe/Paris", "fr", None) == "03/12/2026 14:30"
    assert formats.when_for(NOW, "America/New_York", "en", "Europe/Paris") == (
        f"Dec 3, 2026, 8:30{NNBSP}AM EST"
    )
    assert formats.day(NOW.replace(hour=23, minute=30), "fr", "Europe/Paris") == "04/12/2026"


def test_an_unknown_locale_reads_english_and_a_naive_moment_is_utc() -> None:
    assert formats.money(D("-69"), "EUR", "xx") == "-€69.00"
    assert formats.when(datetime(2026, 12, 3, 13, 30), "UTC", "fr") == "03/12/2026 13:30"


def test_importing_the_module_does_not_import_babel() -> None:
    """The command line starts fast: Babel is imported when a value is first shown."""
    code = "import sys, engine.text.formats, engine.text.typed; print('babel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
