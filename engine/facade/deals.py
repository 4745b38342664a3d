"""The deals part: deals created, read, edited, moved through stages, listed."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from engine import clock
from engine.actors import Actor
from engine.crm import deals, listings, queries
from engine.crm.records import Deal, StageSummary
from engine.crm.versioning import check_version
from engine.facade.base import Part, require_admin
from engine.store.db import Tx

if TYPE_CHECKING:  # the card's reads (blueprint transitions) load when a card is asked for
    from engine.facade.deal_view import DealView


class Deals(Part):
    """Owns deals: their life (create, update, move, delete) and every way to list them."""

    async def create(self, draft: deals.DealDraft, actor: Actor) -> Deal:
        def create(tx: Tx) -> Deal:
            return Deal.from_row(deals.insert_deal(tx, draft))

        return await self._write(create, actor)

    async def get(self, deal_id: int) -> Deal:
        return await self._read(lambda c: queries.get_deal(c, deal_id))

    async def update(
        self,
        deal_id: int,
        values: dict[str, Any],
        actor: Actor,
        expected_version: int | None = None,
    ) -> Deal:
        def update(tx: Tx) -> Deal:
            deals.update_deal(tx, deal_id, values, expected_version)
            return queries.get_deal(tx.conn, deal_id)

        return await self._write(update, actor)

    async def edit(
        self,
        deal_id: int,
        values: dict[str, Any],
        actor: Actor,
        expected_version: int | None = None,
    ) -> Deal:
        """A person's edit of the deal's fields: :meth:`update`, refusing what only a
        transition may write (:class:`~engine.blueprints.protected.FieldsProtected`)."""

        from engine.blueprints.protected import refuse_protected  # blueprints: edits only

        def edit(tx: Tx) -> Deal:
            row = deals.deal_row(tx.conn, deal_id)
            check_version(tx, "deal", row, expected_version)
            refuse_protected(tx.conn, row, values, tx.now)
            deals.update_deal(tx, deal_id, values, expected_version)
            return queries.get_deal(tx.conn, deal_id)

        return await self._write(edit, actor)

    async def protected(self, deal_id: int) -> dict[str, list[str]]:
        """The deal's fields only a transition may write, with the transitions' names."""

        from engine.blueprints.protected import protected_fields

        def read(conn: sqlite3.Connection) -> dict[str, list[str]]:
            return protected_fields(conn, deals.deal_row(conn, deal_id), clock.utcnow())

        return await self._read(read)

    async def move(
        self,
        deal_id: int,
        stage: str | int,
        actor: Actor,
        expected_version: int | None = None,
        lost_reason: str | None = None,
    ) -> Deal:
        """Move to ``stage`` freely (a governed pipeline refuses: see ``blueprints.perform``)."""

        def move(tx: Tx) -> Deal:
            deals.move_stage(tx, deal_id, stage, expected_version, lost_reason=lost_reason)
            return queries.get_deal(tx.conn, deal_id)

        return await self._write(move, actor)

    async def delete(self, deal_id: int, actor: Actor, expected_version: int | None = None) -> None:
        require_admin(actor, "admin_only.delete_deal")
        await self._write(lambda tx: deals.delete_deal(tx, deal_id, expected_version), actor)

    async def search(self, text: str) -> list[Deal]:
        return await self._read(lambda c: queries.search_deals(c, text))

    async def listing(self, filters: listings.DealFilters) -> listings.DealListing:
        """Deals by stage, pipeline, owner or text, the latest changed first, with totals."""
        return await self._read(lambda c: listings.deal_listing(c, filters))

    async def board(self, pipeline: str | None = None) -> list[StageSummary]:
        return await self._read(lambda c: queries.board(c, pipeline))

    async def my_pipeline(self, owner_id: int, pipeline: str | None = None) -> list[StageSummary]:
        return await self._read(lambda c: queries.my_pipeline(c, owner_id, pipeline))

    async def my_open(self, owner_id: int) -> list[Deal]:
        return await self._read(lambda c: queries.my_open_deals(c, owner_id))

    async def view(self, deal_id: int, actor: Actor | None = None) -> DealView:
        """Everything a deal's card shows, in one snapshot (one hop, not seven).

        ``actor`` given, the transitions open to them now are included.
        """
        from engine.facade.deal_view import read_view

        return await self._read(lambda c: read_view(c, deal_id, actor))
