"""The engine facade: the one object adapters hold.

Each method is one unit of work: a write runs as a single function in the
database thread (one hop, one savepoint inside a shared commit), a read as one
function on the reader connection. Domain services stay plain functions of a
transaction, testable without any event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from engine import activities, contacts, deals, leads, pipelines, queries, users
from engine.actors import Actor
from engine.db import Database, Tx
from engine.errors import Forbidden
from engine.events import EventBus
from engine.records import (
    Activity,
    Contact,
    Deal,
    Lead,
    Pipeline,
    StageSummary,
    TimelineEntry,
    User,
)

T = TypeVar("T")


class Engine:
    def __init__(self, database: Database) -> None:
        self.db = database
        self.bus: EventBus = database.bus

    @classmethod
    async def open(cls, path: str | Path) -> Engine:
        database = Database(path)
        await database.open()
        engine = cls(database)
        await engine.ensure_default_pipeline()
        return engine

    async def close(self) -> None:
        await self.bus.drain()
        await self.db.close()

    async def write(self, fn: Callable[[Tx], T], actor: Actor) -> T:
        return await self.db.write(fn, actor)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self.db.read(fn)

    # -- set-up ---------------------------------------------------------------

    async def ensure_default_pipeline(self) -> None:
        """A fresh database gets the default pipeline so the product works at once."""

        def create_if_missing(tx: Tx) -> None:
            if tx.scalar("SELECT count(*) FROM pipelines") == 0:
                pipelines.create_pipeline(tx, "default", "Pipeline", is_default=True)

        if not await self.read(lambda c: c.execute("SELECT 1 FROM pipelines").fetchone()):
            await self.write(create_if_missing, Actor.system("setup"))

    # -- users ----------------------------------------------------------------

    async def upsert_user(self, draft: users.UserDraft, actor: Actor) -> User:
        user_id, _ = await self.write(lambda tx: users.upsert_user(tx, draft), actor)
        return await self.user(user_id)

    async def user(self, ref: str | int) -> User:
        return await self.read(lambda c: users.get_user(c, ref))

    async def actor_for(self, ref: str | int, channel: str) -> Actor:
        """The actor a person acts as (``--as`` on the command line, a Slack user)."""
        user = await self.user(ref)
        if not user.active:
            raise Forbidden(f"user {user.name} is deactivated")
        return Actor("user", channel, user.id, user.name, user.role)

    # -- pipelines ------------------------------------------------------------

    async def pipeline(self, ref: str | int | None = None) -> Pipeline:
        return await self.read(lambda c: pipelines.load_pipeline(c, ref))

    async def list_pipelines(self) -> list[Pipeline]:
        return await self.read(pipelines.list_pipelines)

    def _admin(self, actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("only an admin can change the pipeline's stages")

    async def add_stage(
        self,
        pipeline: str | None,
        spec: pipelines.StageSpec,
        actor: Actor,
        position: int | None = None,
    ) -> Pipeline:
        self._admin(actor)

        def add(tx: Tx) -> None:
            pipelines.add_stage(tx, pipelines.pipeline_row(tx, pipeline)["id"], spec, position)

        await self.write(add, actor)
        return await self.pipeline(pipeline)

    async def change_stage(
        self, pipeline: str | None, stage: str, actor: Actor, **changes: Any
    ) -> dict[str, tuple[object, object]]:
        self._admin(actor)
        return await self.write(
            lambda tx: pipelines.change_stage(
                tx, pipelines.pipeline_row(tx, pipeline)["id"], stage, **changes
            ),
            actor,
        )

    async def reorder_stages(self, pipeline: str | None, keys: list[str], actor: Actor) -> None:
        self._admin(actor)
        await self.write(
            lambda tx: pipelines.reorder_stages(
                tx, pipelines.pipeline_row(tx, pipeline)["id"], keys
            ),
            actor,
        )

    async def delete_stage(self, pipeline: str | None, stage: str, actor: Actor) -> None:
        self._admin(actor)
        await self.write(
            lambda tx: pipelines.delete_stage(
                tx, pipelines.pipeline_row(tx, pipeline)["id"], stage
            ),
            actor,
        )

    # -- deals ----------------------------------------------------------------

    async def create_deal(self, draft: deals.DealDraft, actor: Actor) -> Deal:
        deal_id = await self.write(lambda tx: deals.create_deal(tx, draft), actor)
        return await self.deal(deal_id)

    async def deal(self, deal_id: int) -> Deal:
        return await self.read(lambda c: queries.get_deal(c, deal_id))

    async def update_deal(
        self,
        deal_id: int,
        values: dict[str, Any],
        actor: Actor,
        expected_version: int | None = None,
    ) -> Deal:
        await self.write(lambda tx: deals.update_deal(tx, deal_id, values, expected_version), actor)
        return await self.deal(deal_id)

    async def move_deal(
        self,
        deal_id: int,
        stage: str | int,
        actor: Actor,
        expected_version: int | None = None,
        lost_reason: str | None = None,
    ) -> Deal:
        await self.write(
            lambda tx: deals.move_stage(
                tx, deal_id, stage, expected_version, lost_reason=lost_reason
            ),
            actor,
        )
        return await self.deal(deal_id)

    async def delete_deal(
        self, deal_id: int, actor: Actor, expected_version: int | None = None
    ) -> None:
        if not actor.is_admin:
            raise Forbidden("only an admin can delete a deal; archive it instead")
        await self.write(lambda tx: deals.delete_deal(tx, deal_id, expected_version), actor)

    async def search_deals(self, text: str) -> list[Deal]:
        return await self.read(lambda c: queries.search_deals(c, text))

    async def board(self, pipeline: str | None = None) -> list[StageSummary]:
        return await self.read(lambda c: queries.board(c, pipeline))

    async def my_pipeline(self, owner_id: int, pipeline: str | None = None) -> list[StageSummary]:
        return await self.read(lambda c: queries.my_pipeline(c, owner_id, pipeline))

    async def my_open_deals(self, owner_id: int) -> list[Deal]:
        return await self.read(lambda c: queries.my_open_deals(c, owner_id))

    async def timeline(self, entity: str, entity_id: int) -> list[TimelineEntry]:
        return await self.read(lambda c: queries.timeline(c, entity, entity_id))

    # -- contacts -------------------------------------------------------------

    async def find_or_create_contact(self, draft: contacts.ContactDraft, actor: Actor) -> Contact:
        contact_id, _ = await self.write(
            lambda tx: contacts.find_or_create_contact(tx, draft), actor
        )
        contact = await self.read(lambda c: queries.get_contact(c, contact_id))
        assert contact is not None
        return contact

    async def contact_by_email(self, email: str) -> Contact | None:
        key = contacts.normalize_email(email).key
        return await self.read(lambda c: queries.find_contact(c, key))

    # -- leads ----------------------------------------------------------------

    async def create_lead(self, draft: leads.LeadDraft, actor: Actor) -> Lead:
        lead_id = await self.write(lambda tx: leads.create_lead(tx, draft), actor)
        return await self.lead(lead_id)

    async def lead(self, lead_id: int) -> Lead:
        return await self.read(lambda c: queries.get_lead(c, lead_id))

    async def list_leads(self, status: str | None = "new") -> list[Lead]:
        return await self.read(lambda c: queries.list_leads(c, status))

    async def set_lead_status(
        self, lead_id: int, status: str, actor: Actor, *, reason: str | None = None,
        expected_version: int | None = None,
    ) -> Lead:  # fmt: skip
        await self.write(
            lambda tx: leads.set_status(tx, lead_id, status, expected_version, reason=reason), actor
        )
        return await self.lead(lead_id)

    async def assign_lead(
        self, lead_id: int, owner: str | int, actor: Actor, expected_version: int | None = None
    ) -> Lead:
        await self.write(lambda tx: leads.assign(tx, lead_id, owner, expected_version), actor)
        return await self.lead(lead_id)

    async def convert_lead(
        self, lead_id: int, actor: Actor, *, pipeline: str | None = None,
        title: str | None = None, expected_revenue: str | None = None,
        expected_version: int | None = None,
    ) -> Deal:  # fmt: skip
        deal_id = await self.write(
            lambda tx: leads.convert(
                tx,
                lead_id,
                expected_version,
                pipeline=pipeline,
                title=title,
                expected_revenue=expected_revenue,
            ),
            actor,
        )
        return await self.deal(deal_id)

    # -- activities -----------------------------------------------------------

    async def create_activity(self, draft: activities.ActivityDraft, actor: Actor) -> Activity:
        activity_id = await self.write(lambda tx: activities.create_activity(tx, draft), actor)
        return await self.activity(activity_id)

    async def activity(self, activity_id: int) -> Activity:
        return await self.read(lambda c: queries.get_activity(c, activity_id))

    async def complete_activity(
        self, activity_id: int, actor: Actor, expected_version: int | None = None
    ) -> Activity:
        await self.write(lambda tx: activities.mark_done(tx, activity_id, expected_version), actor)
        return await self.activity(activity_id)

    async def reschedule_activity(
        self, activity_id: int, due_at: datetime, actor: Actor, expected_version: int | None = None
    ) -> Activity:
        await self.write(
            lambda tx: activities.reschedule(tx, activity_id, due_at, expected_version), actor
        )
        return await self.activity(activity_id)

    async def my_activities(self, owner_id: int, include_done: bool = False) -> list[Activity]:
        return await self.read(
            lambda c: queries.my_activities(c, owner_id, include_done=include_done)
        )

    async def overdue_activities(self, owner_id: int | None = None) -> list[Activity]:
        return await self.read(lambda c: queries.overdue_activities(c, owner_id))

    async def record_activities(self, entity: str, record_id: int) -> list[Activity]:
        return await self.read(lambda c: queries.record_activities(c, entity, record_id))
