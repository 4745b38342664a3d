"""The command line reads days as ``import`` does, and shows money and moments as Slack does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.mail.inbox import RawMail
from tests.cli.conftest import RunCli, on_engine
from tests.cli.test_list_commands import ADMIN


async def a_deal(engine: Engine) -> None:
    draft = DealDraft("Poêle Rika", expected_revenue="2890", budget="1234.5")
    await engine.deals.create(draft, ADMIN)
    sql = "UPDATE deals SET updated_at = '2026-03-14T23:30:00.000000Z' WHERE id = 1"
    await engine.db.write(lambda tx: tx.execute(sql).close(), ADMIN)


def test_deal_update_reads_a_close_date_as_import_does(folder: Path, run_cli: RunCli) -> None:
    on_engine(folder, a_deal)
    seen: list[date | None] = []

    async def read(engine: Engine) -> None:
        seen.append((await engine.deals.get(1)).expected_close)

    for typed, day in (
        ("close_date=31/12/2026", date(2026, 12, 31)),
        ("expected_close=2027-01-15", date(2027, 1, 15)),
        ("close_date=3 février 2027", date(2027, 2, 3)),
    ):
        code, _, err = run_cli("deal", "update", "1", "--set", typed)
        assert code == 0, err
        on_engine(folder, read)
        assert seen[-1] == day
    code, _, err = run_cli("deal", "update", "1", "--set", "close_date=31/02/2026")
    assert code == 1 and "31/02/2026" in err


def test_deal_show_writes_money_and_times_for_the_reader(folder: Path, run_cli: RunCli) -> None:
    on_engine(folder, a_deal)
    code, out, err = run_cli("deal", "show", "1", "--lang", "fr")
    assert code == 0, err
    assert "2\u202f890,00\u00a0€" in out and "1\u202f234,50\u00a0€" in out
    assert "2890.00 EUR" not in out
    code, out, _ = run_cli("deal", "show", "1", "--lang", "en")
    assert "€2,890.00" in out and "€1,234.50" in out


async def a_mail(engine: Engine) -> None:
    raw = b"From: jean@dupont.fr\r\nSubject: Devis\r\n\r\nBonjour\r\n"
    await engine.mail.store(RawMail(raw, "jean@dupont.fr", ("leads@relais.example",)))
    sql = "UPDATE mails SET received_at = '2026-03-14T23:30:00.000000Z'"
    await engine.db.write(lambda tx: tx.execute(sql).close(), ADMIN)


def test_mail_list_names_the_zone_it_shows(
    folder: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_engine(folder, a_mail)
    monkeypatch.setenv("RELAIS_TIMEZONE", "Europe/Paris")
    code, out, err = run_cli("mail", "list")
    assert code == 0, err
    assert "15/03/2026 00:30 CET" in out  # 23:30 UTC was past midnight in Paris
    monkeypatch.setenv("RELAIS_TIMEZONE", "America/New_York")
    monkeypatch.setenv("RELAIS_LOCALE", "en")
    code, out, err = run_cli("mail", "list")
    assert "Mar 14, 2026, 7:30\u202fPM EDT" in out
