"""Workflow fixtures: a started runner on the test engine, workflows written as YAML."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import yaml

from config.workflow_schema import parse_workflows
from engine.actors import Actor
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.records import Deal
from engine.workflows.execute import Setup
from engine.workflows.history import RunRecord
from engine.workflows.model import Workflow
from engine.workflows.runner import WorkflowRunner
from service import wiring
from tests.workflows.sink import Sink, smtp_sink

CHANNELS = {"leads": "C_LEADS", "team": "C_TEAM"}
SETUP = Setup(channels=CHANNELS, retry_delay=60.0)


def flows(text: str) -> list[Workflow]:
    """Workflows from YAML text (the ``workflows:`` list of config/workflows.yaml)."""
    return parse_workflows(yaml.safe_load(text), "test.yaml")


async def install(engine: Engine, text: str) -> list[Workflow]:
    found = flows(text)
    await engine.workflows.apply(found, Actor.cli("test"))
    return found


@pytest.fixture
async def runner(engine: Engine) -> AsyncIterator[WorkflowRunner]:
    started = engine.workflows.runner(SETUP)
    wiring.apply(engine.bus, wiring.workflow_listeners(started))
    started.start()
    try:
        yield started
    finally:
        await started.stop()


async def runs(engine: Engine, name: str | None = None) -> list[RunRecord]:
    """Runs oldest first, with their steps."""
    found = await engine.workflows.runs(name, limit=500)
    return [await engine.workflows.run_record(r.id) for r in reversed(found)]


async def new_deal(engine: Engine, actor: Actor, title: str = "PAG Rika", **values: Any) -> Deal:
    contact = values.pop("contact", ContactDraft("Jean Dupont", "jean@dupont.fr"))
    return await engine.deals.create(DealDraft(title, contact, **values), actor)


def payloads(messages: list[Any], kind: str) -> list[dict[str, Any]]:
    return [m.payload for m in messages if m.kind == kind]


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    with smtp_sink() as running:
        yield running
