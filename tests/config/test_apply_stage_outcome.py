"""A stage's outcome changed by ``config apply``: the deals in it take the new status."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from config.apply import apply_config
from config.loader import load_config
from engine.actors import Actor
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.crm.records import Deal, StageSummary, TimelineEntry
from engine.crm.stage_outcomes import NOTE
from engine.errors import StageNotEmpty
from tests.config.helpers import copy_shipped, read_data, run_cli, write_data

DEVIS, GAGNE, PERDU = 3, 4, 5  # indexes of the shipped stages


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = copy_shipped(tmp_path / "config")
    (folder / "users.yaml").unlink()
    (folder / "projects.yaml").unlink()
    return folder


async def apply(engine: Engine, folder: Path, actor: Actor) -> list[str]:
    return await apply_config(engine, load_config(folder), actor)


def edit(folder: Path, stages: dict[int, dict[str, Any]]) -> None:
    """Change stages of the default pipeline, by index: ``edit(folder, {DEVIS: {...}})``."""
    data = read_data(folder, "pipelines.yaml")
    for index, values in stages.items():
        data["pipelines"][0]["stages"][index].update(values)
    write_data(folder, "pipelines.yaml", data)


async def deal(engine: Engine, actor: Actor, title: str, amount: str, **extra: Any) -> Deal:
    return await engine.deals.create(DealDraft(title, expected_revenue=amount, **extra), actor)


def sums(summaries: list[StageSummary]) -> dict[str, tuple[int, Decimal, Decimal]]:
    """Stage name → (count, revenue, weighted), only the stages holding open deals."""
    return {s.stage: (s.count, s.revenue, s.weighted) for s in summaries if s.count}


def last(entries: list[TimelineEntry]) -> TimelineEntry:
    return entries[-1]


@pytest.fixture
async def in_devis(engine: Engine, alice: Actor, bob: Actor) -> list[Deal]:
    """Three deals in Devis (one with a hand-set probability, one archived) and one elsewhere."""
    first = await deal(engine, alice, "PAG Rika", "1000", stage="devis")
    manual = await deal(engine, alice, "PAB Invicta", "500", stage="devis")
    await engine.deals.update(manual.id, {"probability": "80"}, alice)
    archived = await deal(engine, bob, "Insert Godin", "200", stage="devis")
    await engine.deals.update(archived.id, {"archived": True}, bob)
    await deal(engine, bob, "Tubage", "300")  # Nouveau: untouched throughout
    return [first, manual, archived]


async def test_deals_in_a_stage_made_won_are_won(
    engine: Engine, admin: Actor, alice: Actor, in_devis: list[Deal], folder: Path
) -> None:
    alice_id = alice.user_id
    assert alice_id is not None
    assert sums(await engine.deals.board()) == {
        "Nouveau": (1, Decimal("300.00"), Decimal("30.00")),
        "Devis": (2, Decimal("1500.00"), Decimal("1000.00")),
    }
    assert sums(await engine.deals.my_pipeline(alice_id)) == {
        "Devis": (2, Decimal("1500.00"), Decimal("1000.00"))
    }
    edit(folder, {DEVIS: {"outcome": "won", "probability": 100}, GAGNE: {"outcome": "none"}})
    assert await apply(engine, folder, admin) == [
        "pipeline default: stage 'Devis': probability 60 → 100",
        "pipeline default: stage 'Devis': outcome none → won",
        "pipeline default: 3 deals in stage 'Devis' are now won",
        "pipeline default: stage 'Gagné': outcome won → none",
    ]
    assert sums(await engine.deals.board()) == {"Nouveau": (1, Decimal("300.00"), Decimal("30.00"))}
    assert sums(await engine.deals.my_pipeline(alice_id)) == {}
    assert await engine.deals.my_open(alice_id) == []
    for before in in_devis:
        after = await engine.deals.get(before.id)
        assert (after.status, after.probability, after.probability_manual) == ("won", 100, False)
        assert after.closed_at is not None and after.lost_reason is None
        assert after.version == before.version + (2 if before.title != "PAG Rika" else 1)
    assert await apply(engine, folder, admin) == []  # twice: nothing more


async def test_each_deal_gets_a_timeline_entry_by_the_admin(
    engine: Engine, admin: Actor, in_devis: list[Deal], folder: Path
) -> None:
    edit(folder, {DEVIS: {"outcome": "won"}, GAGNE: {"outcome": "none"}})
    await apply(engine, folder, admin)
    for before in in_devis:
        entry = last(await engine.timeline.of("deal", before.id))
        assert (entry.action, entry.actor_kind, entry.actor_label, entry.channel) == (
            "updated",
            "cli",
            "test-admin",
            "cli",
        )
        assert entry.changes["status"] == ["open", "won"]
        assert entry.changes["note"] == [None, NOTE]
        assert entry.changes["closed_at"][0] is None
    await apply(engine, folder, admin)
    counts = [len(await engine.timeline.of("deal", d.id)) for d in in_devis]
    assert counts == [2, 3, 3]  # created (+ edited), then the one status change: no second


async def test_deals_in_a_stage_made_lost_get_no_invented_reason(
    engine: Engine, admin: Actor, alice: Actor, in_devis: list[Deal], folder: Path
) -> None:
    edit(folder, {DEVIS: {"outcome": "lost", "probability": 0}, PERDU: {"outcome": "none"}})
    assert await apply(engine, folder, admin) == [
        "pipeline default: stage 'Devis': probability 60 → 0",
        "pipeline default: stage 'Devis': outcome none → lost",
        "pipeline default: 3 deals in stage 'Devis' are now lost",
        "pipeline default: stage 'Perdu': outcome lost → none",
    ]
    first = await engine.deals.get(in_devis[0].id)
    assert (first.status, first.lost_reason, first.probability) == ("lost", None, 0)
    assert first.closed_at is not None
    entry = last(await engine.timeline.of("deal", first.id))
    assert entry.changes["status"] == ["open", "lost"]
    assert entry.changes["note"] == [None, NOTE]
    assert "lost_reason" not in entry.changes
    assert sums(await engine.deals.board()) == {"Nouveau": (1, Decimal("300.00"), Decimal("30.00"))}
    assert await apply(engine, folder, admin) == []


async def test_a_closed_stage_made_open_reopens_its_deals(
    engine: Engine, admin: Actor, alice: Actor, in_devis: list[Deal], folder: Path
) -> None:
    alice_id = alice.user_id
    assert alice_id is not None
    won = in_devis[0]
    await engine.deals.move(won.id, "gagne", alice)
    lost = in_devis[1]
    await engine.deals.move(lost.id, "perdu", alice, lost_reason="trop cher")
    assert sums(await engine.deals.my_pipeline(alice_id)) == {}
    edit(folder, {GAGNE: {"outcome": "none", "probability": 90}, DEVIS: {"outcome": "won"}})
    assert await apply(engine, folder, admin) == [
        "pipeline default: stage 'Devis': outcome none → won",
        "pipeline default: 1 deal in stage 'Devis' is now won",  # the archived one
        "pipeline default: stage 'Gagné': probability 100 → 90",
        "pipeline default: stage 'Gagné': outcome won → none",
        "pipeline default: 1 deal in stage 'Gagné' is now open",
    ]
    reopened = await engine.deals.get(won.id)
    assert (reopened.status, reopened.closed_at, reopened.probability) == ("open", None, 90)
    assert sums(await engine.deals.my_pipeline(alice_id)) == {
        "Gagné": (1, Decimal("1000.00"), Decimal("900.00"))
    }
    edit(
        folder, {PERDU: {"outcome": "none"}, DEVIS: {"outcome": "none"}, GAGNE: {"outcome": "won"}}
    )
    lines = await apply(engine, folder, admin)
    assert "pipeline default: 1 deal in stage 'Perdu' is now open" in lines
    assert "pipeline default: 1 deal in stage 'Gagné' is now won" in lines
    relost = await engine.deals.get(lost.id)
    assert (relost.status, relost.lost_reason, relost.closed_at) == ("open", None, None)
    assert await apply(engine, folder, admin) == []


async def test_won_and_lost_stages_swapped(
    engine: Engine, admin: Actor, alice: Actor, in_devis: list[Deal], folder: Path
) -> None:
    await engine.deals.move(in_devis[0].id, "gagne", alice)
    edit(folder, {GAGNE: {"outcome": "lost"}, PERDU: {"outcome": "won"}})
    assert await apply(engine, folder, admin) == [
        "pipeline default: stage 'Gagné': outcome won → lost",
        "pipeline default: 1 deal in stage 'Gagné' is now lost",
        "pipeline default: stage 'Perdu': outcome lost → won",
    ]
    assert (await engine.deals.get(in_devis[0].id)).status == "lost"


async def test_a_refused_apply_changes_no_status(
    engine: Engine, admin: Actor, in_devis: list[Deal], folder: Path
) -> None:
    data = read_data(folder, "pipelines.yaml")
    stages = data["pipelines"][0]["stages"]
    stages[DEVIS]["outcome"] = "won"
    stages[GAGNE]["outcome"] = "none"
    del stages[1]  # Estimation, which holds a deal: the whole apply is refused
    write_data(folder, "pipelines.yaml", data)
    await engine.deals.create(DealDraft("Bloque", stage="estimation"), admin)
    with pytest.raises(StageNotEmpty):
        await apply(engine, folder, admin)
    assert [(await engine.deals.get(d.id)).status for d in in_devis] == ["open"] * 3


async def test_the_engine_entry_point_used_by_slack_does_the_same(
    engine: Engine, admin: Actor, in_devis: list[Deal]
) -> None:
    await engine.pipelines.change_stage(None, "gagne", admin, outcome=None)
    changed = await engine.pipelines.change_stage(None, "devis", admin, outcome="won")
    assert (changed.deals, changed.status) == (3, "won")
    assert changed.fields == {"outcome": (None, "won")}
    assert (await engine.deals.get(in_devis[0].id)).status == "won"
    again = await engine.pipelines.change_stage(None, "devis", admin, outcome="won")
    assert (again.fields, again.deals) == ({}, 0)


async def test_run_py_config_apply_prints_the_deals(
    tmp_path: Path, folder: Path, in_devis: list[Deal], engine: Engine
) -> None:
    await engine.close()  # the command opens the database itself
    edit(folder, {DEVIS: {"outcome": "won"}, GAGNE: {"outcome": "none"}})
    assert await run(tmp_path, "apply") == (
        0,
        "pipeline default: stage 'Devis': outcome none → won\n"
        "pipeline default: 3 deals in stage 'Devis' are now won\n"
        "pipeline default: stage 'Gagné': outcome won → none\n",
        "",
    )
    assert await run(tmp_path, "apply") == (0, "nothing to change\n", "")


async def run(tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    return await run_cli(tmp_path, "config", *argv)
