"""The engine's set-up (``Engine.setup.apply``): engine records in, change lines out.

The same work ``config apply`` does, without any YAML: on a real SQLite file,
in one transaction, all or nothing.
"""

from __future__ import annotations

import pytest

from config.blueprint_schema import load_blueprint_file
from engine.actors import Actor
from engine.core import Engine
from engine.crm.pipelines import StageSpec
from engine.crm.projects import ProjectTemplate, Question
from engine.crm.setup import CrmSetup, PipelineSetup, SetupRefused
from engine.crm.setup.users import managers_first
from engine.crm.users import UserDraft
from engine.errors import Forbidden, NotFound
from tests.config.helpers import SHIPPED

SAV = PipelineSetup(
    "sav",
    "SAV",
    (StageSpec("ouvert", "Ouvert", 10), StageSpec("clos", "Clos", 100, outcome="won")),
    default=True,
)
BOSS = UserDraft("Boss", "boss@example.com", role="manager")
REP = UserDraft("Rep", "rep@example.com", manager="boss@example.com")
STOVE = ProjectTemplate("poele", "Poêle", (Question("surface", "Surface", "number"),))
WHOLE = CrmSetup(pipelines=(SAV,), users=(REP, BOSS), projects=(STOVE,))


async def test_a_setup_is_applied_once_and_then_changes_nothing(
    engine: Engine, admin: Actor
) -> None:
    assert await engine.setup.apply(WHOLE, admin) == [
        "pipeline sav: created with 2 stages",
        "pipeline sav: is now the default pipeline",
        "pipeline default: is no longer the default pipeline",
        "user boss@example.com: created (manager)",
        "user rep@example.com: created (rep)",
        "project poele: created with 1 question",
    ]
    assert await engine.setup.apply(WHOLE, admin) == []
    rep, boss = (
        await engine.users.get("rep@example.com"),
        await engine.users.get("boss@example.com"),
    )
    assert rep.manager_id == boss.id
    assert (await engine.pipelines.get()).key == "sav"


async def test_parts_left_out_are_left_as_they_are(engine: Engine, admin: Actor) -> None:
    before = await engine.setup.records()
    assert await engine.setup.apply(CrmSetup(), admin) == []
    assert await engine.setup.records() == before


async def test_a_change_is_one_line_per_field(engine: Engine, admin: Actor) -> None:
    await engine.setup.apply(WHOLE, admin)
    renamed = PipelineSetup("sav", "Après-vente", (SAV.stages[1], SAV.stages[0]), "CHF")
    lines = await engine.setup.apply(CrmSetup(pipelines=(renamed,), users=()), admin)
    assert lines == [
        "pipeline sav: name 'SAV' → 'Après-vente'",
        "pipeline sav: currency EUR → CHF",
        "pipeline sav: stages reordered: Clos, Ouvert",
    ]


async def test_only_an_admin_applies_a_setup(engine: Engine, admin: Actor, alice: Actor) -> None:
    with pytest.raises(Forbidden):
        await engine.setup.apply(WHOLE, alice)
    with pytest.raises(NotFound):
        await engine.pipelines.get("sav")


async def test_a_refusal_names_the_pipeline_by_index_and_changes_nothing(
    engine: Engine, admin: Actor
) -> None:
    await engine.blueprints.save(
        load_blueprint_file(SHIPPED / "blueprints" / "default.yaml"), admin
    )
    current = await engine.pipelines.get("default")
    kept = tuple(
        StageSpec(s.key, s.name, s.probability, s.folded, s.outcome, s.description)
        for s in current.stages
        if s.key != "devis"
    )
    dropped = PipelineSetup("default", current.name, kept)
    with pytest.raises(SetupRefused) as refused:
        await engine.setup.apply(CrmSetup(pipelines=(SAV, dropped), users=(BOSS,)), admin)
    assert [index for index, _ in refused.value.problems] == [1]
    assert 'stage "devis" is used by' in refused.value.problems[0][1]
    with pytest.raises(NotFound):
        await engine.pipelines.get("sav")
    with pytest.raises(NotFound):
        await engine.users.get("boss@example.com")
    assert [s.key for s in (await engine.pipelines.get("default")).stages] == [
        s.key for s in current.stages
    ]


async def test_the_records_read_back_what_was_applied(engine: Engine, admin: Actor) -> None:
    await engine.setup.apply(WHOLE, admin)
    records = await engine.setup.records()
    assert [p.key for p in records.pipelines] == ["default", "sav"]
    assert {u.email for u in records.users} >= {"boss@example.com", "rep@example.com"}
    assert records.projects == (STOVE,)


def test_managers_come_before_the_people_they_manage() -> None:
    assert managers_first((REP, BOSS)) == [BOSS, REP]
    assert managers_first((BOSS, REP)) == [BOSS, REP]
    assert managers_first(()) == []
