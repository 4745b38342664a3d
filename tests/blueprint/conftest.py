"""A real engine with the shipped default blueprint applied, and its people."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.blueprint_schema import load_blueprint_file
from engine.actors import Actor
from engine.blueprints.model import Blueprint
from engine.core import Engine
from engine.crm.users import UserDraft

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "config" / "blueprints" / "default.yaml"


@pytest.fixture
def blueprint() -> Blueprint:
    return load_blueprint_file(DEFAULT)


@pytest.fixture
async def governed(engine: Engine, admin: Actor, blueprint: Blueprint) -> Engine:
    await engine.blueprints.save(blueprint, admin)
    return engine


@pytest.fixture
async def carol(engine: Engine, admin: Actor) -> Actor:
    """Alice's and Bob's manager."""
    await engine.users.upsert(
        UserDraft("Carol Chef", "carol@example.com", "U_CAROL", role="manager", locale="en"), admin
    )
    return await engine.users.actor_for("carol@example.com", "slack")


@pytest.fixture
async def team(engine: Engine, admin: Actor, carol: Actor, alice: Actor, bob: Actor) -> None:
    """Alice and Bob report to Carol."""
    for name, email, slack in (
        ("Alice Martin", "alice@example.com", "U_ALICE"),
        ("Bob Durand", "bob@example.com", "U_BOB"),
    ):
        await engine.users.upsert(UserDraft(name, email, slack, manager="carol@example.com"), admin)
