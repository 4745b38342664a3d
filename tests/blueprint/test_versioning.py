"""Blueprint versions: deals in flight keep theirs until they leave their stage or migrate."""

import dataclasses

import pytest

from engine.actors import Actor
from engine.blueprints.model import Blueprint
from engine.blueprints.refusals import StageGoverned
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.errors import Forbidden

VISIT = {"visit_date": "2026-03-12", "installation_type": "Insert", "checklist": "all"}


def without_quote_rule(blueprint: Blueprint) -> Blueprint:
    """Version 2: a quote is no longer required to go to Devis."""
    changed = tuple(
        dataclasses.replace(t, criteria=None) if t.key == "envoyer_devis" else t
        for t in blueprint.transitions
    )
    return dataclasses.replace(blueprint, transitions=changed)


async def can_quote(engine: Engine, deal_id: int, actor: Actor) -> bool:
    options = {o.key: o for o in await engine.blueprints.transitions(deal_id, actor)}
    return options["envoyer_devis"].available


async def test_in_flight_deals_keep_their_version_until_they_move_or_migrate(
    governed: Engine, admin: Actor, alice: Actor, blueprint: Blueprint
) -> None:
    waiting = (await governed.deals.create(DealDraft("En attente"), alice)).id
    visited = (await governed.deals.create(DealDraft("Visité"), alice)).id
    await governed.blueprints.perform(visited, "planifier_visite", VISIT, alice)
    saved = await governed.blueprints.save(without_quote_rule(blueprint), admin)
    assert (saved.version, saved.created, saved.pinned) == (2, True, 2)
    assert not await can_quote(governed, visited, alice)  # still on version 1 in its stage
    version = await governed.blueprints.of_deal(visited)
    assert version is not None and version.version == 1

    await governed.blueprints.perform(waiting, "planifier_visite", VISIT, alice)
    assert await can_quote(governed, waiting, alice)  # it left its stage: version 2
    fresh = (await governed.deals.create(DealDraft("Nouveau"), alice)).id
    assert (await governed.blueprints.of_deal(fresh)).version == 2  # type: ignore[union-attr]

    with pytest.raises(Forbidden):
        await governed.blueprints.migrate(None, alice)
    assert await governed.blueprints.migrate(None, admin) == [visited]
    assert await can_quote(governed, visited, alice)
    await governed.blueprints.perform(visited, "envoyer_devis", {}, alice)
    [*_, last] = await governed.blueprints.history(visited)
    assert last.blueprint_version == 2


async def test_saving_the_same_blueprint_again_changes_nothing(
    governed: Engine, admin: Actor, blueprint: Blueprint
) -> None:
    again = await governed.blueprints.save(blueprint, admin)
    assert (again.version, again.created) == (1, False)
    assert [v.version for v in await governed.blueprints.versions()] == [1]


async def test_disabling_restores_free_movement(
    governed: Engine, admin: Actor, alice: Actor, blueprint: Blueprint
) -> None:
    deal_id = (await governed.deals.create(DealDraft("Libre"), alice)).id
    assert await governed.blueprints.disable("default", admin)
    assert (await governed.deals.move(deal_id, "devis", alice)).probability == 60
    assert await governed.blueprints.current() is None
    again = await governed.blueprints.save(blueprint, admin)
    assert (again.version, again.created) == (1, True)  # the same version back in force
    with pytest.raises(StageGoverned):
        await governed.deals.move(deal_id, "gagne", alice)
