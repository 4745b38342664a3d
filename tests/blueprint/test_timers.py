"""Escalations and automatic transitions: computed from the database at each tick."""

from datetime import timedelta
from pathlib import Path

from config.blueprint_schema import load_blueprint_file
from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft
from tests.blueprint.conftest import DEFAULT


async def test_an_escalation_fires_after_a_restart_once_per_stay(db_path: Path) -> None:
    admin = Actor.cli("test")
    first = await Engine.open(db_path)
    await first.users.upsert(UserDraft("Carol", "carol@example.com", "U_CAROL", "manager"), admin)
    await first.users.upsert(
        UserDraft("Alice", "alice@example.com", "U_ALICE", manager="carol@example.com"), admin
    )
    alice = await first.users.actor_for("alice@example.com", "slack")
    await first.blueprints.save(load_blueprint_file(DEFAULT), admin)
    deal = await first.deals.create(DealDraft("Poêle", ContactDraft("", "j@example.com")), alice)
    visit = {"visit_date": "2026-03-12", "installation_type": "Insert", "checklist": "all"}
    await first.blueprints.perform(deal.id, "planifier_visite", visit, alice)
    report = await first.blueprints.run_timers(clock.utcnow() + timedelta(days=13))
    assert report.escalated == 0  # the limit in Visite Technique is 14 days
    await first.close()

    second = await Engine.open(db_path)  # a restart: nothing was kept in memory
    try:
        later = clock.utcnow() + timedelta(days=15)
        report = await second.blueprints.run_timers(later)
        assert (report.escalated, report.transitioned) == (1, 0)
        again = await second.blueprints.run_timers(later + timedelta(days=1))
        assert again.escalated == 0  # once per stay in the stage
        notes = [m for m in await second.outbox.messages(deal.id) if m.kind == "notification"]
        assert sorted(m.recipient for m in notes) == ["user:U_ALICE", "user:U_CAROL"]
        texts = {m.recipient: m.payload["text"] for m in notes}
        assert "depuis plus de 2w" in texts["user:U_ALICE"]
        assert (await second.timeline.of("deal", deal.id))[-1].action == "escalated"
    finally:
        await second.close()


async def test_an_automatic_transition_fires_after_its_delay_even_after_restart(
    db_path: Path,
) -> None:
    admin = Actor.cli("test")
    first = await Engine.open(db_path)
    await first.blueprints.save(load_blueprint_file(DEFAULT), admin)
    deal = await first.deals.create(DealDraft("Insert"), admin)
    note = {"stage": "devis", "note": "reprise"}
    await first.blueprints.perform(deal.id, "admin_override", note, admin)
    await first.close()

    second = await Engine.open(db_path)
    try:
        soon = await second.blueprints.run_timers(clock.utcnow() + timedelta(days=30))
        assert (soon.escalated, soon.transitioned) == (1, 0)
        report = await second.blueprints.run_timers(clock.utcnow() + timedelta(days=61))
        assert report.transitioned == 1
        closed = await second.deals.get(deal.id)
        assert (closed.status, closed.lost_reason) == ("lost", "Pas de réponse")
        last = (await second.blueprints.history(deal.id))[-1]
        assert (last.transition, last.automatic, last.actor_kind) == (
            "classer_sans_suite", True, "scheduler",
        )  # fmt: skip
        assert (await second.blueprints.run_timers(clock.utcnow() + timedelta(days=90))) == (
            type(report)()
        )
    finally:
        await second.close()
