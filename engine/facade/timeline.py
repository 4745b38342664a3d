"""The timeline part: what changed on a record (and since when), and a durable feed."""

from __future__ import annotations

import sqlite3

from engine.crm import queries
from engine.crm.records import TimelineEntry
from engine.crm.timeline import Edit, changes_since
from engine.facade.base import Part


class Timeline(Part):
    """Owns the timeline's reads: one record's history, and the feed past an entry."""

    async def of(self, entity: str, entity_id: int) -> list[TimelineEntry]:
        """The history of one record (``deal``, ``lead``, ``contact``…)."""
        return await self._read(lambda c: queries.timeline(c, entity, entity_id))

    async def changes_since(self, entity: str, entity_id: int, version: int) -> list[Edit]:
        """Who changed which fields of a record past ``version`` (the last change first).

        An out-of-date button or form names these people and fields; the query is the
        engine's, the wording the adapter's.
        """
        return await self._read(lambda c: changes_since(c, entity, entity_id, version))

    async def since(self, after_id: int, limit: int = 200) -> list[TimelineEntry]:
        """Every change recorded after entry ``after_id``, oldest first (a durable feed)."""

        def read(conn: sqlite3.Connection) -> list[TimelineEntry]:
            rows = conn.execute(
                "SELECT * FROM timeline WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
            )
            return [TimelineEntry.from_row(r) for r in rows]

        return await self._read(read)
