"""The command line's main flows, walked once in French and once in English (issue #14).

Each language gets a fresh database with what the flows need (two leads, a product, a
received mail, a workflow that ran, an outbox message), then every command runs through
``run.py``'s ``main`` with ``--lang``. What any of them prints — output and errors — must
hold no sentence of the other language, no ``{placeholder}`` left unfilled, and no
amount or date but in the reader's format.
"""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from engine.mail.inbox import RawMail
from engine.outbox import queue
from engine.outbox.queue import Outcome
from tests.cli.conftest import RunCli, isolate
from tests.workflows.conftest import SETUP, flows

ADMIN = Actor.cli("test")

# Words of a sentence in one language that the other never uses (data is chosen free of them).
WORDS = {
    "en": re.compile(
        r"\b(the|created|not|no|none|by|with|since|after|to|moved|queued|attempts?|error"
        r"|deal|deals|stage|runs?|open|follows|freely|stays|planned)\b",
        re.IGNORECASE,
    ),
    "fr": re.compile(
        r"\b(le|la|les|des|une?|aucune?|créée?|affaires?|prospects?|étape|statut|erreur|par"
        r"|depuis|pas|reçu|après|planifiée|reste|ouvertes?)\b",
        re.IGNORECASE,
    ),
}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
NBSP, NNBSP = "\xa0", "\u202f"
# An amount or a date in the other language's format.
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
FOREIGN = {
    "fr": re.compile(rf"€\d|\d,\d{{3}}\.\d{{2}}|\b(?:{MONTHS}) \d"),
    "en": re.compile(r"\d,\d{2}\s?€|\d \d{3}|\b\d{2}/\d{2}/\d{4}\b"),
}
# What the reader must see: the deal's 7 500 € and the call due on 31 December 2026.
EXPECTED = {
    "fr": (f"7{NNBSP}500,00{NBSP}€", "31/12/2026 10:00 CET"),
    "en": ("€7,500.00", "Dec 31, 2026, 10:00"),
}

WORKFLOW = """
workflows:
  - name: Gros devis
    trigger: {entity: deal, event: created}
    steps:
      - if: {field: expected_revenue, op: ge, value: 10000}
      - notify: {text: "{deal.title}"}
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(tmp_path, monkeypatch, RELAIS_TIMEZONE="Europe/Paris")
    (tmp_path / "config").mkdir()
    asyncio.run(seed(tmp_path / "cli.db"))
    return tmp_path


async def seed(path: Path) -> None:
    """Two leads, a product, a received mail, a workflow run and a refused webhook."""
    engine = await Engine.open(path)
    try:
        for n in (1, 2):
            contact = ContactDraft("Léa Petit", f"lea{n}@petit.fr")
            await engine.leads.create(LeadDraft(f"Insert {n}", contact=contact), ADMIN)
        product = Product("PG-ECO8", "Poêle Eco 8 kW", Decimal("2490.00"), tax_rate=Decimal("5.5"))
        await engine.products.import_all([product], ADMIN)
        raw = b"From: jean@dupont.fr\r\nSubject: Devis\r\n\r\nBonjour\r\n"
        await engine.mail.store(RawMail(raw, "jean@dupont.fr", ("leads@relais.example",)))
        await engine.workflows.apply(flows(WORKFLOW), ADMIN)
        runner = engine.workflows.runner(SETUP)
        await engine.deals.create(DealDraft("Poêle Rika", expected_revenue="500"), ADMIN)
        await runner.catch_up()
        write = partial(
            queue.enqueue, kind="webhook", recipient="https://hooks.example/x", payload={}
        )
        await engine.db.write(write, ADMIN)
        (hook,) = await engine.outbox.claim(("webhook",))
        await engine.outbox.settle(hook.id, Outcome(False, "HTTP 410", 410, retry=False))
    finally:
        await engine.close()


# The main flows, in order: deal 1 is seeded; deal 2 is the one made here, lead 1 becomes deal 3.
FLOWS: tuple[tuple[str, ...], ...] = (
    ("deal", "new", "Poêle Dupont"),
    ("deal", "update", "2", "--set", "amount=7500"),
    ("deal", "list"),
    ("deal", "show", "2"),
    ("deal", "move", "2", "--to", "devis"),
    ("deal", "transitions", "2"),
    ("board",),
    ("lead", "list"),
    ("lead", "show", "1"),
    ("lead", "convert", "1"),
    ("lead", "new", "Tubage"),
    ("lead", "status", "3", "contacted"),
    ("lead", "show", "3"),
    ("lead", "transitions", "3"),
    ("quote", "price", "--line", "PG-ECO8=3"),
    ("quote", "new", "2", "--line", "PG-ECO8=1"),
    ("quote", "show", "1"),
    ("mail", "list"),
    ("mail", "show", "1"),
    ("workflows", "list"),
    ("outbox", "list"),
    ("outbox", "show", "1"),
    ("activity", "add", "call", "Rappeler", "--deal", "2", "--due", "2026-12-31 10:00"),
    ("activity", "list", "--deal", "2"),
    ("blueprint", "stuck"),
)


# Mistakes a user makes on the way: each refused (exit 1) in the reader's language.
REFUSALS: tuple[tuple[str, ...], ...] = (
    ("deal", "show", "99"),
    ("deal", "update", "2", "--set", "probability=150"),
    ("deal", "list", "--limit", "0"),
    ("board", "--pipeline", "pro"),
    ("lead", "convert", "99"),
    ("activity", "add", "call", "Rappeler"),
    ("activity", "add", "call", "Rappeler", "--deal", "2", "--due", "+x"),
    ("outbox", "retry", "99"),
    ("blueprint", "stuck", "leads"),
)


def walk(run_cli: RunCli, lang: str) -> str:
    """Every flow and refusal in ``lang``: all they printed, output and errors (not what
    was typed)."""
    said = []
    for argv, expected in [*((f, 0) for f in FLOWS), *((r, 1) for r in REFUSALS)]:
        code, out, err = run_cli(*argv, "--lang", lang)
        assert code == expected, (argv, out, err)
        said.append(out + err)
    return "".join(said)


CODE = re.compile(r"--[\w-]+|`[^`]*`")  # options and commands are the same in both languages


def foreign_words(said: str, lang: str) -> list[str]:
    """The lines of ``said`` with a word of the other language (options and commands aside)."""
    other = WORDS["en" if lang == "fr" else "fr"]
    return [line for line in said.splitlines() if other.search(CODE.sub("", line))]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_main_flows_speak_the_readers_language(
    folder: Path, run_cli: RunCli, lang: str
) -> None:
    said = walk(run_cli, lang)
    assert not foreign_words(said, lang), "\n".join(foreign_words(said, lang))
    assert not PLACEHOLDER.findall(said), said
    assert not ISO_DAY.findall(said), ISO_DAY.findall(said)
    wrong = [said[max(0, m.start() - 40) : m.end() + 20] for m in FOREIGN[lang].finditer(said)]
    assert not wrong, wrong
    for expected in EXPECTED[lang]:
        assert expected in said, (expected, said)


def test_the_checks_catch_what_they_look_for() -> None:
    """Each check fails on the mistake it is there for (so that a pass means something)."""
    assert foreign_words("deal #1 created", "fr") and foreign_words("affaire n° 1 créée", "en")
    assert not foreign_words("affaire n° 1 créée", "fr")
    assert not foreign_words("erreur : donnez --deal ID (`run.py deal list`)", "fr")
    assert PLACEHOLDER.search("affaire n° {id}") and ISO_DAY.search("le 2026-12-31")
    assert FOREIGN["fr"].search("€7,500.00") and FOREIGN["fr"].search("Dec 31, 2026")
    assert FOREIGN["en"].search(f"7{NNBSP}500,00{NBSP}€") and FOREIGN["en"].search("31/12/2026")
