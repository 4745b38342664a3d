"""``run.py quote …`` and ``run.py products …`` as a user runs them: subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``run.py ARGS`` on a fresh database whose configuration is the shipped pricing only
    (the first command applies the folder: no blueprint, no catalogue, as these tests want)."""
    folder = tmp_path / "config"
    if not folder.exists():
        folder.mkdir()
        shutil.copy(ROOT / "config" / "pricing.yaml", folder / "pricing.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELAIS_", "SLACK_"))}
    env.update(
        RELAIS_DATABASE=str(tmp_path / "cli.db"),
        RELAIS_CONFIG_DIR=str(folder),
        RELAIS_SMTP_ENABLED="false",
        RELAIS_LOCALE="fr",
    )
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def a_deal(tmp_path: Path) -> int:
    engine = await Engine.open(tmp_path / "cli.db")
    try:
        admin = Actor.cli()
        await engine.users.upsert(UserDraft("Alice Martin", "alice@example.com", "U_ALICE"), admin)
        deal = await engine.deals.create(DealDraft("Poêle Dupont"), admin)
        return deal.id
    finally:
        await engine.close()


@pytest.mark.slow
async def test_import_price_save_and_print_a_quote(tmp_path: Path) -> None:
    imported = run(tmp_path, "products", "import", "config/catalogue.yaml", "--lang", "en")
    assert imported.returncode == 0, imported.stderr
    assert "created 17, updated 0, unchanged 0" in imported.stdout

    lines = ("--line", "PG-ECO8=1", "--line", "TUBAGE-INOX-80=8", "--date", "2026-03-15")
    priced = run(tmp_path, "quote", "price", *lines, "--json")
    assert priced.returncode == 0, priced.stderr
    data = json.loads(priced.stdout)
    assert [line["code"] for line in data["lines"]] == [
        "PG-ECO8", "POSE-POELE", "KIT-RACCORD-80", "PLAQUE-SOL", "TUBAGE-INOX-80",
    ]  # fmt: skip
    assert Decimal(data["totals"]["net"]) == Decimal("3851.00")
    assert data["lines"][0]["trace"][1]["rule"] == "foire-printemps"

    text = run(tmp_path, "quote", "price", *lines)
    assert "règle de prix foire-printemps (remise directe, 300,00\xa0€)" in text.stdout
    assert "Total TTC" in text.stdout and "+ GRANULES-SAC15 × 66" in text.stdout

    deal_id = await a_deal(tmp_path)
    saved = run(tmp_path, "quote", "new", str(deal_id), *lines, "--as", "alice@example.com")
    assert saved.returncode == 0, saved.stderr
    assert "Devis D-2026-0001" in saved.stdout and "affaire passée en Devis" in saved.stdout

    pdf = tmp_path / "devis.pdf"
    printed = run(tmp_path, "quote", "pdf", "D-2026-0001", "-o", str(pdf), "--lang", "en")
    assert printed.returncode == 0, printed.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")

    shown = run(tmp_path, "quote", "show", "1", "--trace", "--lang", "en")
    assert "Quote D-2026-0001 · draft · v1" in shown.stdout
    assert "free by configurator rule plaque-offerte-foire" in shown.stdout

    bad = tmp_path / "tarif.csv"
    bad.write_text("code;name;unit_price\nX1;Vis;abc\n", encoding="utf-8")
    refused = run(tmp_path, "products", "import", str(bad))
    assert refused.returncode == 1
    assert "row 2, unit_price: not a number: 'abc'" in refused.stderr

    wrong = run(tmp_path, "quote", "price", "--line", "NOPE=1", "--lang", "en")
    assert wrong.returncode == 1 and "Line 1: unknown product NOPE" in wrong.stderr


async def a_deal_with_a_contact(tmp_path: Path) -> int:
    engine = await Engine.open(tmp_path / "cli.db")
    try:
        admin = Actor.cli()
        await engine.users.upsert(UserDraft("Alice Martin", "alice@example.com", "U_ALICE"), admin)
        contact = ContactDraft("Jean Dupont", "jean@dupont.fr")
        deal = await engine.deals.create(DealDraft("Poêle Dupont", contact=contact), admin)
        return deal.id
    finally:
        await engine.close()


@pytest.mark.slow
async def test_quote_send_queues_the_pdf_and_says_no_relay_is_configured(tmp_path: Path) -> None:
    assert run(tmp_path, "products", "import", "config/catalogue.yaml").returncode == 0
    deal_id = await a_deal_with_a_contact(tmp_path)
    line = ("--line", "PG-ECO8=1", "--date", "2026-03-15", "--as", "alice@example.com")
    assert run(tmp_path, "quote", "new", str(deal_id), *line).returncode == 0

    wrong = run(tmp_path, "quote", "send", "D-2026-0001", "--to", "jean@", "--lang", "en")
    assert wrong.returncode == 1
    assert "To: jean@ is not a valid e-mail address" in wrong.stderr

    sent = run(tmp_path, "quote", "send", "D-2026-0001", "--note", "Merci !", "--lang", "en")
    assert sent.returncode == 0, sent.stderr
    out = sent.stdout
    assert "D-2026-0001 → jean@dupont.fr (en): Quote D-2026-0001 — Poêle Dupont" in out
    assert "attachment: Quote-D-2026-0001-v1.pdf (" in out
    assert "outbox message 1; quote D-2026-0001 marked sent" in out
    assert "not sent yet: waiting for an SMTP relay" in out and "RELAIS_SMTP_RELAY_HOST" in out

    again = run(tmp_path, "quote", "send", "D-2026-0001", "--json")  # a sent quote, again
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    assert (data["to"], data["locale"], data["status"], data["marked_sent"]) == (
        "jean@dupont.fr", "fr", "sent", False,
    )  # fmt: skip
    assert (data["relay"], data["attachment"]["filename"]) == (None, "Devis-D-2026-0001-v2.pdf")

    engine = await Engine.open(tmp_path / "cli.db")
    try:
        first, second = await engine.outbox.messages(status="pending")
        (pdf,) = await engine.outbox.attachments(first.id)
        assert pdf.data.startswith(b"%PDF-") and pdf.content_type == "application/pdf"
        assert second.payload["subject"] == "Devis D-2026-0001 — Poêle Dupont"
    finally:
        await engine.close()
