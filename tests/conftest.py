"""Shared fixtures: a real engine on a real temporary SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.users import UserDraft


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "relais.db"


@pytest.fixture
async def engine(db_path: Path) -> AsyncIterator[Engine]:
    engine = await Engine.open(db_path)
    try:
        yield engine
    finally:
        await engine.close()


@pytest.fixture
def admin() -> Actor:
    return Actor.cli("test-admin")


@pytest.fixture
async def alice(engine: Engine, admin: Actor) -> Actor:
    await engine.upsert_user(UserDraft("Alice Martin", "alice@example.com", "U_ALICE"), admin)
    return await engine.actor_for("alice@example.com", "slack")


@pytest.fixture
async def bob(engine: Engine, admin: Actor) -> Actor:
    await engine.upsert_user(UserDraft("Bob Durand", "bob@example.com", "U_BOB"), admin)
    return await engine.actor_for("U_BOB", "slack")
