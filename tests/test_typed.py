"""What people type (engine/text/typed.py): amounts and moments, in French and English."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from engine.text import typed

# -- amounts -----------------------------------------------------------------------------

# text, value (or an error code), currency
AMOUNTS_FR: list[tuple[str, str, str | None]] = [
    ("7 500", "7500", None), ("7 500 €", "7500", "EUR"), ("7500€", "7500", "EUR"),
    ("7\u202f500,50\u00a0€", "7500.50", "EUR"), ("7.500,50", "7500.50", None),
    ("7 500,50", "7500.50", None), ("7500,5", "7500.5", None), ("7500.50", "7500.50", None),
    ("7,5 k€", "7500", "EUR"), ("7,5k", "7500", None), ("8k", "8000", None),
    ("8 k€", "8000", "EUR"), ("$7,500.50", "7500.50", "USD"), ("7.500", "7500", None),
    ("1.234.567", "1234567", None), ("1 234 567,89", "1234567.89", None),
    ("-69", "-69", None), ("-69,00 €", "-69.00", "EUR"), ("− 69", "-69", None),
    ("69 euros", "69", "EUR"), ("EUR 12", "12", "EUR"), ("12 JPY", "12", "JPY"),
    ("£200", "200", "GBP"), ("200 CHF", "200", "CHF"), ("0", "0", None),
    ("0,5", "0.5", None), ("12", "12", None), ("7'500", "7500", None),
    ("7,500", "amount.ambiguous", None), ("1,250", "amount.ambiguous", None),
    ("abc", "amount.unreadable", None), ("7 5", "amount.unreadable", None),
    ("75 00", "amount.unreadable", None), ("7,500k", "amount.ambiguous", None),
    ("1 234k", "amount.unreadable", None), ("Lot 7", "amount.unreadable", None),
    ("7 500 € €", "amount.unreadable", None), ("--5", "amount.unreadable", None),
    ("", "amount.unreadable", None), ("1.2.3,4,5", "amount.unreadable", None),
    ("€ 5 $", "amount.unreadable", None),
]  # fmt: skip
AMOUNTS_EN: list[tuple[str, str, str | None]] = [
    ("7,500", "7500", None), ("7,500.50", "7500.50", None), ("$7,500.50", "7500.50", "USD"),
    ("7500.50", "7500.50", None), ("7.5k", "7500", None), ("7.5k$", "7500", "USD"),
    ("7 500", "7500", None), ("7 500 €", "7500", "EUR"), ("€7,500", "7500", "EUR"),
    ("7.500,50", "7500.50", None), ("7,5", "7.5", None), ("1,234,567", "1234567", None),
    ("1,234,567.89", "1234567.89", None), ("-69", "-69", None), ("-$69.00", "-69.00", "USD"),
    ("$-69", "-69", "USD"), ("69 USD", "69", "USD"), ("USD 69", "69", "USD"),
    ("£200", "200", "GBP"), ("¥2,890", "2890", "JPY"), ("0.5", "0.5", None),
    ("12", "12", None), ("100k", "100000", None), ("2.25k", "2250", None),
    ("7.500", "amount.ambiguous", None), ("1.250", "amount.ambiguous", None),
    ("seven", "amount.unreadable", None), ("7 5", "amount.unreadable", None),
    ("1,23,456", "amount.unreadable", None), ("7.500k", "amount.ambiguous", None),
    ("Lot 7", "amount.unreadable", None), ("$ 5 €", "amount.unreadable", None),
    ("--5", "amount.unreadable", None), ("", "amount.unreadable", None),
    ("5 dollars", "amount.unreadable", None), ("12,34,56.7", "amount.unreadable", None),
    ("1.2.3", "1.2.3", None), ("7,500.5.0", "amount.unreadable", None),
    ("1 000 000", "1000000", None), ("1,000,000 €", "1000000", "EUR"),
]  # fmt: skip


def check_amount(locale: str, text: str, expected: str, currency: str | None) -> None:
    if "." in expected and not expected.replace(".", "").lstrip("-").isdigit():
        with pytest.raises(typed.Unreadable) as refused:
            typed.amount(text, locale)
        assert refused.value.code == expected
        return
    if expected == "1.2.3":  # a repeated mark groups thousands: "1.2.3" groups nothing
        with pytest.raises(typed.Unreadable):
            typed.amount(text, locale)
        return
    assert typed.amount(text, locale) == typed.Amount(D(expected), currency)


@pytest.mark.parametrize(("text", "expected", "currency"), AMOUNTS_FR)
def test_amounts_typed_in_french(text: str, expected: str, currency: str | None) -> None:
    check_amount("fr", text, expected, currency)


@pytest.mark.parametrize(("text", "expected", "currency"), AMOUNTS_EN)
def test_amounts_typed_in_english(text: str, expected: str, currency: str | None) -> None:
    check_amount("en", text, expected, currency)


def test_an_ambiguous_amount_is_a_question_in_the_readers_language() -> None:
    with pytest.raises(typed.Unreadable) as refused:
        typed.amount("7,500", "fr")
    assert refused.value.text("fr") == (
        "'7,500' peut se lire 7,5 ou 7 500 : écrivez-le sans doute possible"
    )
    assert "could be" in str(refused.value)


# -- moments -----------------------------------------------------------------------------

# Thursday 3 December 2026, 11:00 in Paris, 05:00 in New York
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

# text, the local moment ("YYYY-MM-DD HH:MM" in the reader's zone) or an error code
MOMENTS_FR: list[tuple[str, str]] = [
    ("demain 9:00", "2026-12-04 09:00"), ("demain à 9h", "2026-12-04 09:00"),
    ("demain 9h", "2026-12-04 09:00"), ("demain a 9h30", "2026-12-04 09:30"),
    ("demain", "2026-12-04 09:00"), ("Demain à 14h", "2026-12-04 14:00"),
    ("après-demain", "2026-12-05 09:00"), ("apres-demain 8h", "2026-12-05 08:00"),
    ("aujourd'hui 14h", "2026-12-03 14:00"), ("aujourd’hui 17:45", "2026-12-03 17:45"),
    ("aujourd'hui", "2026-12-03 12:00"),  # after 09:00: the next full hour
    ("lundi", "2026-12-07 09:00"), ("Lundi", "2026-12-07 09:00"),
    ("lundi prochain", "2026-12-07 09:00"), ("lundi prochain 14h30", "2026-12-07 14:30"),
    ("jeudi", "2026-12-10 09:00"),  # today is Thursday: next week's
    ("ven.", "2026-12-04 09:00"), ("mercredi à midi", "2026-12-09 12:00"),
    ("20/06/2027", "2027-06-20 09:00"), ("31/12/2026", "2026-12-31 09:00"),
    ("31/12/2026 17h", "2026-12-31 17:00"), ("2026-12-31", "2026-12-31 09:00"),
    ("2026-12-31 14:30", "2026-12-31 14:30"), ("2026-12-31T14:30", "2026-12-31 14:30"),
    ("20/06", "2027-06-20 09:00"), ("24/12", "2026-12-24 09:00"),
    ("06/05/2027", "2027-05-06 09:00"), ("6.5.27", "2027-05-06 09:00"),
    ("3 janvier", "2027-01-03 09:00"), ("3 janvier 2027 10h", "2027-01-03 10:00"),
    ("15 févr. 2027", "2027-02-15 09:00"), ("15 fevrier", "2027-02-15 09:00"),
    ("dimanche 20 juin 2027", "2027-06-20 09:00"), ("dans 3 jours", "2026-12-06 09:00"),
    ("dans 2 semaines", "2026-12-17 09:00"), ("dans 2 heures", "2026-12-03 13:00"),
    ("+3j", "2026-12-06 09:00"), ("+2h", "2026-12-03 13:00"), ("+1w", "2026-12-10 09:00"),
    ("14h", "2026-12-03 14:00"), ("à 18h15", "2026-12-03 18:15"), ("minuit", "2026-12-03 00:00"),
    ("lundi 20 juin", "date.unreadable"),  # 20 June 2027 is a Sunday
    ("31/02/2026", "date.unreadable"), ("32/01/2027", "date.unreadable"),
    ("demain 25h", "date.unreadable"), ("un jour", "date.unreadable"),
    ("bientôt", "date.unreadable"), ("9", "date.unreadable"),
    ("dans 3 mois", "date.unreadable"),
]  # fmt: skip
MOMENTS_EN: list[tuple[str, str]] = [
    ("tomorrow 9am", "2026-12-04 09:00"), ("tomorrow at 9am", "2026-12-04 09:00"),
    ("tomorrow 9:30 pm", "2026-12-04 21:30"), ("tomorrow", "2026-12-04 09:00"),
    ("tomorrow 12am", "2026-12-04 00:00"), ("tomorrow 12pm", "2026-12-04 12:00"),
    ("today 2pm", "2026-12-03 14:00"), ("today", "2026-12-03 09:00"),  # 05:00 in New York
    ("next Monday", "2026-12-07 09:00"), ("monday", "2026-12-07 09:00"),
    ("Mon", "2026-12-07 09:00"), ("next monday 2:30pm", "2026-12-07 14:30"),
    ("friday at noon", "2026-12-04 12:00"), ("thursday", "2026-12-10 09:00"),
    ("in 3 days", "2026-12-06 09:00"), ("in 2 weeks", "2026-12-17 09:00"),
    ("in 2 hours", "2026-12-03 07:00"), ("in 90 minutes", "2026-12-03 06:30"),
    ("+3d", "2026-12-06 09:00"), ("+2h", "2026-12-03 07:00"),
    ("2026-12-31", "2026-12-31 09:00"), ("2026-12-31 14:30", "2026-12-31 14:30"),
    ("20/06/2027", "2027-06-20 09:00"), ("06/20/2027", "2027-06-20 09:00"),
    ("12/31/2026", "2026-12-31 09:00"), ("31/12/2026", "2026-12-31 09:00"),
    ("05/05/2027", "2027-05-05 09:00"), ("06/05/2027", "date.ambiguous"),
    ("1/2/2027", "date.ambiguous"), ("01/02", "date.ambiguous"),
    ("January 3", "2027-01-03 09:00"), ("January 3, 2027", "2027-01-03 09:00"),
    ("Jan 3 2027 10am", "2027-01-03 10:00"), ("3 January 2027", "2027-01-03 09:00"),
    ("Dec 24", "2026-12-24 09:00"), ("Sunday June 20 2027", "2027-06-20 09:00"),
    ("day after tomorrow", "2026-12-05 09:00"), ("midnight", "2026-12-03 00:00"),
    ("9am", "2026-12-03 09:00"), ("at 6:15pm", "2026-12-03 18:15"),
    ("tomorrow 13pm", "date.unreadable"), ("February 30", "date.unreadable"),
    ("someday", "date.unreadable"), ("soon", "date.unreadable"),
    ("in a week", "date.unreadable"), ("9", "date.unreadable"),
]  # fmt: skip


def check_moment(text: str, expected: str, tz: str, locale: str) -> None:
    if not expected[0].isdigit():
        with pytest.raises(typed.Unreadable) as refused:
            typed.moment(text, tz, NOW, locale)
        assert refused.value.code == expected
        return
    found = typed.moment(text, tz, NOW, locale)
    assert found.at.tzinfo is UTC
    assert found.at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize(("text", "expected"), MOMENTS_FR)
def test_moments_typed_in_french_in_paris(text: str, expected: str) -> None:
    check_moment(text, expected, "Europe/Paris", "fr")


@pytest.mark.parametrize(("text", "expected"), MOMENTS_EN)
def test_moments_typed_in_english_in_new_york(text: str, expected: str) -> None:
    check_moment(text, expected, "America/New_York", "en")


def test_a_day_alone_says_it_has_no_time() -> None:
    assert not typed.moment("lundi", "Europe/Paris", NOW, "fr").has_time
    assert typed.moment("lundi 10h", "Europe/Paris", NOW, "fr").has_time
    assert typed.moment("lundi", "Europe/Paris", NOW, "fr").day == date(2026, 12, 7)


# Friday 26 March 2027, 11:00 in Paris; the clocks go forward on Sunday 28 March at 02:00
BEFORE_DST = datetime(2027, 3, 26, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("samedi 10h", datetime(2027, 3, 27, 9, 0, tzinfo=UTC)),  # CET, UTC+1
        ("dimanche 10h", datetime(2027, 3, 28, 8, 0, tzinfo=UTC)),  # CEST, UTC+2
        ("dans 3 jours", datetime(2027, 3, 29, 7, 0, tzinfo=UTC)),  # 09:00 CEST
        ("28/03/2027 01h30", datetime(2027, 3, 28, 0, 30, tzinfo=UTC)),
        ("28/03/2027 03h00", datetime(2027, 3, 28, 1, 0, tzinfo=UTC)),
        ("+48h", datetime(2027, 3, 28, 10, 0, tzinfo=UTC)),  # elapsed hours, not wall clock
    ],
)  # fmt: skip
def test_moments_across_the_spring_change_in_paris(text: str, utc: datetime) -> None:
    assert typed.moment(text, "Europe/Paris", BEFORE_DST, "fr").at == utc


def test_an_hour_the_clocks_skip_is_refused_and_one_they_repeat_is_the_first() -> None:
    with pytest.raises(typed.Unreadable) as refused:
        typed.moment("28/03/2027 2h30", "Europe/Paris", BEFORE_DST, "fr")
    assert refused.value.code == "date.missing_time"
    assert "changement d'heure" in refused.value.text("fr")
    twice = typed.moment("31/10/2027 2h30", "Europe/Paris", BEFORE_DST, "fr")
    assert twice.at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # CEST, the first 02:30
    # New York skips 02:00-03:00 on 14 March 2027
    with pytest.raises(typed.Unreadable):
        typed.moment("March 14, 2027 2:30am", "America/New_York", NOW, "en")
    assert typed.moment("March 14, 2027 3:30am", "America/New_York", NOW, "en").at == (
        datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    )


def test_an_ambiguous_date_is_a_question_in_the_readers_language() -> None:
    with pytest.raises(typed.Unreadable) as refused:
        typed.moment("06/05/2027", "America/New_York", NOW, "en")
    assert str(refused.value) == (
        "'06/05/2027' could be June 5 or May 6: write the month in letters"
    )


@pytest.mark.parametrize(
    ("text", "when", "rest"),
    [
        ("demain à 9h Rappeler", "2026-12-04 09:00", "Rappeler"),
        ("demain 9:00 Rappeler le client", "2026-12-04 09:00", "Rappeler le client"),
        ("lundi prochain 14h30 Visite technique", "2026-12-07 14:30", "Visite technique"),
        ("20/06/2027 Visite", "2027-06-20 09:00", "Visite"),
        ("dans 3 jours Relancer", "2026-12-06 09:00", "Relancer"),
        ("demain 9 personnes", "2026-12-04 09:00", "9 personnes"),  # a bare 9 is not a time
        ("3 janvier Vœux", "2027-01-03 09:00", "Vœux"),
    ],
)  # fmt: skip
def test_a_line_starts_with_its_moment_and_the_rest_is_the_subject(
    text: str, when: str, rest: str
) -> None:
    found = typed.split_moment(text, "Europe/Paris", NOW, "fr")
    assert found is not None
    moment, subject = found
    assert moment.at.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d %H:%M") == when
    assert subject == rest
    assert typed.split_moment("Rappeler demain", "Europe/Paris", NOW, "fr") is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("31/12/2026", date(2026, 12, 31)), ("2026-12-31", date(2026, 12, 31)),
        ("31 décembre 2026", date(2026, 12, 31)), ("1/2/2027", date(2027, 2, 1)),
        ("demain", date(2026, 12, 4)), ("+3j", date(2026, 12, 6)),
    ],
)  # fmt: skip
def test_a_day_for_a_date_field_reads_day_first(text: str, day: date) -> None:
    assert typed.day(text, date(2026, 12, 3)) == day


def test_a_date_field_refuses_what_is_no_day() -> None:
    for text in ("", "31/02/2026", "+2h", "bientôt"):
        with pytest.raises(ValueError):
            typed.day(text, date(2026, 12, 3))
