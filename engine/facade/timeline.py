"""The timeline part: what changed on a record, and every change as a durable feed."""

from __future__ import annotations

import sqlite3

from engine.crm import queries
from engine.crm.records import TimelineEntry
from engine.facade.base import Part


class Timeline(Part):
    """Owns the timeline's reads: one record's history, and the feed past an entry."""

    async def of(self, entity: str, entity_id: int) -> list[TimelineEntry]:
        """The history of one record (``deal``, ``lead``, ``contact``…)."""
        return await self._read(lambda c: queries.timeline(c, entity, entity_id))

    async def since(self, after_id: int, limit: int = 200) -> list[TimelineEntry]:
        """Every change recorded after entry ``after_id``, oldest first (a durable feed)."""

        def read(conn: sqlite3.Connection) -> list[TimelineEntry]:
            rows = conn.execute(
                "SELECT * FROM timeline WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
            )
            return [TimelineEntry.from_row(r) for r in rows]

        return await self._read(read)
