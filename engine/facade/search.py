"""The search part: one read across deals, leads, contacts and organisations."""

from __future__ import annotations

from engine.crm import search
from engine.crm.search import SearchHits
from engine.facade.base import Part

__all__ = ["Search", "SearchHits"]


class Search(Part):
    """Finds records of every kind by what people type (``engine.search.find``)."""

    async def find(self, text: str, limit: int = 5) -> SearchHits:
        """Up to ``limit`` deals, leads, contacts and organisations matching ``text``,
        with each kind's total count (one read)."""
        return await self._read(lambda c: search.search(c, text, limit))
