"""Deleting a stage the blueprint in force names is refused by the engine, whatever the channel."""

from __future__ import annotations

import pytest

from bot.errors import describe
from engine.actors import Actor
from engine.blueprints.stages import StageInBlueprint
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.crm.pipelines import StageSpec
from engine.errors import RelaisError, StageNotEmpty

ESTIMATION = (
    'stage "estimation" is used by blueprint "Installation de poêle"'
    " (transitions estimer, planifier_visite; its time limit);"
    " change the blueprint first: disable it (run.py blueprint disable default),"
    " change the stages, then apply the new blueprint"
)


async def stage_keys(engine: Engine) -> list[str]:
    return [s.key for s in (await engine.pipelines.get()).stages]


async def test_a_stage_the_blueprint_names_cannot_be_deleted(
    governed: Engine, admin: Actor
) -> None:
    with pytest.raises(StageInBlueprint) as refused:
        await governed.pipelines.delete_stage(
            None, "Estimation", admin
        )  # by name: the key is reported
    assert isinstance(refused.value, RelaisError)
    assert refused.value.message == ESTIMATION
    assert (refused.value.stage, refused.value.blueprint) == ("estimation", "Installation de poêle")
    assert "estimation" in await stage_keys(governed)


async def test_a_stage_only_named_as_a_target_is_refused_too(
    governed: Engine, admin: Actor
) -> None:
    with pytest.raises(StageInBlueprint, match=r"\(transition signer\);"):
        await governed.pipelines.delete_stage(None, "gagne", admin)


async def test_deals_in_the_stage_are_reported_first(
    governed: Engine, admin: Actor, alice: Actor
) -> None:
    await governed.deals.create(DealDraft("Poêle"), alice)
    with pytest.raises(StageNotEmpty):
        await governed.pipelines.delete_stage(None, "nouveau", admin)


async def test_a_stage_the_blueprint_does_not_name_is_deleted(
    governed: Engine, admin: Actor
) -> None:
    await governed.pipelines.add_stage(None, StageSpec("relance", "Relance", 70), admin, position=5)
    await governed.pipelines.delete_stage(None, "relance", admin)
    assert "relance" not in await stage_keys(governed)


async def test_without_a_blueprint_in_force_any_empty_stage_is_deleted(
    governed: Engine, admin: Actor
) -> None:
    await governed.blueprints.disable(None, admin)
    await governed.pipelines.delete_stage(None, "estimation", admin)
    assert "estimation" not in await stage_keys(governed)


async def test_the_refusal_reads_in_french_in_slack(governed: Engine, admin: Actor) -> None:
    with pytest.raises(StageInBlueprint) as refused:
        await governed.pipelines.delete_stage(None, "estimation", admin)
    assert describe(refused.value, "fr") == (
        "L'étape « estimation » est utilisée par le processus « Installation de poêle »"
        " (transitions estimer, planifier_visite; son délai) : modifiez d'abord le processus"
        " — désactivez-le (run.py blueprint disable default), changez les étapes, puis"
        " appliquez le nouveau processus"
    )
    assert describe(refused.value, "en") == ESTIMATION
