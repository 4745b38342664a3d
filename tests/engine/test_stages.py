import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.crm.pipelines import StageSpec
from engine.errors import Forbidden, StageNotEmpty


async def test_default_pipeline_has_the_openfire_stages(engine: Engine) -> None:
    pipeline = await engine.pipelines.get()
    assert [s.name for s in pipeline.stages] == [
        "Nouveau",
        "Estimation",
        "Visite Technique",
        "Devis",
        "Gagné",
        "Perdu",
    ]
    assert [s.outcome for s in pipeline.stages][-2:] == ["won", "lost"]


async def test_add_rename_reorder_fold_and_reweight(engine: Engine, admin: Actor) -> None:
    await engine.pipelines.add_stage(
        None, StageSpec("negociation", "Négociation", 80), admin, position=5
    )
    await engine.pipelines.change_stage(None, "negociation", admin, name="Négo", folded=True)
    pipeline = await engine.pipelines.get()
    stage = pipeline.stage("negociation")
    assert stage is not None and (stage.name, stage.folded, stage.position) == ("Négo", True, 5)
    order = [s.key for s in pipeline.stages]
    order[0], order[1] = order[1], order[0]
    await engine.pipelines.reorder_stages(None, order, admin)
    assert [s.key for s in (await engine.pipelines.get()).stages] == order


async def test_reweighting_a_stage_moves_its_deals_probability(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    follows = await engine.deals.create(DealDraft("A"), alice)
    manual = await engine.deals.create(DealDraft("B"), alice)
    await engine.deals.update(manual.id, {"probability": 50}, alice)
    await engine.pipelines.change_stage(None, "nouveau", admin, probability=15)
    assert (await engine.deals.get(follows.id)).probability == 15
    assert (await engine.deals.get(manual.id)).probability == 50


@pytest.mark.parametrize("state", ["open", "archived", "lost"])
async def test_a_stage_holding_any_deal_cannot_be_deleted(
    engine: Engine, admin: Actor, alice: Actor, state: str
) -> None:
    await engine.deals.create(DealDraft("Un"), alice)
    deal = await engine.deals.create(DealDraft("Deux"), alice)
    if state == "archived":
        await engine.deals.update(deal.id, {"archived": True}, alice)
    with pytest.raises(StageNotEmpty) as refused:
        await engine.pipelines.delete_stage(None, "nouveau", admin)
    assert refused.value.count == 2
    assert "2 deals" in refused.value.message
    assert (await engine.pipelines.get()).stage("nouveau") is not None


async def test_empty_stage_is_deleted_and_positions_close_up(engine: Engine, admin: Actor) -> None:
    await engine.pipelines.delete_stage(None, "estimation", admin)
    pipeline = await engine.pipelines.get()
    assert [s.position for s in pipeline.stages] == [1, 2, 3, 4, 5]
    assert pipeline.stage("estimation") is None


async def test_only_admins_manage_stages(engine: Engine, alice: Actor) -> None:
    with pytest.raises(Forbidden):
        await engine.pipelines.delete_stage(None, "estimation", alice)
