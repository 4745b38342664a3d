"""The engine's refusals read in the reader's language (issue #14), through the adapters.

An engine refusal is a message code with parameters (a ``Phrase`` per refused field);
the command line and Slack render it with the field's label, and a list of choices as
the choices' labels. Each case here runs the real command (``run.py``'s ``main``,
in-process) against a real SQLite file, once with ``--lang fr`` and once with
``--lang en``: the French answer holds no English word, the English one no French word.
The engine's other refusals (a backup, a CSV file, a mail, an outbox message, a change
only an admin may make) are raised by the real engine and rendered by the command line's
and Slack's own renderers (the commands that reach them do not take ``--lang``).
"""

from __future__ import annotations

import asyncio
import io
import os
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest

from bot.errors import describe
from cli.listing import explain
from cli.main import main
from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from engine.crm.users import UserDraft
from engine.errors import Forbidden, RelaisError, ValidationFailed
from engine.mail.inbox import RawMail
from engine.outbox import queue

ADMIN = Actor.cli("test")
Run = Callable[..., tuple[int, str, str]]

# Words one language uses and the other never does (the data is chosen free of them).
ENGLISH = re.compile(
    r"\b(the|an|of|not|no|cannot|unknown|user|quote|lead|needs?|line|lines|status|error"
    r"|invalid|input|can|become|sent|draft|accepted|converted|owner|only|is|backup|file"
    r"|empty|held|received|dead|letter|retried|object|mail)\b",
    re.IGNORECASE,
)
FRENCH = re.compile(
    r"\b(le|la|les|une?|pas|piste|devis|statut|erreur|ligne|lignes|inconnu|peut|être"
    r"|fichier|vide|sauvegarde|courriel|seul|retenu|reçu|objet|responsable)\b",
    re.IGNORECASE,
)
WORDS = {"fr": ENGLISH, "en": FRENCH}  # what each language must not hold


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``run(*words)``: ``run.py WORDS`` in-process on a seeded database; (code, out, err)."""
    for name in list(os.environ):
        if name.startswith(("RELAIS_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RELAIS_DATABASE", str(tmp_path / "cli.db"))
    monkeypatch.setenv("RELAIS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RELAIS_LOG_LEVEL", "WARNING")
    (tmp_path / "config").mkdir()
    asyncio.run(seed(tmp_path / "cli.db"))

    def command(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return command


async def seed(path: Path) -> None:
    """A disqualified lead, a deal, a product and a draft quote on the deal."""
    engine = await Engine.open(path)
    try:
        lead = await engine.leads.create(LeadDraft("Insert", ContactDraft("Léa Petit")), ADMIN)
        await engine.leads.set_status(lead.id, "disqualified", ADMIN, reason="doublon")
        deal = await engine.deals.create(DealDraft("Poêle Rika"), ADMIN)
        product = Product("PG-ECO8", "Poêle Eco 8 kW", Decimal("2490.00"), tax_rate=Decimal("5.5"))
        await engine.products.import_all([product], ADMIN)
        assert deal.id == 1
    finally:
        await engine.close()


# (command, {language: the line it prints for the refused field})
CASES: list[tuple[tuple[str, ...], dict[str, str]]] = [
    (  # engine/crm/leads.py: the status shown as its label
        ("lead", "convert", "1"),
        {
            "fr": "Statut : une piste au statut Disqualifié ne peut pas être convertie",
            "en": "Status: a lead in status Disqualified cannot be converted",
        },
    ),
    (  # engine/crm/users.py through engine/crm/activities.py
        ("activity", "add", "call", "Rappeler", "--deal", "1", "--owner", "ghost@x.fr"),
        {
            "fr": "Responsable : utilisateur inconnu : « ghost@x.fr »",
            "en": "Owner: unknown user 'ghost@x.fr'",
        },
    ),
    (  # engine/cpq/quotes.py: a quote without lines
        ("quote", "new", "1"),
        {
            "fr": "Lignes : un devis a besoin d'au moins une ligne",
            "en": "Lines: a quote needs at least one line",
        },
    ),
    (  # engine/cpq/pricing.py: a numbered line's label, the product a parameter
        ("quote", "new", "1", "--line", "NOPE=1"),
        {"fr": "Ligne 1 : produit inconnu : NOPE", "en": "Line 1: unknown product NOPE"},
    ),
    (  # engine/cpq/quotes.py: the statuses it can become, as labels
        ("quote", "status", "1", "accepted"),
        {
            "fr": "Statut : un devis brouillon peut devenir envoyé, pas accepté",
            "en": "Status: a draft quote can become sent, not accepted",
        },
    ),
]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_command_line_gives_each_refusal_in_the_readers_language(run: Run, lang: str) -> None:
    code, out, _ = run("quote", "new", "1", "--line", "PG-ECO8=1", "--lang", lang)
    assert code == 0, out
    for argv, expected in CASES:
        code, out, err = run(*argv, "--lang", lang)
        assert code == 1, (argv, out, err)
        lines = err.strip().splitlines()
        assert lines[0] == ("erreur : valeurs refusées" if lang == "fr" else "error: invalid input")
        assert expected[lang] in [line.strip() for line in lines[1:]], (argv, err)
        assert not WORDS[lang].search(err), (argv, err)


# -- the other modules: refused by the real engine, rendered by the adapters' renderers ---


def renderings(exc: RelaisError, lang: str) -> Iterator[str]:
    """What the command line (``explain``) and Slack (``describe``) say about ``exc``."""
    yield explain(exc, lang)
    yield describe(exc, lang)


async def refusal(call: Callable[[], object]) -> RelaisError:
    with pytest.raises(RelaisError) as caught:
        await call()  # type: ignore[misc]
    return caught.value


async def refusals(path: Path) -> dict[str, RelaisError]:
    """One refusal of each: engine/data (restore, CSV import), engine/mail, engine/outbox,
    a rep changing the catalogue (engine/facade: only an admin may), and a user whose
    time zone does not exist (engine/crm/users.py)."""
    engine = await Engine.open(path)
    try:
        await engine.users.upsert(UserDraft("Bob Durand", "bob@x.example", "U_BOB"), ADMIN)
        rep = await engine.users.actor_for("U_BOB", "cli")
        product = Product("PG-ECO8", "Poêle Eco 8 kW", Decimal("2490.00"))
        raw = b"From: jean@dupont.fr\r\nSubject: Devis\r\n\r\nBonjour\r\n"
        stored = await engine.mail.store(RawMail(raw, "jean@dupont.fr", ("leads@x.example",)))
        write = partial(queue.enqueue, kind="webhook", recipient="https://hooks.example/x",
                        payload={})  # fmt: skip
        await engine.db.write(write, ADMIN)
        (hook,) = await engine.outbox.claim(("webhook",))
        empty = io.StringIO("")
        stray = UserDraft("Ève Roux", "eve@x.example", "U_EVE", timezone="Europe/Pariss")
        return {
            "restore": await refusal(lambda: engine.data.restore([], ADMIN)),
            "import": await refusal(lambda: engine.data.import_csv("deals", empty, ADMIN)),
            "mail": await refusal(lambda: engine.mail.release(stored.mail_id, ADMIN)),
            "outbox": await refusal(lambda: engine.outbox.retry(hook.id, ADMIN)),
            "admin": await refusal(lambda: engine.products.import_all([product], rep)),
            "timezone": await refusal(lambda: engine.users.upsert(stray, ADMIN)),
        }
    finally:
        await engine.close()


# (the field's label, the reason): each adapter sets them out in its own way
EXPECTED: dict[str, dict[str, tuple[str, ...]]] = {
    "restore": {
        "fr": ("Sauvegarde", "une sauvegarde est un objet JSON"),
        "en": ("Backup", "a backup is a JSON object"),
    },
    "import": {"fr": ("En-tête", "le fichier est vide"), "en": ("Header", "the file is empty")},
    "mail": {
        "fr": ("Statut", "a le statut reçu, pas retenu"),
        "en": ("Status", "is received, not held"),
    },
    "outbox": {
        "fr": ("id", "seul un message en échec peut être renvoyé"),
        "en": ("id", "only a dead letter can be retried"),
    },
    "admin": {
        "fr": ("seul un administrateur peut modifier le catalogue",),
        "en": ("only an admin can change the catalogue",),
    },
    "timezone": {
        "fr": ("Fuseau horaire", "'Europe/Pariss' n'est pas un fuseau connu"),
        "en": ("Time zone", "'Europe/Pariss' is not a known zone"),
    },
}


def test_data_mail_outbox_and_admin_refusals_render_in_both_languages(tmp_path: Path) -> None:
    found = asyncio.run(refusals(tmp_path / "engine.db"))
    kinds = {name: type(exc) for name, exc in found.items()}
    refused = ("restore", "import", "mail", "outbox", "timezone")
    assert kinds == {**dict.fromkeys(refused, ValidationFailed), "admin": Forbidden}, kinds
    for name, exc in found.items():
        for lang in ("fr", "en"):
            for said in renderings(exc, lang):
                flat = said.replace("\xa0", " ")
                assert all(part in flat for part in EXPECTED[name][lang]), (name, lang, said)
                assert not WORDS[lang].search(flat.replace("JSON", "")), (name, lang, said)
