"""The users part: the people who act in Relais, and the actor each one acts as."""

from __future__ import annotations

from engine.actors import Actor
from engine.crm import users
from engine.crm.records import User
from engine.errors import Forbidden
from engine.facade.base import Part
from engine.text.catalogue import Phrase


class Users(Part):
    """Owns the users table: create or update a user, read one, turn one into an actor."""

    async def upsert(self, draft: users.UserDraft, actor: Actor) -> User:
        """Create the user, or update the one with the same e-mail or Slack id."""
        user_id, _ = await self._write(lambda tx: users.upsert_user(tx, draft), actor)
        return await self.get(user_id)

    async def get(self, ref: str | int) -> User:
        """A user by id, e-mail or Slack id."""
        return await self._read(lambda c: users.get_user(c, ref))

    async def actor_for(self, ref: str | int, channel: str) -> Actor:
        """The actor a person acts as (``--as`` on the command line, a Slack user)."""
        user = await self.get(ref)
        if not user.active:
            raise Forbidden(Phrase("user.deactivated", name=user.name))
        return Actor("user", channel, user.id, user.name, user.role)
