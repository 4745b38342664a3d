from decimal import Decimal

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.projects import ProjectTemplate, Question, save_template
from engine.errors import ValidationFailed


def every_field() -> DealDraft:
    """A deal with a value in every field a person fills in."""
    return DealDraft(
        "PAG Rika - Raccordement sur conduit existant",
        ContactDraft("Pierre Richard", "Pierre.Richard@Richard-SARL.fr", "06 12 34 56 78"),
        expected_revenue="8 000",
        budget="7500,50",
        priority=2,
        expected_close="2026-12-15",
        origin="web form",
        campaign="Salon 2026",
        custom={"appareil": "PAG"},
    )


async def test_deal_has_every_field_and_follows_stage_probability(
    engine: Engine, alice: Actor
) -> None:
    deal = await engine.deals.create(every_field(), alice)
    assert deal.expected_revenue == Decimal("8000.00")
    assert deal.budget == Decimal("7500.50")
    assert deal.priority == 2 and deal.status == "open" and not deal.archived
    assert deal.owner_id == alice.user_id
    assert deal.probability == 10 and not deal.probability_manual
    assert deal.custom == {"appareil": "PAG"}
    contact = await engine.contacts.by_email("pierre.richard@richard-sarl.fr")
    assert contact is not None and contact.id == deal.contact_id
    assert deal.organisation_id == contact.organisation_id is not None

    moved = await engine.deals.move(deal.id, "Visite Technique", alice)
    assert moved.probability == 40
    assert moved.weighted_revenue == Decimal("3200.00")


async def test_manual_probability_is_kept_and_shown_until_reset(
    engine: Engine, alice: Actor
) -> None:
    deal = await engine.deals.create(DealDraft("Tubage", expected_revenue="1000"), alice)
    deal = await engine.deals.update(deal.id, {"probability": "35 %"}, alice)
    assert (deal.probability, deal.probability_manual) == (35, True)
    deal = await engine.deals.move(deal.id, "devis", alice)
    assert (deal.probability, deal.probability_manual) == (35, True)
    deal = await engine.deals.update(deal.id, {"probability": None}, alice)
    assert (deal.probability, deal.probability_manual) == (60, False)


async def test_won_and_lost(engine: Engine, alice: Actor) -> None:
    deal = await engine.deals.create(DealDraft("Poêle à granulés"), alice)
    with pytest.raises(ValidationFailed) as refused:
        await engine.deals.move(deal.id, "perdu", alice)
    assert "lost_reason" in refused.value.errors
    lost = await engine.deals.move(deal.id, "perdu", alice, lost_reason="Trop cher")
    assert (lost.status, lost.lost_reason, lost.probability) == ("lost", "Trop cher", 0)
    assert lost.closed_at is not None
    won = await engine.deals.move(deal.id, "gagne", alice)
    assert (won.status, won.lost_reason, won.probability) == ("won", None, 100)
    reopened = await engine.deals.move(deal.id, "devis", alice)
    assert (reopened.status, reopened.closed_at) == ("open", None)


async def test_every_invalid_field_is_reported_together(engine: Engine, alice: Actor) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await engine.deals.create(
            DealDraft(
                "",
                ContactDraft("X", "not-an-address"),
                expected_revenue="lots",
                priority=5,
                expected_close="31/02/2026",  # 15/12/2026 is a day now: typed day first
                owner="nobody@example.com",
            ),
            alice,
        )
    assert set(refused.value.errors) == {
        "title",
        "contact.email",
        "expected_revenue",
        "priority",
        "expected_close",
        "owner",
    }
    assert await engine.deals.search("X") == []


async def test_referral_and_project_questionnaire(
    engine: Engine, alice: Actor, admin: Actor
) -> None:
    template = ProjectTemplate(
        "poele",
        "Installation de poêle",
        (
            Question("conduit", "Conduit existant ?", "yes_no"),
            Question("combustible", "Combustible", "choice", ("bois", "granulés")),
        ),
    )
    await engine.db.write(lambda tx: save_template(tx, template), admin)
    referrer = await engine.contacts.find_or_create(
        ContactDraft("Jeanne Client", "jeanne@example.com"), alice
    )
    deal = await engine.deals.create(
        DealDraft("PAB Contura", referred_by="jeanne@example.com", project_template="poele"), alice
    )
    assert deal.referred_by_id == referrer.id
    with pytest.raises(ValidationFailed) as refused:
        await engine.deals.update(deal.id, {"answers": {"combustible": "fioul", "x": "1"}}, alice)
    assert set(refused.value.errors) == {"answers.combustible", "answers.x"}
    deal = await engine.deals.update(
        deal.id, {"answers": {"conduit": "oui", "combustible": "granulés"}}, alice
    )
    assert deal.answers == {"conduit": "oui", "combustible": "granulés"}
    last = (await engine.timeline.of("deal", deal.id))[-1]
    assert last.changes["answers.combustible"] == [None, "granulés"]


async def test_archived_deal_leaves_board_but_stays_searchable(
    engine: Engine, alice: Actor
) -> None:
    deal = await engine.deals.create(DealDraft("Foyer Leenders", expected_revenue="5000"), alice)
    await engine.deals.update(deal.id, {"archived": "oui"}, alice)
    board = {s.stage: s.count for s in await engine.deals.board()}
    assert board["Nouveau"] == 0
    assert [d.id for d in await engine.deals.search("Leenders")] == [deal.id]


async def test_a_new_deal_is_answered_as_stored(engine: Engine, alice: Actor) -> None:
    """The creation's answer is the row its INSERT returned: the same as reading it."""
    created = await engine.deals.create(every_field(), alice)
    assert created == await engine.deals.get(created.id)
    assert created.version == 1 and created.answers == {} and created.closed_at is None
