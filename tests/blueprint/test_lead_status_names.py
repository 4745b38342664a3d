"""Lead statuses reach people by their names, in French or English; the data keeps the keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.actors import Actor
from engine.blueprints.lead_model import STATUSES, LeadStatusGoverned
from engine.crm.users import UserDraft
from engine.i18n import LEAD_STATUS_NAMES, lead_status_name, translate
from tests.blueprint.test_lead_timers import later, notifications, setup


def test_every_lead_status_has_a_french_and_an_english_name() -> None:
    assert list(LEAD_STATUS_NAMES) == list(STATUSES)
    assert [lead_status_name(s, "fr") for s in STATUSES] == [
        "Nouveau", "Contacté", "Qualifié", "Disqualifié", "Converti",
    ]  # fmt: skip
    assert [lead_status_name(s, "en") for s in STATUSES] == [
        "New", "Contacted", "Qualified", "Disqualified", "Converted",
    ]  # fmt: skip
    assert lead_status_name("contacted", "de") == "Contacted"  # English stands in
    assert lead_status_name("archived", "fr") == "archived"  # not a status: as it is


async def test_the_escalation_names_the_status_in_each_readers_language(db_path: Path) -> None:
    engine, _, lead_id = await setup(db_path)
    try:
        carol = UserDraft("Carol", "carol@example.com", "U_CAROL", "manager", locale="en")
        await engine.users.upsert(carol, Actor.cli("test"))
        assert (await engine.blueprints.run_timers(later(days=3))).escalated == 1
        texts = {m.recipient: m.payload["text"] for m in await notifications(engine, lead_id)}
        assert "« Poêle » est au statut « Nouveau » depuis plus de 2d" in texts["user:U_ALICE"]
        assert "Lead “Poêle” has been “New” for more than 2d." in texts["user:U_CAROL"]
        (entry,) = [e for e in await engine.timeline.of("lead", lead_id) if e.action == "escalated"]
        assert entry.changes["status"] == ["new", "new"]  # the data keeps the key
    finally:
        await engine.close()


async def test_a_refused_status_change_names_the_status(db_path: Path) -> None:
    engine, alice, lead_id = await setup(db_path)
    try:
        with pytest.raises(LeadStatusGoverned) as refused:
            await engine.leads.set_status(lead_id, "contacted", alice)
        exc = refused.value
        assert "To “Contacted”: Contacter (contacter)" in exc.message
        assert "Vers « Contacté » :" in translate(exc.code, "fr", **exc.params)
    finally:
        await engine.close()
