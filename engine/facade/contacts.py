"""The contacts part: the people deals and leads are about."""

from __future__ import annotations

from engine.actors import Actor
from engine.crm import contacts, queries
from engine.crm.records import Contact, PostalAddress
from engine.facade.base import Part


class Contacts(Part):
    """Owns contacts: found by e-mail (created when new), their postal address, read back."""

    async def find_or_create(self, draft: contacts.ContactDraft, actor: Actor) -> Contact:
        """The contact with the draft's e-mail, created first if there is none."""
        contact_id, _ = await self._write(
            lambda tx: contacts.find_or_create_contact(tx, draft), actor
        )
        contact = await self.get(contact_id)
        assert contact is not None
        return contact

    async def set_address(
        self,
        contact_id: int,
        address: PostalAddress,
        actor: Actor,
        expected_version: int | None = None,
    ) -> Contact:
        """Give the contact this postal address (the client's, on a devis); every part is
        replaced, an empty part cleared. ``expected_version``: refuse a stale edit."""
        await self._write(
            lambda tx: contacts.set_address(tx, contact_id, address, expected_version), actor
        )
        contact = await self.get(contact_id)
        assert contact is not None
        return contact

    async def get(self, contact_id: int) -> Contact | None:
        return await self._read(lambda c: queries.get_contact(c, contact_id))

    async def by_email(self, email: str) -> Contact | None:
        key = contacts.normalize_email(email).key
        return await self._read(lambda c: queries.find_contact(c, key))
