"""``run.py deal list``, ``lead list`` and ``board``: filters, totals, JSON, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from engine.actors import Actor
from engine.core import Engine
from engine.crm import pipelines
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from engine.crm.users import UserDraft
from engine.mail.intake import MAIL_ACTOR
from tests.cli.conftest import RunCli, command_env, on_engine

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor.cli("test")
NBSP = "\xa0"
NNBSP = "\u202f"  # French thousands (CLDR, through Babel)

# id, title, contact (name, e-mail), owner, amount, stage (its probability), changed at (UTC)
OPEN_DEALS = (
    (1, "Poêle Rika", ("Jean Dupont", "jean@dupont.fr"), "alice@example.com", "1000.00",
     "nouveau", "2026-03-14T23:30:00.000000Z"),
    (2, "Insert Invicta", ("Léa Petit", "lea@petit.fr"), "bob@example.com", "2500.50",
     "devis", "2026-03-17T09:00:00.000000Z"),
    (3, "Tubage inox", None, None, "999.99", "visite_technique", "2026-03-16T09:00:00.000000Z"),
)  # fmt: skip


def eur(amount: str) -> str:
    """``1 000,00`` as the French CLI writes it: ``1 000,00 €`` with non-breaking spaces."""
    return amount.replace(" ", NNBSP) + NBSP + "€"


def cells(line: str) -> list[str]:
    """A table line's columns (two spaces or more apart; amounts keep their NBSPs)."""
    return [cell.strip() for cell in line.split("  ") if cell.strip()]


async def add_users(engine: Engine) -> None:
    await engine.users.upsert(UserDraft("Alice Martin", "alice@example.com", "U_ALICE"), ADMIN)
    await engine.users.upsert(UserDraft("Bob Durand", "bob@example.com", "U_BOB"), ADMIN)


async def touched(engine: Engine, deal_id: int, at: str) -> None:
    """Pin a deal's last change, so that order and dates are known."""
    sql = "UPDATE deals SET updated_at = ? WHERE id = ?"
    await engine.db.write(lambda tx: tx.execute(sql, (at, deal_id)).close(), ADMIN)


async def add_deals(engine: Engine) -> None:
    """Three open deals (1 000,00 + 2 500,50 + 999,99), one won, one lost, one archived."""
    await add_users(engine)
    for deal_id, title, contact, owner, amount, stage, at in OPEN_DEALS:
        person = ContactDraft(*contact) if contact else None
        draft = DealDraft(title, person, owner=owner, stage=stage, expected_revenue=amount)
        assert (await engine.deals.create(draft, ADMIN)).id == deal_id
        await touched(engine, deal_id, at)
    won = await engine.deals.create(DealDraft("Chantier gagné", expected_revenue="5000"), ADMIN)
    await engine.deals.move(won.id, "gagne", ADMIN)
    lost = await engine.deals.create(DealDraft("Projet perdu", expected_revenue="300"), ADMIN)
    await engine.deals.move(lost.id, "perdu", ADMIN, lost_reason="trop cher")
    old = await engine.deals.create(DealDraft("Vieux devis", expected_revenue="700"), ADMIN)
    await engine.deals.update(old.id, {"archived": "true"}, ADMIN)
    for deal_id, day in ((won.id, "18"), (lost.id, "19"), (old.id, "20")):
        await touched(engine, deal_id, f"2026-03-{day}T09:00:00.000000Z")


@pytest.fixture
def deals(folder: Path) -> Path:
    on_engine(folder, add_deals)
    return folder


def listed(out: str) -> list[list[str]]:
    """The rows of a list: no heading, no count line."""
    return [cells(line) for line in out.splitlines()[1:-1]]


# -- deal list ---------------------------------------------------------------------------


def test_deal_list_shows_the_open_deals_latest_changed_first_with_exact_totals(
    deals: Path, run_cli: RunCli
) -> None:
    code, out, err = run_cli("deal", "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert cells(lines[0]) == [
        "#", "titre", "étape", "montant", "propriétaire", "contact", "modifiée le",
    ]  # fmt: skip
    assert listed(out) == [
        ["#2", "Insert Invicta", "Devis", eur("2 500,50"), "Bob Durand",
         "Léa Petit <lea@petit.fr>", "17/03/2026"],
        ["#3", "Tubage inox", "Visite Technique", eur("999,99"), "non attribué", "—",
         "16/03/2026"],
        ["#1", "Poêle Rika", "Nouveau", eur("1 000,00"), "Alice Martin",
         "Jean Dupont <jean@dupont.fr>", "15/03/2026"],
    ]  # fmt: skip
    # 1 000,00 × 10 % + 2 500,50 × 60 % + 999,99 × 40 % = 2 000,296
    assert lines[-1] == f"3 affaires · total {eur('4 500,49')} · pondéré {eur('2 000,30')}"


def test_deal_list_all_adds_the_won_lost_and_archived_deals(deals: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("deal", "list", "--all", "--lang", "en")
    assert code == 0
    rows = listed(out)
    assert [(row[0], row[2]) for row in rows] == [
        ("#6", "Nouveau (archived)"), ("#5", "Perdu"), ("#4", "Gagné"),
        ("#2", "Devis"), ("#3", "Visite Technique"), ("#1", "Nouveau"),
    ]  # fmt: skip
    assert rows[2][3] == "€5,000.00"
    # The won deal weighs 100 %, the lost one 0 %, the archived one its stage's 10 %.
    assert out.splitlines()[-1] == "6 deals · total €10,500.49 · weighted €7,070.30"


def test_deal_list_filters_by_stage_pipeline_owner_and_search(deals: Path, run_cli: RunCli) -> None:
    def ids(*args: str) -> list[str]:
        code, out, err = run_cli("deal", "list", *args)
        assert code == 0, err
        return [row[0] for row in listed(out)] if "#" in out else []

    assert ids("--stage", "devis") == ["#2"]
    assert ids("--stage", "Visite technique") == ["#3"]  # a stage's name, any case
    assert ids("--stage", "gagne") == []
    assert ids("--stage", "gagne", "--all") == ["#4"]
    assert ids("--pipeline", "default") == ["#2", "#3", "#1"]
    assert ids("--owner", "alice@example.com") == ["#1"]
    assert ids("--owner", "U_BOB") == ["#2"]
    assert ids("--owner", "none") == ["#3"]
    assert ids("--owner", "none", "--all") == ["#6", "#5", "#4", "#3"]
    assert ids("--search", "dupont") == ["#1"]  # the contact
    assert ids("--search", "inox") == ["#3"]  # the title
    assert ids("--search", "#2") == ["#2"]
    assert ids("--search", "%") == []  # a LIKE wildcard is a plain character
    assert ids("--owner", "alice@example.com", "--stage", "devis") == []


def test_the_count_line_totals_only_what_matches(deals: Path, run_cli: RunCli) -> None:
    _, out, _ = run_cli("deal", "list", "--stage", "devis", "--lang", "en")
    assert out.splitlines()[-1] == "1 deal · total €2,500.50 · weighted €1,500.30"


def test_limit_cuts_the_list_but_the_count_and_totals_cover_every_match(
    deals: Path, run_cli: RunCli
) -> None:
    _, out, _ = run_cli("deal", "list", "--limit", "2")
    assert [row[0] for row in listed(out)] == ["#2", "#3"]
    assert out.splitlines()[-1] == (
        f"3 affaires, 2 affichées · total {eur('4 500,49')} · pondéré {eur('2 000,30')}"
    )
    _, out, _ = run_cli("deal", "list", "--limit", "1", "--lang", "en")
    assert out.splitlines()[-1].startswith("3 deals, 1 shown · total €4,500.49")


def test_weighted_total_is_rounded_once_from_integer_cents(folder: Path, run_cli: RunCli) -> None:
    async def at_15_percent(engine: Engine) -> None:
        for amount in ("1000.00", "2500.50", "999.99"):
            deal = await engine.deals.create(DealDraft(amount, expected_revenue=amount), ADMIN)
            await engine.deals.update(deal.id, {"probability": "15"}, ADMIN)

    on_engine(folder, at_15_percent)
    code, out, _ = run_cli("deal", "list", "--json")
    assert code == 0
    data = json.loads(out)
    # 150,00 + 375,075 + 149,9985 = 675,0735: each deal rounded would add up to 675,08.
    assert [d["weighted"] for d in data["deals"]] == ["150.00", "375.08", "150.00"]
    assert data["totals"] == [
        {"currency": "EUR", "count": 3, "amount": "4500.49", "weighted": "675.07"}
    ]


def test_deal_list_json_shape(deals: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("deal", "list", "--json", "--limit", "2")
    assert code == 0
    data = json.loads(out)
    assert (data["count"], data["shown"]) == (3, 2)
    assert data["totals"] == [
        {"currency": "EUR", "count": 3, "amount": "4500.49", "weighted": "2000.30"}
    ]
    assert data["deals"][0] == {
        "id": 2, "title": "Insert Invicta", "pipeline": "default", "stage": "devis",
        "stage_name": "Devis", "status": "open", "archived": False, "amount": "2500.50",
        "currency": "EUR", "probability": 60, "weighted": "1500.30",
        "owner": {"name": "Bob Durand", "email": "bob@example.com"},
        "contact": {"name": "Léa Petit", "email": "lea@petit.fr"},
        "updated_at": "2026-03-17T09:00:00+00:00",
    }  # fmt: skip
    assert data["deals"][1]["owner"] is None and data["deals"][1]["contact"] is None


def test_dates_are_shown_in_the_configured_time_zone(
    deals: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = run_cli("deal", "list", "--stage", "nouveau")
    assert listed(out)[0][-1] == "15/03/2026"  # 23:30 UTC is past midnight in Paris
    monkeypatch.setenv("RELAIS_TIMEZONE", "UTC")
    _, out, _ = run_cli("deal", "list", "--stage", "nouveau", "--lang", "en")
    assert listed(out)[0][-1] == "Mar 14, 2026"


def test_each_currency_has_its_own_total(deals: Path, run_cli: RunCli) -> None:
    async def in_pounds(engine: Engine) -> None:
        await engine.db.write(
            lambda tx: pipelines.create_pipeline(tx, "uk", "UK", currency="GBP"), ADMIN
        )
        deal = await engine.deals.create(
            DealDraft("Stove UK", pipeline="uk", expected_revenue="200"), ADMIN
        )
        await touched(engine, deal.id, "2026-03-01T09:00:00.000000Z")

    on_engine(deals, in_pounds)
    _, out, _ = run_cli("deal", "list", "--lang", "en")
    assert listed(out)[-1][:4] == ["#7", "Stove UK", "Nouveau", "£200.00"]
    assert out.splitlines()[-1] == (
        "4 deals · total €4,500.49 + £200.00 · weighted €2,000.30 + £20.00"
    )
    _, out, _ = run_cli("deal", "list", "--pipeline", "uk", "--lang", "en")
    assert out.splitlines()[-1] == "1 deal · total £200.00 · weighted £20.00"
    _, out, _ = run_cli("deal", "list", "--pipeline", "uk", "--stage", "devis")
    assert out == "Aucune affaire ouverte ne correspond.\n"


def test_an_unknown_filter_is_refused_naming_the_option(deals: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli(
        "deal", "list", "--stage", "signé", "--owner", "carol@x.fr", "--lang", "en"
    )
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: --stage: no stage 'signé' in any pipeline; the stages: nouveau, estimation,"
        " visite_technique, devis, gagne, perdu",
        "error: --owner: no user 'carol@x.fr': give an e-mail, a Slack id or an id"
        " ('none': nobody's)",
    ]
    code, _, err = run_cli("deal", "list", "--pipeline", "pro", "--stage", "devis", "--lang", "en")
    assert (code, err) == (1, "error: --pipeline: no pipeline 'pro'; the pipelines: default\n")
    code, _, err = run_cli("deal", "list", "--limit", "0", "--lang", "en")
    assert (code, err) == (1, "error: --limit: a number of rows from 1, not 0\n")
    code, _, err = run_cli("lead", "list", "--owner", "carol@x.fr", "--lang", "en")
    assert code == 1 and err.startswith("error: --owner: no user 'carol@x.fr'")
    code, _, err = run_cli("deal", "list", "--limit", "0", "--lang", "fr")  # RELAIS_LOCALE too
    assert code == 1 and err.startswith("erreur : --limit : ")


def test_empty_lists_say_so(folder: Path, run_cli: RunCli) -> None:
    assert run_cli("deal", "list") == (0, "Aucune affaire ouverte ne correspond.\n", "")
    assert run_cli("deal", "list", "--all", "--lang", "en") == (0, "No deal matches.\n", "")
    assert run_cli("lead", "list") == (0, "Aucun prospect ne correspond.\n", "")
    assert run_cli("lead", "list", "--status", "all", "--lang", "en") == (
        0, "No lead matches.\n", "",
    )  # fmt: skip
    _, out, _ = run_cli("deal", "list", "--json")
    assert json.loads(out) == {"deals": [], "count": 0, "shown": 0, "totals": []}
    _, out, _ = run_cli("lead", "list", "--json")
    assert json.loads(out) == {"leads": [], "count": 0, "shown": 0}


# -- board ---------------------------------------------------------------------------


def test_board_sums_the_open_deals_per_stage(deals: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("board", "--lang", "en")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Pipeline (default): open deals"
    assert [cells(line) for line in lines[1:]] == [
        ["stage", "deals", "amount", "weighted"],
        ["Nouveau", "1", "€1,000.00", "€100.00"],
        ["Estimation", "0", "€0.00", "€0.00"],
        ["Visite Technique", "1", "€999.99", "€400.00"],
        ["Devis", "1", "€2,500.50", "€1,500.30"],
        ["Gagné", "0", "€0.00", "€0.00"],
        ["total", "3", "€4,500.49", "€2,000.30"],
        ["1 folded stage hidden: Perdu (--folded to show it)"],
    ]
    code, out, _ = run_cli("board", "--folded", "--lang", "fr")  # shown, marked
    assert [cells(line)[0] for line in out.splitlines()[-3:-1]] == ["Gagné", "Perdu (repliée)"]
    code, out, _ = run_cli("board", "--json")
    data = json.loads(out)
    assert data["stages"][3] == {
        "stage": "devis", "name": "Devis", "folded": False, "count": 1,
        "amount": "2500.50", "weighted": "1500.30",
    }  # fmt: skip
    assert data["totals"] == {"count": 3, "amount": "4500.49", "weighted": "2000.30"}
    code, _, err = run_cli("board", "--pipeline", "pro", "--lang", "en")
    assert code == 1 and err.startswith("error: --pipeline: ") and "pro" in err
    code, _, err = run_cli("board", "--pipeline", "pro")
    assert code == 1 and err.startswith("erreur : --pipeline : ") and "pro" in err


# -- lead list -------------------------------------------------------------------------


async def add_leads(engine: Engine) -> None:
    """Five leads, one per status, from the command line, mail and Slack."""
    await add_users(engine)
    alice = await engine.users.actor_for("U_ALICE", "slack")
    paul = ContactDraft("Paul Martin", "paul@example.com")
    await engine.leads.create(LeadDraft("Salon", contact=paul), ADMIN)
    marie = ContactDraft("Marie Curie", "marie@example.com")
    draft = LeadDraft("Insert par mail", marie, owner="alice@example.com", origin="email")
    mailed = await engine.leads.create(draft, MAIL_ACTOR)
    await engine.leads.set_status(mailed.id, "contacted", ADMIN)
    slacked = await engine.leads.create(LeadDraft("Cheminée", owner="bob@example.com"), alice)
    await engine.leads.set_status(slacked.id, "qualified", ADMIN)
    spam = await engine.leads.create(LeadDraft("Spam"), ADMIN)
    await engine.leads.set_status(spam.id, "disqualified", ADMIN, reason="spam")
    won = await engine.leads.create(LeadDraft("Converti", owner="alice@example.com"), ADMIN)
    await engine.leads.convert(won.id, ADMIN)


@pytest.fixture
def leads(folder: Path) -> Path:
    on_engine(folder, add_leads)
    return folder


def test_lead_list_shows_the_open_leads_newest_first(leads: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("lead", "list")
    assert code == 0
    lines = out.splitlines()
    assert cells(lines[0]) == [
        "#",
        "titre",
        "statut",
        "contact",
        "propriétaire",
        "source",
        "créé le",
    ]
    rows = listed(out)
    assert [row[:6] for row in rows] == [
        ["#3", "Cheminée", "qualifié", "—", "Bob Durand", "slack"],
        ["#2", "Insert par mail", "contacté", "Marie Curie <marie@example.com>", "Alice Martin",
         "mail"],
        ["#1", "Salon", "nouveau", "Paul Martin <paul@example.com>", "non attribué", "cli"],
    ]  # fmt: skip
    assert all(len(row[6]) == 10 and row[6][2] == "/" for row in rows)  # 23/11/2026
    assert lines[-1] == "3 prospects"


def test_lead_list_filters_by_status_and_owner(leads: Path, run_cli: RunCli) -> None:
    def ids(*args: str) -> list[str]:
        code, out, err = run_cli("lead", "list", "--lang", "en", *args)
        assert code == 0, err
        return [row[0] for row in listed(out)] if "#" in out else []

    assert ids("--status", "disqualified") == ["#4"]
    assert ids("--status", "converted") == ["#5"]
    assert ids("--status", "all") == ["#5", "#4", "#3", "#2", "#1"]
    assert ids("--owner", "alice@example.com") == ["#2"]
    assert ids("--owner", "alice@example.com", "--status", "all") == ["#5", "#2"]
    assert ids("--owner", "none") == ["#1"]
    assert ids("--status", "all", "--limit", "2") == ["#5", "#4"]
    _, out, _ = run_cli("lead", "list", "--status", "all", "--limit", "2", "--lang", "en")
    assert out.splitlines()[-1] == "5 leads, 2 shown"
    _, out, _ = run_cli("lead", "list", "--status", "converted", "--lang", "en")
    assert cells(out.splitlines()[1])[2] == "converted"
    assert out.splitlines()[-1] == "1 lead"


def test_lead_list_json_shape(leads: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("lead", "list", "--json", "--limit", "2")
    assert code == 0
    data = json.loads(out)
    assert (data["count"], data["shown"]) == (3, 2)
    second = data["leads"][1]
    assert second.pop("created_at").endswith("+00:00")
    assert second == {
        "id": 2, "title": "Insert par mail", "status": "contacted",
        "contact": {"name": "Marie Curie", "email": "marie@example.com"},
        "owner": {"name": "Alice Martin", "email": "alice@example.com"},
        "source": "mail", "origin": "email", "campaign": None, "deal_id": None,
    }  # fmt: skip
    assert data["leads"][0]["contact"] is None


def test_an_unknown_lead_status_is_refused_by_the_option(
    leads: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["lead", "list", "--status", "won"])
    assert stop.value.code == 2
    assert "--status: invalid choice: 'won'" in capsys.readouterr().err


def test_deal_list_runs_from_the_command_line(deals: Path) -> None:
    result = subprocess.run(
        [sys.executable, "run.py", "deal", "list", "--lang", "en"],
        cwd=ROOT, env=command_env(deals), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "3 deals · total €4,500.49 · weighted €2,000.30"
