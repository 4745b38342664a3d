"""The timeline part: what changed on a record (and since when), and a durable feed."""

from __future__ import annotations

import sqlite3

from engine.crm import marks, queries
from engine.crm.marks import IN_ORDER, PAST, Mark
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

    async def since(self, after: Mark, limit: int = 200) -> list[TimelineEntry]:
        """Every settled change past ``after``, in feed order (a durable feed).

        An entry's ``mark`` is where a reader that handled it stands: see
        engine/crm/marks.py for why the order is the transactions', not the ids'.
        """

        def read(conn: sqlite3.Connection) -> list[TimelineEntry]:
            rows = conn.execute(
                f"SELECT * FROM timeline WHERE {PAST} {IN_ORDER} LIMIT ?", (*after.params, limit)
            )
            return [TimelineEntry.from_row(r) for r in rows]

        return await self._read(read)

    async def held_back(self, after: Mark) -> bool:
        """Whether entries past ``after`` are committed but wait for an older transaction
        still running: read again in ``HELD_PAUSE`` seconds (engine/crm/marks.py)."""
        if self._db.url is None:  # SQLite: one writer commits in id order, nothing waits
            return False
        return await self._read(lambda c: marks.held_back(c, after))
