"""Applying the configuration: one transaction, every change listed, twice is a no-op."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config.apply import apply_config
from config.loader import load_config
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.crm.pipelines import StageSpec
from engine.crm.users import UserDraft
from engine.errors import Forbidden, NotFound, StageNotEmpty, ValidationFailed
from tests.config.helpers import copy_shipped, read_data, write_data


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_shipped(tmp_path / "config")


async def apply(engine: Engine, folder: Path, actor: Actor) -> list[str]:
    return await apply_config(engine, load_config(folder), actor)


def stages_of(data: Any) -> list[dict[str, Any]]:
    stages: list[dict[str, Any]] = data["pipelines"][0]["stages"]
    return stages


async def stage_names(engine: Engine, pipeline: str | None = None) -> list[str]:
    return [s.name for s in (await engine.pipelines.get(pipeline)).stages]


DEFAULT_NAMES = ["Nouveau", "Estimation", "Visite Technique", "Devis", "Gagné", "Perdu"]


async def test_the_shipped_config_on_a_fresh_database(
    engine: Engine, admin: Actor, folder: Path
) -> None:
    assert await apply(engine, folder, admin) == [
        "user admin@relais.example: created (admin)",
        "project poele: created with 15 questions",
    ]
    assert await apply(engine, folder, admin) == []
    assert await stage_names(engine) == DEFAULT_NAMES
    assert (await engine.users.get("admin@relais.example")).role == "admin"


async def test_stage_changes_are_applied_and_listed(
    engine: Engine, admin: Actor, folder: Path
) -> None:
    data = read_data(folder, "pipelines.yaml")
    stages = stages_of(data)
    stages.insert(4, {"key": "negociation", "name": "Négociation", "probability": 80})
    stages[0]["probability"] = 15
    stages[1]["folded"] = True
    stages[3]["name"] = "Devis envoyé"
    stages[3]["description"] = "Le devis est parti"
    write_data(folder, "pipelines.yaml", data)
    assert (await apply(engine, folder, admin))[:6] == [
        "pipeline default: stage 'Nouveau': probability 10 → 15",
        "pipeline default: stage 'Estimation': folded no → yes",
        "pipeline default: stage 'Devis' renamed to 'Devis envoyé'",
        "pipeline default: stage 'Devis envoyé': description 'Un devis a été édité' → "
        "'Le devis est parti'",
        "pipeline default: stage 'Négociation' added at position 5",
        "user admin@relais.example: created (admin)",
    ]
    pipeline = await engine.pipelines.get()
    assert [s.name for s in pipeline.stages] == [
        "Nouveau", "Estimation", "Visite Technique", "Devis envoyé", "Négociation", "Gagné",
        "Perdu",
    ]  # fmt: skip
    assert [s.position for s in pipeline.stages] == [1, 2, 3, 4, 5, 6, 7]
    assert await apply(engine, folder, admin) == []


async def test_a_reorder_and_a_deletion(engine: Engine, admin: Actor, folder: Path) -> None:
    data = read_data(folder, "pipelines.yaml")
    stages = [s for s in stages_of(data) if s["key"] != "estimation"]
    stages[1], stages[2] = stages[2], stages[1]
    data["pipelines"][0]["stages"] = stages
    write_data(folder, "pipelines.yaml", data)
    (folder / "users.yaml").unlink()
    (folder / "projects.yaml").unlink()
    assert await apply(engine, folder, admin) == [
        "pipeline default: stage 'Estimation' deleted",
        "pipeline default: stages reordered: Nouveau, Devis, Visite Technique, Gagné, Perdu",
    ]
    assert await stage_names(engine) == ["Nouveau", "Devis", "Visite Technique", "Gagné", "Perdu"]
    assert [s.position for s in (await engine.pipelines.get()).stages] == [1, 2, 3, 4, 5]
    assert await apply(engine, folder, admin) == []


async def test_an_outcome_change(engine: Engine, admin: Actor, folder: Path) -> None:
    data = read_data(folder, "pipelines.yaml")
    stages_of(data)[5]["outcome"] = "none"
    write_data(folder, "pipelines.yaml", data)
    (folder / "users.yaml").unlink()
    (folder / "projects.yaml").unlink()
    assert await apply(engine, folder, admin) == [
        "pipeline default: stage 'Perdu': outcome lost → none"
    ]
    stage = (await engine.pipelines.get()).stage("perdu")
    assert stage is not None and stage.outcome is None


async def test_deals_follow_a_new_stage_probability(
    engine: Engine, admin: Actor, alice: Actor, folder: Path
) -> None:
    deal = await engine.deals.create(DealDraft("PAG Rika - Tubage"), alice)
    data = read_data(folder, "pipelines.yaml")
    stages_of(data)[0]["probability"] = 25
    write_data(folder, "pipelines.yaml", data)
    await apply(engine, folder, admin)
    assert (await engine.deals.get(deal.id)).probability == 25


@pytest.mark.parametrize("state", ["open", "archived", "lost"])
async def test_a_stage_holding_deals_refuses_the_whole_apply(
    engine: Engine, admin: Actor, alice: Actor, folder: Path, state: str
) -> None:
    await engine.deals.create(DealDraft("Un", stage="devis"), alice)
    deal = await engine.deals.create(DealDraft("Deux", stage="devis"), alice)
    if state == "archived":
        await engine.deals.update(deal.id, {"archived": True}, alice)
    if state == "lost":
        await engine.deals.move(deal.id, "perdu", alice, lost_reason="trop cher")
        await engine.deals.move(deal.id - 1, "perdu", alice, lost_reason="trop cher")
    blocked = "Perdu" if state == "lost" else "Devis"
    data = read_data(folder, "pipelines.yaml")
    stages = stages_of(data)
    stages[0]["name"] = "Premier contact"  # a change that must not survive the refusal
    data["pipelines"][0]["stages"] = [s for s in stages if s["name"] != blocked]
    write_data(folder, "pipelines.yaml", data)
    with pytest.raises(StageNotEmpty) as refused:
        await apply(engine, folder, admin)
    assert refused.value.stage == blocked and refused.value.count == 2
    assert "2 deals" in refused.value.message
    assert await stage_names(engine) == DEFAULT_NAMES
    with pytest.raises(NotFound):
        await engine.users.get("admin@relais.example")
    assert (
        await engine.db.read(
            lambda c: c.execute("SELECT count(*) FROM project_templates").fetchone()[0]
        )
        == 0
    )


async def test_a_new_default_pipeline(engine: Engine, admin: Actor, folder: Path) -> None:
    data = read_data(folder, "pipelines.yaml")
    data["pipelines"][0]["default"] = False
    data["pipelines"].append(
        {
            "key": "sav",
            "name": "Service après-vente",
            "currency": "CHF",
            "default": True,
            "stages": [
                {"key": "ouvert", "name": "Ouvert", "probability": 50},
                {"key": "clos", "name": "Clos", "probability": 100, "outcome": "won"},
            ],
        }
    )
    write_data(folder, "pipelines.yaml", data)
    assert (await apply(engine, folder, admin))[:3] == [
        "pipeline sav: created with 2 stages",
        "pipeline sav: is now the default pipeline",
        "pipeline default: is no longer the default pipeline",
    ]
    default = await engine.pipelines.get()
    assert (default.key, default.currency, [s.key for s in default.stages]) == (
        "sav",
        "CHF",
        ["ouvert", "clos"],
    )
    assert await apply(engine, folder, admin) == []
    data["pipelines"][1]["name"] = "SAV"
    data["pipelines"][1]["currency"] = "EUR"
    write_data(folder, "pipelines.yaml", data)
    assert await apply(engine, folder, admin) == [
        "pipeline sav: name 'Service après-vente' → 'SAV'",
        "pipeline sav: currency CHF → EUR",
    ]


async def test_pipelines_absent_from_the_file_or_no_file_are_left_alone(
    engine: Engine, admin: Actor, folder: Path
) -> None:
    await engine.pipelines.add_stage(None, StageSpec("pose", "Pose", 90), admin)
    (folder / "pipelines.yaml").unlink()
    await apply(engine, folder, admin)
    assert (await engine.pipelines.get()).stage("pose") is not None


async def test_user_changes_are_listed(engine: Engine, admin: Actor, folder: Path) -> None:
    data = read_data(folder, "users.yaml")
    data["users"].append({"name": "Alice Martin", "email": "alice@example.com"})
    write_data(folder, "users.yaml", data)
    assert "user alice@example.com: created (rep)" in await apply(engine, folder, admin)
    data["users"][1] |= {
        "role": "manager",
        "locale": "en",
        "timezone": "America/Montreal",
        "slack_id": "U0ALICE",
        "manager": "admin@relais.example",
    }
    write_data(folder, "users.yaml", data)
    assert await apply(engine, folder, admin) == [
        "user alice@example.com: slack_id none → U0ALICE",
        "user alice@example.com: role rep → manager",
        "user alice@example.com: locale fr → en",
        "user alice@example.com: timezone Europe/Paris → America/Montreal",
        "user alice@example.com: manager none → admin@relais.example",
    ]
    alice = await engine.users.get("U0ALICE")
    assert alice.manager_id == (await engine.users.get("admin@relais.example")).id
    assert await apply(engine, folder, admin) == []


async def test_a_manager_listed_after_their_report_is_created_first(
    engine: Engine, admin: Actor, folder: Path
) -> None:
    data = read_data(folder, "users.yaml")
    data["users"] = [
        {"name": "Rep", "email": "rep@example.com", "manager": "boss@example.com"},
        {"name": "Boss", "email": "boss@example.com", "role": "manager"},
    ]
    write_data(folder, "users.yaml", data)
    assert (await apply(engine, folder, admin))[:2] == [
        "user boss@example.com: created (manager)",
        "user rep@example.com: created (rep)",
    ]
    assert await apply(engine, folder, admin) == []


async def test_a_user_found_by_slack_id_gets_the_file_s_email(
    engine: Engine, admin: Actor, alice: Actor, folder: Path
) -> None:
    data = {
        "users": [{"name": "Alice Martin", "email": "amartin@example.com", "slack_id": "U_ALICE"}]
    }
    write_data(folder, "users.yaml", data)
    (folder / "projects.yaml").unlink()
    assert await apply(engine, folder, admin) == [
        "user amartin@example.com: email alice@example.com → amartin@example.com"
    ]


async def test_a_slack_id_taken_by_someone_else_is_refused(
    engine: Engine, admin: Actor, alice: Actor, bob: Actor, folder: Path
) -> None:
    data = {"users": [{"name": "Bob", "email": "bob@example.com", "slack_id": "U_ALICE"}]}
    write_data(folder, "users.yaml", data)
    with pytest.raises(ValidationFailed, match="Slack id U_ALICE belongs to Alice Martin"):
        await apply(engine, folder, admin)
    assert (await engine.users.get("bob@example.com")).slack_id == "U_BOB"


async def test_project_changes_are_listed(
    engine: Engine, admin: Actor, alice: Actor, folder: Path
) -> None:
    await apply(engine, folder, admin)
    deal = await engine.deals.create(DealDraft("PAG", project_template="poele"), alice)
    await engine.deals.update(deal.id, {"answers": {"marque": "Rika", "modele": "Sumo"}}, alice)
    data = read_data(folder, "projects.yaml")
    questions = data["projects"][0]["questions"]
    data["projects"][0]["name"] = "Poêles et foyers"
    questions[0]["choices"].append("Insert")
    questions[1]["label"] = "Marque"
    del questions[2]
    questions.insert(0, {"key": "urgence", "label": "Urgent ?", "kind": "yes_no"})
    write_data(folder, "projects.yaml", data)
    assert await apply(engine, folder, admin) == [
        "project poele: name 'Installation de poêle ou foyer' → 'Poêles et foyers'",
        "project poele: question 'modele' removed (1 answer deleted)",
        "project poele: question 'urgence' added",
        "project poele: question 'type_appareil': choices PAB, PAG, Foyer → PAB, PAG, Foyer, "
        "Insert",
        "project poele: question 'marque': label 'Marque souhaitée' → 'Marque'",
    ]
    assert (await engine.deals.get(deal.id)).answers == {"marque": "Rika"}
    questions[1], questions[2] = questions[2], questions[1]
    write_data(folder, "projects.yaml", data)
    assert await apply(engine, folder, admin) == ["project poele: questions reordered"]
    assert await apply(engine, folder, admin) == []


async def test_only_an_admin_applies_the_configuration(
    engine: Engine, alice: Actor, folder: Path
) -> None:
    with pytest.raises(Forbidden):
        await apply(engine, folder, alice)


async def test_changes_are_on_the_timeline_with_their_actor(
    engine: Engine, admin: Actor, folder: Path
) -> None:
    data = read_data(folder, "pipelines.yaml")
    stages_of(data)[0]["probability"] = 12
    write_data(folder, "pipelines.yaml", data)
    await apply(engine, folder, admin)
    stage = (await engine.pipelines.get()).stage("nouveau")
    assert stage is not None
    [entry] = [e for e in await engine.timeline.of("stage", stage.id) if e.action == "updated"]
    assert (entry.actor_label, entry.changes["probability"]) == ("test-admin", [10, 12])


async def test_a_new_user_and_an_unchanged_one(engine: Engine, admin: Actor, folder: Path) -> None:
    await engine.users.upsert(
        UserDraft("Administrateur Relais", "admin@relais.example", role="admin"), admin
    )
    (folder / "projects.yaml").unlink()
    assert await apply(engine, folder, admin) == []
