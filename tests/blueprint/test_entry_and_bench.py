"""Entry criteria decide which deals a blueprint governs; the benchmark still runs."""

import dataclasses
import subprocess
import sys

import pytest

from engine.actors import Actor
from engine.blueprints.model import Blueprint
from engine.blueprints.refusals import StageGoverned
from engine.core import Engine
from engine.crm.criteria import Condition
from engine.crm.deals import DealDraft
from tests.blueprint.conftest import ROOT


async def test_only_deals_meeting_the_entry_criteria_are_governed(
    engine: Engine, admin: Actor, alice: Actor, blueprint: Blueprint
) -> None:
    big_only = dataclasses.replace(blueprint, entry=Condition("expected_revenue", "ge", 5000))
    await engine.blueprints.save(big_only, admin)
    small = await engine.deals.create(DealDraft("Ramonage", expected_revenue="150"), alice)
    big = await engine.deals.create(DealDraft("Poêle", expected_revenue="9000"), alice)
    assert (await engine.deals.move(small.id, "devis", alice)).probability == 60
    assert await engine.blueprints.transitions(small.id, alice) == []
    with pytest.raises(StageGoverned):
        await engine.deals.move(big.id, "devis", alice)
    assert {o.key for o in await engine.blueprints.transitions(big.id, alice)} >= {"estimer"}


@pytest.mark.slow
def test_the_blueprint_benchmark_prints_its_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "blueprint.py"), "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "| callers | plain moves/s | transitions/s | ratio | target | verdict |" in done.stdout
