"""Listing, describing and performing transitions on a governed deal."""

import asyncio
from decimal import Decimal

import pytest

from engine.actors import Actor
from engine.blueprints.refusals import InputsRejected, StageGoverned, TransitionUnavailable
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.errors import Conflict, NotFound

VISIT = {
    "visit_date": "2026-03-12",
    "installation_type": "poêle à granulés",
    "checklist": "all",
}


async def new_deal(engine: Engine, actor: Actor, title: str = "Poêle Rika") -> int:
    contact = ContactDraft("Jeanne Client", "jeanne@example.com")
    return (await engine.deals.create(DealDraft(title, contact), actor)).id


async def to_devis(engine: Engine, deal_id: int, actor: Actor, admin: Actor) -> None:
    await engine.blueprints.perform(deal_id, "planifier_visite", VISIT, actor)
    await engine.deals.update(deal_id, {"custom": {"quote_count": 1}}, admin)
    await engine.blueprints.perform(deal_id, "envoyer_devis", {}, actor)


async def test_the_transitions_of_a_new_deal_say_who_may_and_why_not(
    governed: Engine, alice: Actor, bob: Actor
) -> None:
    deal_id = await new_deal(governed, alice)
    options = {o.key: o for o in await governed.blueprints.transitions(deal_id, bob)}
    assert set(options) == {"estimer", "planifier_visite", "marquer_perdu"}
    assert all(o.available for o in options.values())
    assert options["marquer_perdu"].common
    assert options["planifier_visite"].target_name == "Visite Technique"


async def test_a_refused_transition_says_why(
    governed: Engine, admin: Actor, alice: Actor, bob: Actor
) -> None:
    deal_id = await new_deal(governed, alice)
    await governed.blueprints.perform(deal_id, "planifier_visite", VISIT, alice)
    options = {o.key: o for o in await governed.blueprints.transitions(deal_id, alice)}
    quote = options["envoyer_devis"]
    assert not quote.available
    assert [r.code for r in quote.reasons] == ["reason_criterion"]
    assert quote.reasons[0].params["condition"] == "quote_count > 0"
    assert quote.reasons[0].text("fr") == "critère non rempli : quote_count > 0"
    with pytest.raises(TransitionUnavailable) as refused:
        await governed.blueprints.perform(deal_id, "envoyer_devis", {}, alice)
    assert "quote_count > 0" in refused.value.message
    await governed.deals.update(deal_id, {"custom": {"quote_count": 1}}, admin)
    await governed.blueprints.perform(deal_id, "envoyer_devis", {}, alice)
    sign = {o.key: o for o in await governed.blueprints.transitions(deal_id, bob)}["signer"]
    assert not sign.available and sign.reasons[0].code == "reason_not_owner"
    assert "the deal's owner" in sign.reasons[0].text("en")


async def test_a_plain_stage_change_is_refused_with_the_transitions_that_lead_there(
    governed: Engine, alice: Actor, admin: Actor
) -> None:
    deal_id = await new_deal(governed, alice)
    with pytest.raises(StageGoverned) as refused:
        await governed.deals.move(deal_id, "visite_technique", admin)
    assert refused.value.transitions == ["Planifier la visite technique (planifier_visite)"]
    assert refused.value.code == "stage_governed"
    with pytest.raises(StageGoverned) as nothing:
        await governed.deals.move(deal_id, "gagne", alice)
    assert nothing.value.transitions == []
    assert (await governed.deals.get(deal_id)).stage_id == (await governed.pipelines.get()).stages[
        0
    ].id


async def test_all_or_nothing_every_error_at_once(governed: Engine, alice: Actor) -> None:
    deal_id = await new_deal(governed, alice)
    before = await governed.deals.get(deal_id)
    values = {"visit_date": "demain", "installation_type": "fioul", "colour": "red"}
    with pytest.raises(InputsRejected) as refused:
        await governed.blueprints.perform(deal_id, "planifier_visite", values, alice)
    errors = refused.value.errors
    assert set(errors) == {"visit_date", "installation_type", "checklist", "colour"}
    assert "Poêle à bois" in errors["installation_type"]
    assert refused.value.text("fr")["checklist"].startswith("cochez chaque point")
    after = await governed.deals.get(deal_id)
    assert after.version == before.version and after.stage_id == before.stage_id
    assert await governed.blueprints.history(deal_id) == []


async def test_a_transition_saves_values_moves_and_records_everything(
    governed: Engine, alice: Actor
) -> None:
    deal_id = await new_deal(governed, alice)
    done = await governed.blueprints.perform(deal_id, "planifier_visite", VISIT, alice)
    deal = await governed.deals.get(deal_id)
    assert deal.custom == {"visit_date": "2026-03-12", "installation_type": "Poêle à granulés"}
    assert deal.probability == 40 and done.to_stage == "visite_technique"
    [entry] = await governed.blueprints.history(deal_id)
    assert (entry.transition, entry.from_stage, entry.to_stage) == (
        "planifier_visite", "nouveau", "visite_technique",
    )  # fmt: skip
    assert entry.actor_label == "Alice Martin" and entry.blueprint_version == 1
    assert entry.values["installation_type"] == "Poêle à granulés"
    assert len(entry.checklist) == 2
    [meeting] = await governed.activities.on_record("deal", deal_id)
    assert meeting.kind == "meeting" and meeting.due_at is not None
    assert meeting.due_at.date().isoformat() == "2026-03-12"
    [mail] = await governed.outbox.messages(deal_id)
    assert (mail.kind, mail.recipient, mail.status) == ("email", "jeanne@example.com", "pending")
    assert "12" in mail.payload["body"] and mail.waiting_for is not None
    actions = [t.action for t in await governed.timeline.of("deal", deal_id)]
    assert actions[-1] == "stage_changed"


async def test_signing_saves_the_amount_and_notifies_the_manager(
    governed: Engine, alice: Actor, admin: Actor, carol: Actor, team: None
) -> None:
    deal_id = await new_deal(governed, alice)
    await to_devis(governed, deal_id, alice, admin)
    with pytest.raises(InputsRejected) as refused:
        values = {"signed_amount": "0", "signature_date": "2999-01-01"}
        await governed.blueprints.perform(deal_id, "signer", values, alice)
    assert refused.value.errors == {
        "signed_amount": "must be at least 1",
        "signature_date": "La date de signature ne peut pas être dans le futur.",
    }
    values = {"signed_amount": "8 450,50", "signature_date": "15/01/2026"}
    await governed.blueprints.perform(deal_id, "signer", values, alice)
    deal = await governed.deals.get(deal_id)
    assert (deal.status, deal.expected_revenue) == ("won", Decimal("8450.50"))
    assert deal.custom["signature_date"] == "2026-01-15"
    notes = [m for m in await governed.outbox.messages(deal_id) if m.kind == "notification"]
    assert notes[0].recipient == "user:U_CAROL" and "8450.50" in notes[0].payload["text"]


async def test_the_common_transition_from_any_open_stage(
    governed: Engine, alice: Actor, admin: Actor
) -> None:
    first = await new_deal(governed, alice, "A")
    second = await new_deal(governed, alice, "B")
    await to_devis(governed, second, alice, admin)
    lost = {"lost_reason": "trop cher", "note": "Parti chez un concurrent moins cher"}
    for deal_id in (first, second):
        with pytest.raises(InputsRejected) as refused:
            await governed.blueprints.perform(deal_id, "marquer_perdu", {}, alice)
        assert set(refused.value.errors) == {"lost_reason", "note"}
        await governed.blueprints.perform(deal_id, "marquer_perdu", lost, alice)
        deal = await governed.deals.get(deal_id)
        assert (deal.status, deal.lost_reason) == ("lost", "Trop cher")
    options = {o.key for o in await governed.blueprints.transitions(first, alice)}
    assert options == {"rouvrir"}  # a closed deal: "mark lost" no longer applies
    notes = await governed.activities.on_record("deal", first)
    assert notes[-1].kind == "note" and "concurrent" in notes[-1].note


async def test_two_concurrent_transitions_one_wins_the_other_conflicts(
    governed: Engine, alice: Actor, bob: Actor
) -> None:
    deal_id = await new_deal(governed, alice)
    version = (await governed.deals.get(deal_id)).version
    lost = {"lost_reason": "Hors zone", "note": "Trop loin"}
    results = await asyncio.gather(
        governed.blueprints.perform(deal_id, "planifier_visite", VISIT, alice, version),
        governed.blueprints.perform(deal_id, "marquer_perdu", lost, bob, version),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1 and len([r for r in results if not isinstance(r, Exception)]) == 1
    assert len(await governed.blueprints.history(deal_id)) == 1


async def test_admin_override_is_a_recorded_transition(
    governed: Engine, alice: Actor, admin: Actor
) -> None:
    deal_id = await new_deal(governed, alice)
    assert "admin_override" not in {
        o.key for o in await governed.blueprints.transitions(deal_id, alice)
    }
    with pytest.raises(TransitionUnavailable):
        await governed.blueprints.perform(
            deal_id, "admin_override", {"stage": "devis", "note": "x"}, alice
        )
    form = await governed.blueprints.describe(deal_id, "admin_override", admin)
    assert form.note == "required" and "devis" in form.fields[0].spec.options
    await governed.blueprints.perform(
        deal_id, "admin_override", {"stage": "devis", "note": "Import d'un dossier papier"}, admin
    )
    [entry] = await governed.blueprints.history(deal_id)
    assert (entry.transition, entry.to_stage, entry.note) == (
        "admin_override", "devis", "Import d'un dossier papier",
    )  # fmt: skip


async def test_describe_gives_fields_types_options_and_current_values(
    governed: Engine, alice: Actor, admin: Actor
) -> None:
    deal_id = await new_deal(governed, alice)
    await governed.deals.update(deal_id, {"budget": "9000"}, admin)
    form = await governed.blueprints.describe(deal_id, "estimer", alice)
    [budget] = form.fields
    assert (budget.spec.type, budget.spec.min, budget.current) == ("money", "1", "9000.00")
    assert form.message.startswith("Indiquez le budget")
    with pytest.raises(NotFound):
        await governed.blueprints.describe(deal_id, "teleport", alice)


async def test_a_pipeline_without_blueprint_moves_freely(engine: Engine, alice: Actor) -> None:
    deal_id = await new_deal(engine, alice)
    assert await engine.blueprints.transitions(deal_id, alice) == []
    moved = await engine.deals.move(deal_id, "devis", alice)
    assert moved.probability == 60
