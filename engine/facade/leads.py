"""The leads part: prospects before they become deals."""

from __future__ import annotations

from engine.actors import Actor
from engine.crm import leads, listings, queries
from engine.crm.records import Deal, Lead
from engine.facade.base import Part


class Leads(Part):
    """Owns leads: create, read, list, set status, assign, convert into a deal."""

    async def create(self, draft: leads.LeadDraft, actor: Actor) -> Lead:
        lead_id = await self._write(lambda tx: leads.create_lead(tx, draft), actor)
        return await self.get(lead_id)

    async def get(self, lead_id: int) -> Lead:
        return await self._read(lambda c: queries.get_lead(c, lead_id))

    async def by_status(self, status: str | None = "new") -> list[Lead]:
        """The leads with ``status`` (``None``: all of them)."""
        return await self._read(lambda c: queries.list_leads(c, status))

    async def listing(self, filters: listings.LeadFilters) -> listings.LeadListing:
        """Leads by status and owner, the newest first, with their contact, owner and source."""
        return await self._read(lambda c: listings.lead_listing(c, filters))

    async def set_status(
        self, lead_id: int, status: str, actor: Actor, *, reason: str | None = None,
        expected_version: int | None = None,
    ) -> Lead:  # fmt: skip
        await self._write(
            lambda tx: leads.set_status(tx, lead_id, status, expected_version, reason=reason), actor
        )
        return await self.get(lead_id)

    async def assign(
        self, lead_id: int, owner: str | int, actor: Actor, expected_version: int | None = None
    ) -> Lead:
        await self._write(lambda tx: leads.assign(tx, lead_id, owner, expected_version), actor)
        return await self.get(lead_id)

    async def convert(
        self, lead_id: int, actor: Actor, *, pipeline: str | None = None,
        title: str | None = None, expected_revenue: str | None = None,
        expected_version: int | None = None,
    ) -> Deal:  # fmt: skip
        """Turn the lead into a deal (one write); returns the new deal."""
        deal_id = await self._write(
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
        return await self._read(lambda c: queries.get_deal(c, deal_id))
