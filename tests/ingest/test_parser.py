"""The parser on .eml fixtures: a pure function, no socket, no database."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from ingest.parser import ParsedMail, decode_bytes, parse
from tests.ingest.conftest import FIXTURES, eml


def test_french_contact_form_in_iso_8859_1_quoted_printable() -> None:
    mail = parse(eml("french_form_qp.eml"))
    assert mail.subject == "Nouveau message depuis le formulaire de contact"
    assert (mail.reply_to_name, mail.reply_to_email) == (
        "Hélène Lefèvre",
        "helene.lefevre@orange.fr",
    )
    assert mail.form is not None
    assert (mail.form.first_name, mail.form.name) == ("Hélène", "Lefèvre")
    assert mail.form.email == "helene.lefevre@orange.fr"
    assert mail.form.phone == "06 12 34 56 78"
    assert mail.form.company == "Boulangerie Lefèvre"
    assert mail.form.message.startswith("Bonjour, je souhaite remplacer ma chaudière fioul")
    assert mail.form.message.endswith("Merci d'avance.")
    assert mail.form.extra == {"Surface du logement": "120 m²"}
    assert "Cet e-mail a été envoyé" in mail.text  # the full text keeps the signature
    assert "Cet e-mail" not in mail.note


def test_html_only_mail_becomes_readable_text() -> None:
    mail = parse(eml("html_only.eml"))
    assert mail.html_only
    assert "Nous rénovons un immeuble de 24 logements" in mail.text
    assert "- Chaudière gaz à condensation" in mail.text
    assert "(https://girard-batiment.fr/cdc.pdf)" in mail.text
    assert "alert" not in mail.text and "color" not in mail.text and "ignored" not in mail.text
    assert (mail.from_name, mail.from_email) == ("Marc Girard", "marc.girard@girard-batiment.fr")


def test_html_table_form_with_an_empty_honeypot_field() -> None:
    mail = parse(eml("form_html_table.eml"))
    assert mail.form is not None
    assert (mail.form.first_name, mail.form.name) == ("Thomas", "Bernard")
    assert mail.form.email == "thomas.bernard@gmail.com"
    assert mail.form.message == "Je voudrais un devis pour un poêle à bois."
    assert mail.form.extra == {"Type de projet": "Poêle à bois", "website_url": ""}


def test_attachments_keep_name_type_and_content() -> None:
    mail = parse(eml("attachments.eml"))
    assert mail.text.startswith("Voici les plans")  # text/plain preferred to the HTML part
    names = [(a.filename, a.content_type) for a in mail.attachments]
    assert names == [("plans.pdf", "application/pdf"), ("conduit fumée.jpg", "image/jpeg")]
    assert mail.attachments[0].content.startswith(b"%PDF-1.4")


def test_encoded_word_headers_and_base64_body() -> None:
    mail = parse(eml("encoded_words.eml"))
    assert mail.subject == "Devis poêle à granulés"
    assert mail.from_name == "Élodie Béranger"
    assert mail.text.strip() == "Bonjour, je souhaite un devis pour un poêle."


def test_reply_is_trimmed_of_signature_and_quote_and_knows_its_thread() -> None:
    mail = parse(eml("reply.eml"))
    assert mail.note == "Parfait, mardi 10h me convient pour la visite."
    assert "> Bonjour, pouvons-nous passer mardi ?" in mail.text
    assert mail.references == ("first-1@acme-chauffage.fr",)


def test_outlook_reply_header_block_is_trimmed() -> None:
    mail = parse(eml("outlook_reply.eml"))
    assert mail.note == "Bonjour,\nLe montant me convient, on peut avancer.\nClaire"
    assert mail.form is None  # the quoted "De : … Objet :" block is not a form


def test_contact_form_7_default_template() -> None:
    mail = parse(eml("cf7.eml"))
    assert mail.form is not None
    assert (mail.form.name, mail.form.email) == (
        "Lucie Garnier",
        "lucie.garnier@garnier-conseil.fr",
    )
    assert mail.form.subject == "Devis isolation"
    assert mail.form.message.startswith("Bonjour, je voudrais isoler les combles")


@pytest.mark.parametrize(
    ("name", "kind"),
    [("auto_reply.eml", "auto_reply"), ("bounce.eml", "bounce"), ("list.eml", "list")],
)
def test_automated_mail_is_recognised(name: str, kind: str) -> None:
    assert parse(eml(name)).automated == kind


def test_precedence_bulk_and_read_receipts_are_automated() -> None:
    bulk = parse(b"From: a@b.fr\r\nPrecedence: bulk\r\n\r\nPromo\r\n")
    receipt = parse(
        b"From: a@b.fr\r\nContent-Type: multipart/report; report-type=disposition-notification;"
        b' boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nRead.\r\n--x--\r\n'
    )
    human = parse(b"From: a@b.fr\r\nAuto-Submitted: no\r\n\r\nHello\r\n")
    assert (bulk.automated, receipt.automated, human.automated) == ("bulk", "auto_reply", None)


def test_spam_score_headers() -> None:
    assert parse(b"X-Spam-Score: 7.5\r\n\r\nx").spam_score == 7.5
    assert parse(b"X-Spam-Status: Yes, score=12.1 required=5\r\n\r\nx").spam_score == 12.1
    assert parse(b"X-Spam-Score: lots\r\n\r\nx").spam_score is None


MALFORMED = sorted((FIXTURES / "malformed").glob("*.eml"))


@pytest.mark.parametrize("path", MALFORMED, ids=[p.name for p in MALFORMED])
def test_malformed_mail_never_raises_and_yields_a_picklable_result(path: Path) -> None:
    mail = parse(path.read_bytes())
    assert isinstance(mail, ParsedMail)
    assert pickle.loads(pickle.dumps(mail)) == mail  # it crosses the process pool


def test_unknown_charset_falls_back_to_a_readable_guess() -> None:
    mail = parse(eml("malformed/unknown_charset.eml"))
    assert mail.text.strip() == "Café crème, naïve über."
    assert mail.subject.startswith("qaplaé")


def test_broken_boundary_is_read_as_text() -> None:
    mail = parse(eml("malformed/broken_boundary.eml"))
    assert "The boundary never appears" in mail.text
    assert "StartBoundaryNotFoundDefect" in mail.defects


def test_eight_bit_garbage_in_headers_and_body() -> None:
    mail = parse(eml("malformed/eight_bit_garbage.eml"))
    assert mail.from_email == "garbage@eight-bit-test.fr"
    assert "garbage bytes" in mail.text
    assert "invalid utf8" in mail.subject


def test_huge_headers_are_parsed() -> None:
    subject = b"Subject: " + b"\r\n ".join(b"x" * 900 for _ in range(600)) + b"\r\n"
    many = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"y" * 80) for i in range(5000))
    mail = parse(b"From: a@b.fr\r\n" + subject + many + b"\r\nbody\r\n")
    assert len(mail.subject) == 998
    assert mail.text.strip() == "body"


def test_decode_bytes_never_raises() -> None:
    assert decode_bytes("été".encode("latin-1"), "iso-8859-1") == "été"
    assert decode_bytes("été".encode(), "iso-8859-1") == "Ã©tÃ©"  # declared wins when it decodes
    assert decode_bytes("été".encode(), "no-such-charset") == "été"
    assert decode_bytes(b"\x81\x8d\x8f", None)  # undefined in cp1252: replaced, not raised
    assert decode_bytes(b"SGVsbG8=", "base64") == "SGVsbG8="  # a bytes codec is not a charset
