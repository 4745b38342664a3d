"""Moving up: ``run.py database copy --to postgresql://…`` from a populated SQLite file.

Deals with money, quotes, mail, workflow runs, the outbox and the timeline are
created through the facade on SQLite; the copy's counts and money sums equal
the source's, the identity counters continue past the copied ids, and an
engine opened on the copy reads the same deal. A database with data is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.cpq.quotes import CpqSetup, QuoteSettings
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft
from engine.mail.inbox import RawMail
from engine.store.copy import CopyRefused
from service import wiring
from tests.cpq.test_quotes_storage import CATALOGUE, RULES, stove
from tests.scaling.conftest import empty_postgres, opened
from tests.workflows.conftest import SETUP, install

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
NOTIFY = """
workflows:
  - name: Hello
    trigger: {entity: deal, event: created}
    steps: [{notify: {text: "hello {deal.title}"}}]
"""


@pytest.fixture
def target() -> Iterator[str]:
    """A new, empty PostgreSQL database (as ``CREATE DATABASE`` leaves it)."""
    with empty_postgres("relais_copy") as url:
        yield url


async def _populate(path: Path) -> int:
    admin = Actor.cli("test-admin")
    async with opened(path) as engine:
        await engine.users.upsert(UserDraft("Alice Martin", "alice@example.com", "U_A"), admin)
        alice = await engine.users.actor_for("alice@example.com", "slack")
        await engine.products.import_all(CATALOGUE, admin)
        engine.quotes.use(CpqSetup(RULES, QuoteSettings(company=("Poêles Martin",))))
        await install(engine, NOTIFY)
        runner = engine.workflows.runner(SETUP)
        wiring.apply(engine.bus, wiring.workflow_listeners(runner))
        runner.start()
        try:
            contact = ContactDraft("Jean Dupont", "jean@dupont.fr")
            first = await engine.deals.create(
                DealDraft("Poêle Dupont", contact, expected_revenue="7500.50"), alice
            )
            for n in range(5):
                deal = await engine.deals.create(
                    DealDraft(f"Tubage {n}", expected_revenue=f"{1000 + n}.25"), alice
                )
                await engine.quotes.save(deal.id, stove(n + 1), alice, on=date(2026, 3, 10))
            for n in range(3):
                raw = f"From: p{n}@x.fr\r\nSubject: Devis {n}\r\n\r\nBonjour \x00 {n}\r\n"
                await engine.mail.store(RawMail(raw.encode(), f"p{n}@x.fr", ("leads@x.fr",)))
            await runner.settle()
        finally:
            await runner.stop()
        assert await engine.workflows.runs(None, limit=50)
        return first.id


async def test_copy_moves_every_table_with_equal_counts_and_sums(
    tmp_path: Path, target: str
) -> None:
    source = tmp_path / "relais.db"
    deal_id = await _populate(source)
    async with opened(source) as engine:
        report = await engine.data.copy_to(target)
        before = await engine.deals.get(deal_id)
    tables = {t.name: t for t in report.tables}
    assert all(t.matches for t in report.tables)
    for name in ("deals", "quotes", "quote_lines", "mails", "timeline", "outbox", "workflow_runs"):
        assert tables[name].target_rows > 0, name
    assert tables["deals"].sums["expected_revenue_cents"][1] > 750_050
    assert report.money["quotes.total_cents"] == tables["quotes"].sums["total_cents"][0] > 0
    async with opened(target) as moved:
        after = await moved.deals.get(deal_id)
        assert (after.title, after.expected_revenue) == (before.title, Decimal("7500.50"))
        new = await moved.deals.create(DealDraft("Après la copie"), Actor.cli("test"))
        assert new.id == tables["deals"].source_rows + 1  # the counter moved past the copy
    with pytest.raises(CopyRefused, match="not empty"):
        async with opened(source) as engine:
            await engine.data.copy_to(target)


def test_the_command_prints_the_summary_and_the_setting(tmp_path: Path, target: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELAIS_", "SLACK_"))}
    env.update(
        RELAIS_DATABASE=str(tmp_path / "cli.db"), RELAIS_SMTP_ENABLED="false", RELAIS_LOCALE="en"
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "run.py", *args]
        return subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    assert run("migrate").returncode == 0
    done = run("database", "copy", "--to", target)
    assert done.returncode == 0, done.stderr
    assert (
        f"RELAIS_DATABASE={target}" in done.stdout and "counts and money sums equal" in done.stdout
    )
    again = run("database", "copy", "--to", target)
    assert again.returncode == 1 and "is not empty" in again.stderr
