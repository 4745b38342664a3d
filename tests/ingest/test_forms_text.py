"""Form field extraction and text helpers: plain unit tests."""

from __future__ import annotations

from ingest.forms import extract, field_for, normalize_label
from ingest.text import html_to_text, trim_reply


def test_labels_match_in_french_and_english_whatever_their_decoration() -> None:
    assert field_for("Téléphone") == field_for("phone") == field_for("*Tel.*") == "phone"
    assert field_for("Votre e-mail") == field_for("your-email") == field_for("Courriel") == "email"
    assert field_for("Société") == field_for("Company name") == "company"
    assert field_for("Prénom") == field_for("First name") == "first_name"
    assert field_for("Nom") == field_for("Name") == "name"
    assert field_for("Couleur préférée") is None
    assert normalize_label("  Nom de l'entreprise : ") == "nom de l entreprise"


def test_label_value_lines_with_a_multi_line_message_and_custom_fields() -> None:
    form = extract(
        "Name: Ana Lopez\nEmail: ana@lopez.es\nBudget: 5 000 €\nMessage: First line\n"
        "second line\nNote: still the message\n"
    )
    assert form is not None
    assert (form.name, form.email) == ("Ana Lopez", "ana@lopez.es")
    assert form.message == "First line\nsecond line\nNote: still the message"
    assert form.extra == {"Budget": "5 000 €"}


def test_label_on_its_own_line_with_the_value_below() -> None:
    form = extract("Name\nAna Lopez\n\nEmail\nana@lopez.es\n\nComment or Message\nHello there\n")
    assert form is not None
    assert (form.name, form.email, form.message) == ("Ana Lopez", "ana@lopez.es", "Hello there")


def test_a_plugin_field_key_ends_the_message_so_a_honeypot_is_seen() -> None:
    form = extract("Nom: Roux\nE-mail: r@roux.fr\nMessage: Bonjour\nwebsite_url: http://spam\n")
    assert form is not None
    assert form.message == "Bonjour"
    assert form.extra["website_url"] == "http://spam"


def test_ordinary_prose_is_not_a_form() -> None:
    assert extract("Bonjour,\nNote: je rappelle demain.\nMerci\n") is None
    assert extract("Phone: 06 00 00 00 00\n") is None  # one field is not a form


def test_urls_and_times_are_not_custom_fields() -> None:
    form = extract("Name: Ana\nEmail: a@b.es\nhttp://example.com\nRDV: 10:30\n10:30 works\n")
    assert form is not None
    assert form.extra == {"RDV": "10:30"}


def test_html_to_text_tables_lists_links_and_quotes() -> None:
    html = (
        "<p>Hi&nbsp;there</p><table><tr><td>Nom</td><td>Roux</td></tr>"
        "<tr><td>a</td><td>b</td><td>c</td></tr></table><ul><li>one</li></ul>"
        '<a href="https://x.fr/p">page</a><blockquote>old<br>text</blockquote>'
    )
    text = html_to_text(html)
    assert "Hi there" in text and "Nom: Roux" in text and "- one" in text
    assert "page (https://x.fr/p)" in text
    assert "a\nb\nc" in text
    assert "> text" in text


def test_html_to_text_survives_broken_markup() -> None:
    assert html_to_text("<p>unclosed <b>bold <table><tr><td>x") == "unclosed bold\n\nx"


def test_trim_reply_cuts_attributions_signatures_and_mobile_footers() -> None:
    assert trim_reply("Yes.\n\nOn Mon, 1 Jan 2024, Bob <b@x.fr>\nwrote:\n> old") == "Yes."
    assert trim_reply("Oui.\n-- \nJean\n06 00") == "Oui."
    assert trim_reply("Ok\n\nEnvoyé de mon iPhone") == "Ok"
    assert trim_reply("Fine\n-----Original Message-----\nFrom: x") == "Fine"
    assert trim_reply("> only a quote") == "> only a quote"  # never empty
