"""The activities part: calls, visits and tasks to do, on a deal, a lead or a contact."""

from __future__ import annotations

from datetime import datetime

from engine.actors import Actor
from engine.crm import activities, queries
from engine.crm.records import Activity
from engine.facade.base import Part


class Activities(Part):
    """Owns activities: create, complete, reschedule; a rep's, the overdue, a record's."""

    async def create(self, draft: activities.ActivityDraft, actor: Actor) -> Activity:
        activity_id = await self._write(lambda tx: activities.create_activity(tx, draft), actor)
        return await self.get(activity_id)

    async def get(self, activity_id: int) -> Activity:
        return await self._read(lambda c: queries.get_activity(c, activity_id))

    async def complete(
        self, activity_id: int, actor: Actor, expected_version: int | None = None
    ) -> Activity:
        await self._write(lambda tx: activities.mark_done(tx, activity_id, expected_version), actor)
        return await self.get(activity_id)

    async def reschedule(
        self, activity_id: int, due_at: datetime, actor: Actor, expected_version: int | None = None
    ) -> Activity:
        await self._write(
            lambda tx: activities.reschedule(tx, activity_id, due_at, expected_version), actor
        )
        return await self.get(activity_id)

    async def mine(self, owner_id: int, include_done: bool = False) -> list[Activity]:
        """A rep's activities (the open ones unless ``include_done``)."""
        return await self._read(
            lambda c: queries.my_activities(c, owner_id, include_done=include_done)
        )

    async def overdue(self, owner_id: int | None = None) -> list[Activity]:
        return await self._read(lambda c: queries.overdue_activities(c, owner_id))

    async def on_record(self, entity: str, record_id: int) -> list[Activity]:
        """The activities of one deal, lead or contact."""
        return await self._read(lambda c: queries.record_activities(c, entity, record_id))
